"""Selection: a startup's results, a partner's tracks, a track's selection."""

from tests.api.matrix_rows import NOBODY

PARTNERS = {"partner_admin", "partner_a", "partner_b"}

ROWS = [
    ("GET", "/api/v1/applications/{result_application}/result", None,
     {"startup_a", "startup_a_member"}),
    ("GET", "/api/v1/applications/{waitlisted_application}/result", None, NOBODY),
    ("GET", "/api/v1/selection/results", None, {"startup_a", "startup_a_member", "startup_b"}),
    ("GET", "/api/v1/selection/tracks", None, PARTNERS),
    ("GET", "/api/v1/selection/tracks/{selection_track}", None,
     {"partner_admin", "partner_a", "operator"}),
    ("GET", "/api/v1/selection/tracks/{other_partner_track}", None, {"partner_b", "operator"}),
]
