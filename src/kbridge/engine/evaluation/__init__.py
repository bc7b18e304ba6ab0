"""Aggregation and calibration of evaluators' scores (issue 13, item 7). Pure Python, no Django.

Interface for the evaluation app::

    from kbridge.engine.evaluation import aggregate, weighted_total, ScoreInputError

    total = weighted_total({"tech": 4, "market": 5}, {"tech": 30, "market": 20}, 1, 5)  # 85.0
    run = aggregate(
        [(application_pk, evaluator_pk, total), ...],   # one per submitted scoresheet, 0–100
        {application_pk: track_pk, ...},
        trim_min_count=5,            # drop one highest and one lowest from 5 scores up
        disagreement_range=30.0,     # flag an application whose scores span ≥ 30 points
        disagreement_sd=None,        # or flag on the sample sd
        far_threshold=15.0,          # flag an evaluator ≥ 15 points from co-evaluators on average
        far_min_shared=3,            # ... over at least 3 shared applications
    )
    run.applications             # ApplicationResult: n, mean, trimmed_mean, sd, range,
                                 #   normalised, disagreement, ranks (mean / trimmed / normalised,
                                 #   each with a tie flag), scores (evaluator, score, z)
    run.evaluators               # EvaluatorResult: n, mean, sd, basis, shared, deviation, far
    run.ranking(track_pk, by="trimmed_mean")   # the track best first
    run.application(pk), run.evaluator(pk), run.to_dict()

Bad input raises ``ScoreInputError`` (a ``ValueError``) whose ``code`` and ``params`` the web
layer can translate; ``.message`` is English. The rules, their defaults and their sources are
in ``aggregate.py`` and docs/evaluation-aggregation.md.
"""

from .aggregate import (
    MEASURES,
    Aggregation,
    ApplicationResult,
    EvaluatorResult,
    Measure,
    Parameters,
    Ranks,
    ScoreEntry,
    aggregate,
)
from .errors import MESSAGES_EN, ScoreInputError
from .ranking import TIE_DECIMALS, Place, competition_ranks
from .scoresheet import weighted_total

__all__ = [
    "MEASURES",
    "MESSAGES_EN",
    "TIE_DECIMALS",
    "Aggregation",
    "ApplicationResult",
    "EvaluatorResult",
    "Measure",
    "Parameters",
    "Place",
    "Ranks",
    "ScoreEntry",
    "ScoreInputError",
    "aggregate",
    "competition_ranks",
    "weighted_total",
]
