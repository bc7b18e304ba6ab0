"""Applications: the startup's profile and applications, the operator's list of a call."""

from tests.api.matrix_rows import NOBODY

STARTUPS = {"startup_a", "startup_a_member", "startup_b"}
REPRESENTATIVES = {"startup_a", "startup_b"}
STARTUP_A = {"startup_a", "startup_a_member"}

ROWS = [
    ("GET", "/api/v1/startup/profile", None, STARTUPS),
    # startup B has no profile yet: its empty change is refused (422) with the form's reasons.
    ("PATCH", "/api/v1/startup/profile", {}, REPRESENTATIVES),
    ("GET", "/api/v1/applications", None, STARTUPS),
    ("GET", "/api/v1/applications?status=submitted&call={call}", None, STARTUPS),
    ("GET", "/api/v1/applications/{application}", None, STARTUP_A | {"operator"}),
    ("POST", "/api/v1/tracks/{track_a}/applications", {}, REPRESENTATIVES),
    ("POST", "/api/v1/tracks/{draft_track_a}/applications", {}, NOBODY),
    ("PATCH", "/api/v1/applications/{application}/draft", {"version": 1}, STARTUP_A),
    ("POST", "/api/v1/applications/{application}/submit", {"version": 1}, {"startup_a"}),
    # A JSON body carries no file: refused (422) once past the permission check.
    ("POST", "/api/v1/applications/{application}/files/{question}", {}, STARTUP_A),
    ("GET", "/api/v1/applications/{application}/files/{question}", None, STARTUP_A),
    ("GET", "/api/v1/calls/{call}/applications", None, {"operator"}),
    ("GET", "/api/v1/calls/{draft_call}/applications?q=KB", None, {"operator"}),
]
