"""Me and the public calls."""

from tests.api.matrix_rows import ALL, SIGNED_IN

ROWS = [
    ("GET", "/api/v1/me", None, SIGNED_IN),
    ("GET", "/api/v1/calls", None, ALL),
    ("GET", "/api/v1/calls/{call}", None, ALL),
    ("GET", "/api/v1/calls/{draft_call}", None, {"operator", "partner_admin", "partner_a"}),
]
