"""Selection URLs: each area's view module holds its own ``urlpatterns``.

/manage/selection/…               operators (rules, selection per track, waitlist, appeals,
                                  agreements, duplicate-funding imports)
/partner/selection/…              partners (their tracks' shortlist and results, interest)
/applications/<id>/result/…       applicants (result with reasons, appeal, offer, agreement)
/results/…, /lottery/…            public: results and the draws at the funding line
"""

from kbridge.selection.views import agreements, appeals, offers, partners, results, selection

app_name = "selection"

urlpatterns = [
    *selection.urlpatterns,
    *offers.urlpatterns,
    *agreements.urlpatterns,
    *appeals.urlpatterns,
    *results.urlpatterns,
    *partners.urlpatterns,
]
