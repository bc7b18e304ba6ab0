"""Alliance URLs: each part's view module holds its own ``urlpatterns`` and adds one line
below.

/alliance/…              the member directory, a startup's reports, the public outcomes page
/manage/alliance/…       operators and partners: collaborations, report reviews, KPIs, exports
"""

from kbridge.alliance.views import kpis

app_name = "alliance"

urlpatterns: list = [
    *kpis.urlpatterns,
]
