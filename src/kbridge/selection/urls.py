"""Selection URLs: each area's view module holds its own ``urlpatterns``.

/manage/selection/…               operators (rules, selection per track, waitlist, appeals,
                                  agreements, duplicate-funding imports)
/partner/selection/…              partners (their tracks' shortlist and results, interest)
/applications/<id>/result/…       applicants (result with reasons, appeal, offer, agreement)
/results/…                        the public results page
"""

app_name = "selection"

urlpatterns: list = []

# --- results and partners ---
from kbridge.selection.views import partners, results  # noqa: E402

urlpatterns += [*results.urlpatterns, *partners.urlpatterns]
