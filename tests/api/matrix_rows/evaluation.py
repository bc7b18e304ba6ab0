"""Evaluation: an evaluator's own assignments and scoresheets (never a conflicted one)."""

from tests.api.matrix_rows import NOBODY

EVALUATORS = {"evaluator", "evaluator_conflicted"}

ROWS = [
    ("GET", "/api/v1/evaluation/assignments", None, EVALUATORS),
    ("GET", "/api/v1/evaluation/assignments/{assignment}", None, {"evaluator"}),
    ("GET", "/api/v1/evaluation/assignments/{conflicted_assignment}", None, NOBODY),
    ("PUT", "/api/v1/evaluation/assignments/{assignment}/scoresheet", {"version": 1},
     {"evaluator"}),
    ("PUT", "/api/v1/evaluation/assignments/{conflicted_assignment}/scoresheet",
     {"version": 1}, NOBODY),
    ("POST", "/api/v1/evaluation/assignments/{assignment}/scoresheet/submit", {"version": 1},
     {"evaluator"}),
    ("POST", "/api/v1/evaluation/assignments/{conflicted_assignment}/scoresheet/submit",
     {"version": 1}, NOBODY),
    ("GET", "/api/v1/evaluation/stages/{stage}/ranking?by=mean", None, {"operator"}),
]
