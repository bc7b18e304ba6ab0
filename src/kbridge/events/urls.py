"""Event URLs: each part's view module holds its own ``urlpatterns``.

/events/…                  public pages, registration, tickets, the live Q&A, meetings
/manage/events/…           the event's staff (the agency's operators and the host partner)
"""

from kbridge.events.views import pages
from kbridge.events.views import qna as qna_views

app_name = "events"

urlpatterns = [
    *pages.urlpatterns,
    *qna_views.urlpatterns,
]
