"""Output of the assignment engine: the assignment, how good it is provably, and why each pair.

An evaluator or applicant who asks "why me?" gets the pair's affinity and its rank on both sides;
an auditor who asks "is this the best?" gets the objective, the solver's proven bound and the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .problem import NormalisedProblem


@dataclass(frozen=True)
class StageReport:
    """One optimisation stage (fair mode has two: the minimum, then the total)."""

    name: str
    objective: float
    bound: float
    gap: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "objective": self.objective, "bound": self.bound,
                "gap": self.gap, "status": self.status}


@dataclass(frozen=True)
class RunReport:
    """Per-run explanation: objective, proven bound, relative gap (0 = proven optimal)."""

    mode: str  # "reviewer_set" or "panel"
    objective_name: str  # "total", "fair" or "randomised"
    objective: float
    bound: float
    gap: float
    solver: str
    seconds: float
    stages: tuple[StageReport, ...] = ()
    seed: int | None = None
    expected_affinity: float | None = None
    status: str = "optimal"  # or "time_limit": best found, bound still valid
    # Solved among each application's N best candidates (``solve(candidates=N)``): objective,
    # bound and gap are those of that restricted problem.
    candidates: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "objective_name": self.objective_name, "objective": self.objective,
            "bound": self.bound, "gap": self.gap, "solver": self.solver, "seconds": self.seconds,
            "stages": [s.to_dict() for s in self.stages], "seed": self.seed,
            "expected_affinity": self.expected_affinity, "status": self.status,
            "candidates": self.candidates,
        }


@dataclass(frozen=True)
class PairExplanation:
    """Why one pair: its affinity and its rank (1 = best, ties share the better rank).

    rank_for_application: place of this evaluator among the application's non-conflicted
    evaluators; rank_for_evaluator: place of this application among the evaluator's
    non-conflicted applications. ``probability`` is the marginal in randomised mode.
    """

    application: str
    evaluator: str
    affinity: float
    rank_for_application: int
    rank_for_evaluator: int
    forced: bool
    probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"application": self.application, "evaluator": self.evaluator,
                "affinity": self.affinity, "rank_for_application": self.rank_for_application,
                "rank_for_evaluator": self.rank_for_evaluator, "forced": self.forced,
                "probability": self.probability}


@dataclass
class AssignmentResult:
    """An assignment that satisfies every rule, plus its run report.

    assignment: (A, E) bool matrix. panel_of_evaluator (panel mode): panel label per evaluator or
    None. marginals (randomised mode): (A, E) assignment probabilities the sample was drawn from.
    """

    problem: NormalisedProblem
    assignment: np.ndarray
    report: RunReport
    marginals: np.ndarray | None = None
    panel_of_evaluator: list[str | None] | None = None
    _explanations: list[PairExplanation] | None = field(default=None, repr=False)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        p = self.problem
        return [(p.application_ids[a], p.evaluator_ids[e]) for a, e in zip(*np.nonzero(self.assignment), strict=True)]

    def application_scores(self) -> np.ndarray:
        """Sum of affinities of each application's evaluators (what fair mode maximises the min of)."""
        return (self.problem.affinity * self.assignment).sum(axis=1)

    def loads(self) -> np.ndarray:
        return self.assignment.sum(axis=0)

    @property
    def total_affinity(self) -> float:
        return float(self.problem.affinity[self.assignment].sum())

    @property
    def min_application_score(self) -> float:
        scores = self.application_scores()
        return float(scores.min()) if len(scores) else 0.0

    def explanations(self) -> list[PairExplanation]:
        """Per assigned pair: affinity, rank for the application and for the evaluator."""
        if self._explanations is None:
            self._explanations = explain_pairs(self.problem, self.assignment, self.marginals)
        return self._explanations

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: report, pairs with explanations, per-application scores."""
        p = self.problem
        out: dict[str, Any] = {
            "report": self.report.to_dict(),
            "total_affinity": self.total_affinity,
            "min_application_score": self.min_application_score,
            "pairs": [x.to_dict() for x in self.explanations()],
            "application_scores": dict(zip(p.application_ids, map(float, self.application_scores()), strict=True)),
        }
        if self.panel_of_evaluator is not None:
            out["panels"] = {
                label: [p.evaluator_ids[e] for e, g in enumerate(self.panel_of_evaluator) if g == label]
                for label in p.panel_labels
            }
        return out


def explain_pairs(
    p: NormalisedProblem, assignment: np.ndarray, marginals: np.ndarray | None = None,
    chunk: int = 2048,
) -> list[PairExplanation]:
    """Ranks computed in chunks so a CVPR-sized run never builds a pairs × applications matrix."""
    a_idx, e_idx = np.nonzero(assignment)
    masked = np.where(p.conflicts, -np.inf, p.affinity)
    values = p.affinity[a_idx, e_idx]
    rank_app = np.empty(len(a_idx), dtype=np.int64)
    rank_ev = np.empty(len(a_idx), dtype=np.int64)
    for s in range(0, len(a_idx), chunk):
        sl = slice(s, s + chunk)
        v = values[sl][:, None]
        rank_app[sl] = 1 + (masked[a_idx[sl]] > v).sum(axis=1)
        rank_ev[sl] = 1 + (v < masked[:, e_idx[sl]].T).sum(axis=1)
    return [
        PairExplanation(
            application=p.application_ids[a], evaluator=p.evaluator_ids[e], affinity=float(val),
            rank_for_application=int(ra), rank_for_evaluator=int(rv), forced=bool(p.forced[a, e]),
            probability=None if marginals is None else float(marginals[a, e]),
        )
        for a, e, val, ra, rv in zip(a_idx, e_idx, values, rank_app, rank_ev, strict=True)
    ]
