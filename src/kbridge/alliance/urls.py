"""Alliance URLs: each part's view module holds its own ``urlpatterns`` and adds one line
below.

/alliance/…              the member directory, a startup's reports, the public outcomes page
/manage/alliance/…       operators and partners: collaborations, report reviews, KPIs, exports
"""

from kbridge.alliance.views import collaborations as collaboration_views
from kbridge.alliance.views import kpis, reports
from kbridge.alliance.views import members as member_views

app_name = "alliance"

urlpatterns: list = [
    *member_views.urlpatterns,
    *collaboration_views.urlpatterns,
    *reports.urlpatterns,
    *kpis.urlpatterns,
]
