"""Event URLs: each part's view module holds its own ``urlpatterns``.

/events/…                  public pages, registration, tickets, the live Q&A, meetings
/manage/events/…           the event's staff (the agency's operators and the host partner)
"""

from kbridge.events.views import attendees, meetings, pages
from kbridge.events.views import qna as qna_views
from kbridge.events.views import tickets as ticket_views

app_name = "events"

urlpatterns = [
    *pages.urlpatterns,
    *ticket_views.urlpatterns,
    *attendees.urlpatterns,
    *meetings.urlpatterns,
    *qna_views.urlpatterns,
]
