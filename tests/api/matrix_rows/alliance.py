"""The alliance: collaborations, milestone reports and KPIs.

The matrix world (tests/alliance/world.py, tests/alliance/reports/world.py,
tests/alliance/kpis_world.py): a collaboration of OpenAI (partner A) with startup A and one of
NVIDIA (partner B) with startup B in KISED's program; startup A's accepted agreement with
report 1 submitted and report 2 due; KISED's 2025 cohort with an approved report in OpenAI's
track.
"""

RECORDERS = {"operator", "operator_b", "partner_admin", "partner_a", "partner_b"}
OPENAI = {"partner_admin", "partner_a"}
STARTUP_A = {"startup_a", "startup_a_member"}
# Ids of the body are not the world's: the form refuses them (422, through) for recorders.
NEW_COLLABORATION = {"partner_id": 1, "startup_id": 1, "kind": "poc", "title": "PoC"}

ROWS = [
    ("GET", "/api/v1/collaborations", None, RECORDERS | STARTUP_A | {"startup_b"}),
    ("GET", "/api/v1/collaborations?stage=proposed&kind=poc", None,
     RECORDERS | STARTUP_A | {"startup_b"}),
    ("GET", "/api/v1/collaborations/{collaboration_a}", None, {"operator"} | OPENAI),
    ("GET", "/api/v1/collaborations/{collaboration_b}", None, {"operator", "partner_b"}),
    ("POST", "/api/v1/collaborations", NEW_COLLABORATION, RECORDERS),
    ("POST", "/api/v1/collaborations/{collaboration_a}/stage", {"to": "agreed"},
     {"operator"} | OPENAI),
    ("POST", "/api/v1/collaborations/{collaboration_b}/stage", {"to": "dropped"},
     {"operator", "partner_b"}),
    ("GET", "/api/v1/reports", None, STARTUP_A | {"startup_b"}),
    ("GET", "/api/v1/reports/{due_report}", None, STARTUP_A | {"operator"}),
    ("GET", "/api/v1/reports/{submitted_report}", None, STARTUP_A | {"operator"}),
    ("PUT", "/api/v1/reports/{due_report}", {}, STARTUP_A),
    ("PUT", "/api/v1/reports/{submitted_report}", {}, STARTUP_A),  # 409
    # The representative: 422 (incomplete); the member: 409 (only the representative).
    ("POST", "/api/v1/reports/{due_report}/submit", None, STARTUP_A),
    ("GET", "/api/v1/report-queue", None, {"operator", "operator_b"}),
    ("GET", "/api/v1/report-queue?section=overdue", None, {"operator", "operator_b"}),
    ("GET", "/api/v1/kpis", None, RECORDERS),
    ("GET", "/api/v1/kpis?program={kpi_program}", None, {"operator"} | OPENAI | {"partner_b"}),
    ("GET", "/api/v1/kpis?track={kpi_track_b}", None, {"operator", "partner_b"}),
]
