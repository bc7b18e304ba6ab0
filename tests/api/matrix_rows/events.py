"""Events: the public pages, registrations, the live Q&A and 1:1 meetings.

The matrix world's event (tests/events/world.py) is published and hosted by OpenAI (partner
A's company); startup A is chosen (an attendee), startup B registered; a draft event of the
same program; a meeting session with an accepted request between startup A and ``partner_a``;
a question of another attendee (tests/events/qna/world.py).
"""

from tests.api.matrix_rows import ALL

STAFF = {"operator", "partner_admin", "partner_a"}  # KISED runs it, OpenAI hosts it
ATTENDEES = {"startup_a", "startup_a_member"}
REPRESENTATIVES = {"startup_a", "startup_b"}
STARTUP_PEOPLE = ATTENDEES | {"startup_b"}
QUESTION = "/api/v1/events/{event}/questions/{qna_question}/vote"

ROWS = [
    ("GET", "/api/v1/events", None, ALL),
    ("GET", "/api/v1/events?when=upcoming", None, ALL),
    ("GET", "/api/v1/events/{event}", None, ALL),
    ("GET", "/api/v1/events/{draft_event}", None, STAFF),
    ("GET", "/api/v1/event-registrations", None, STARTUP_PEOPLE),
    # Both representatives' companies have registered already: 409 (through).
    ("POST", "/api/v1/events/{event}/registration", {}, REPRESENTATIVES),
    ("POST", "/api/v1/events/{draft_event}/registration", {}, set()),
    ("DELETE", "/api/v1/events/{event}/registration", None, REPRESENTATIVES),
    ("GET", "/api/v1/events/{event}/questions", None, STAFF | ATTENDEES),
    ("GET", "/api/v1/events/{draft_event}/questions", None, STAFF),
    ("POST", "/api/v1/events/{event}/questions", {"text": "한국어 지원 계획은?"}, ATTENDEES),
    ("PUT", QUESTION, None, ATTENDEES),
    ("DELETE", QUESTION, None, ATTENDEES),
    ("GET", "/api/v1/events/{event}/meetings", None,
     ATTENDEES | {"partner_admin", "partner_a"}),
    ("GET", "/api/v1/events/{event}/meetings/console", None, STAFF),
]
