"""Bad input to the evaluation engine, as a stable code plus plain parameters.

The web layer translates by ``code`` (the English sentence is :attr:`ScoreInputError.message`,
built from :data:`MESSAGES_EN`), the same pattern as ``engine.assignment.diagnosis``.
"""

from __future__ import annotations

from typing import Any

MESSAGES_EN: dict[str, str] = {
    "bad_record": "record {index} is not an (application, evaluator, score) triple",
    "unhashable_id": "record {index} has an application or evaluator id that cannot be a key",
    "score_not_a_number": "the score of application {application} by evaluator {evaluator} is not a number",
    "score_not_finite": "the score of application {application} by evaluator {evaluator} is not a finite number",
    "score_out_of_range": "the score {score} of application {application} by evaluator {evaluator} is outside 0–100",
    "duplicate_pair": "evaluator {evaluator} has more than one score for application {application}",
    "missing_track": "application {application} has scores but no track",
    "bad_parameter": "parameter {name} is {value!r}; {expected}",
    "bad_scale": "the scale runs from {scale_min} to {scale_max}; it must be two finite numbers, the first smaller",
    "bad_weight": "the weight of criterion {criterion} is {weight!r}; weights are finite numbers ≥ 0",
    "no_weight": "the weights add up to 0; at least one criterion must carry weight",
    "missing_level": "criterion {criterion} has no level",
    "unknown_criterion": "criterion {criterion} has a level but no weight",
    "level_not_a_number": "the level of criterion {criterion} is {level!r}, not a finite number",
    "level_out_of_scale": "the level {level} of criterion {criterion} is outside the scale {scale_min}–{scale_max}",
}


class ScoreInputError(ValueError):
    """Input the engine refuses. ``code`` keys :data:`MESSAGES_EN`; ``params`` fill it."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return MESSAGES_EN[self.code].format(**self.params)
