"""Entry points: ``solve`` (assign or raise a diagnosed ``AssignmentInfeasible``) and ``diagnose``.

Dispatch, and why:
* reviewer-set, total, no composition → min-cost flow (exact, CVPR-scale in seconds);
* reviewer-set, total with composition → HiGHS MIP (shares and affiliations break the flow);
* reviewer-set, fair → two CP-SAT solves (max-min is NP-hard in general, so a flow cannot do
  it, and CP-SAT closes it far faster than LP-based branch-and-cut; see cpsat.py);
* reviewer-set, randomised → HiGHS LP over pair probabilities capped at q, then dependent
  rounding with a recorded seed;
* panel mode (``problem.panels`` given) → HiGHS MIP over evaluator-to-panel seats.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

import numpy as np

from . import milp
from .cpsat import reviewer_set_fair_cpsat
from .diagnosis import (
    AssignmentInfeasible,
    Diagnosis,
    deletion_filter,
    panel_checks,
    reviewer_set_checks,
    reviewer_set_hall_checks,
)
from .flow import solve_total_flow
from .problem import AssignmentProblem, NormalisedProblem, Objective
from .result import AssignmentResult, RunReport, StageReport
from .rounding import dependent_round

OBJECTIVES = ("total", "fair", "randomised")


def _gap(objective: float, bound: float) -> float:
    diff = bound - objective
    if diff <= 0:
        return 0.0
    return float(diff / max(abs(bound), abs(objective), 1e-12))


def solve(
    problem: AssignmentProblem,
    objective: Objective = "total",
    *,
    max_probability: float | np.ndarray = 0.5,
    seed: int | None = None,
    time_limit: float | None = None,
    candidates: int | None = None,
) -> AssignmentResult:
    """Return an assignment that keeps every rule and is optimal for ``objective``.

    max_probability: randomised mode's cap q on each pair's probability (scalar or (A, E)).
    seed: randomised mode's draw; ``None`` draws a fresh seed, which is recorded in the report.
    time_limit: seconds per MIP stage; on expiry the best assignment is returned with its bound
    and a positive gap (report.status == "time_limit").
    candidates: with composition rules (a MIP, or CP-SAT for fair), first solve among each
    application's ``candidates`` best evaluators plus the best few of each group the rules
    count (:func:`prune`); the result is optimal among those pairs (``report.candidates``
    says so). When that smaller problem has no assignment, the full problem is solved (and
    diagnosed), so pruning never turns a feasible stage into an infeasible one.
    Raises ``AssignmentInfeasible`` (with diagnoses) when no assignment exists, ``ValueError`` on
    malformed input or unsupported combinations.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    start = time.perf_counter()
    p = problem.normalise()
    if p.panel_index is not None:
        return _solve_panels(p, objective, time_limit, start)
    issues = reviewer_set_checks(p)
    if issues:
        raise AssignmentInfeasible(issues)
    if (candidates and p.composition.active and objective in ("total", "fair")
            and candidates < p.shape[1]):
        pruned = prune(p, candidates)
        try:
            if reviewer_set_checks(pruned):
                raise AssignmentInfeasible([])
            result = _solve_reviewer_sets(pruned, objective, max_probability, seed,
                                          time_limit, start, explain=False)
        except (AssignmentInfeasible, TimeoutError):
            pass
        else:
            result.problem = p
            result.report = replace(result.report, candidates=int(candidates))
            return result
    return _solve_reviewer_sets(p, objective, max_probability, seed, time_limit, start)


#: Extra candidates per application from each group a composition rule counts.
GROUP_CANDIDATES = 8


def prune(p: NormalisedProblem, candidates: int) -> NormalisedProblem:
    """The problem restricted to each application's ``candidates`` best evaluators (by
    affinity, conflicts excluded), plus its ``max(k, GROUP_CANDIDATES)`` best market experts
    and women when a share rule counts them, plus forced pairs; for an evaluator with a
    minimum load, their ``3 × load_min`` best applications. Everything else becomes a
    conflict. Shapes are unchanged, so results index the full problem.

    Why: with composition rules the solvers are MIPs over every pair (2,000 × 300 = 600,000
    binaries), which do not finish in minutes; restricted to ~40 per application they solve
    in seconds. Sparsifying to top-affinity candidates is how large conference matchers keep
    such programs tractable (e.g. OpenReview's matcher, ``openreview-matcher``).
    """
    n_a, n_e = p.shape
    allowed = ~p.conflicts
    score = np.where(allowed, p.affinity, -np.inf)
    rows = np.arange(n_a)[:, None]
    keep = np.zeros((n_a, n_e), dtype=bool)
    keep[rows, np.argsort(-score, axis=1, kind="stable")[:, :candidates]] = True
    groups = []
    if p.composition.min_market_share > 0:
        groups.append(p.market_expert)
    if p.composition.min_women_share > 0:
        groups.append(p.woman)
    for group in groups:
        extra = max(int(p.k.max(initial=0)), GROUP_CANDIDATES)
        in_group = np.where(group[None, :], score, -np.inf)
        keep[rows, np.argsort(-in_group, axis=1, kind="stable")[:, :extra]] = True
    for e in np.flatnonzero(p.load_min > 0):
        best = np.argsort(-score[:, e], kind="stable")[: 3 * int(p.load_min[e])]
        keep[best, e] = True
    keep = (keep & allowed) | p.forced
    return replace(p, conflicts=~keep)


def _solve_reviewer_sets(p: NormalisedProblem, objective: str, max_probability, seed,
                         time_limit: float | None, start: float,
                         explain: bool = True) -> AssignmentResult:
    """Solve reviewer-set mode; ``explain=False`` raises an empty diagnosis when infeasible
    (the caller falls back to the full problem, which is diagnosed)."""

    def infeasible() -> AssignmentInfeasible:
        return AssignmentInfeasible(_diagnose_reviewer_sets(p, time_limit) if explain else [])

    if objective == "total":
        if not p.composition.active:
            flow = solve_total_flow(p)
            assignment, value, bound = flow.assignment, flow.objective, flow.bound
            solver, status = "ortools-min-cost-flow", "optimal"
        else:
            res = milp.reviewer_set_total(p, time_limit)
            assignment, value, bound = res.x, res.objective, res.bound
            solver, status = "highs-mip", res.status
        if assignment is None:
            raise infeasible()
        stage = StageReport("total", value, bound, _gap(value, bound), status)
        report = RunReport("reviewer_set", "total", value, bound, stage.gap, solver,
                           time.perf_counter() - start, (stage,), status=status)
        return AssignmentResult(p, assignment, report)

    if objective == "fair":
        # The total optimum (one fast flow when there are no composition rules) is a good start.
        hint = solve_total_flow(p).assignment if not p.composition.active else None
        first, second = reviewer_set_fair_cpsat(p, time_limit, hint)
        if first.x is None:
            if first.status == "time_limit":
                raise TimeoutError("fair mode found no assignment within the time limit")
            raise infeasible()
        return _fair_result(p, "reviewer_set", first, second, start, "ortools-cp-sat")

    return _solve_randomised(p, max_probability, seed, time_limit, start)


def _fair_result(p: NormalisedProblem, mode: str, first: milp.MilpOutcome,
                 second: milp.MilpOutcome, start: float, solver: str = "highs-mip") -> AssignmentResult:
    s1 = StageReport("min_application_score", first.objective, first.bound,
                     _gap(first.objective, first.bound), first.status)
    s2 = StageReport("total", second.objective, second.bound, _gap(second.objective, second.bound),
                     second.status)
    status = "optimal" if s1.status == s2.status == "optimal" else "time_limit"
    report = RunReport(mode, "fair", s1.objective, s1.bound, s1.gap, solver,
                       time.perf_counter() - start, (s1, s2), status=status)
    assert second.x is not None
    return AssignmentResult(p, second.x, report)


def _solve_randomised(p: NormalisedProblem, cap: float | np.ndarray, seed: int | None,
                      time_limit: float | None, start: float) -> AssignmentResult:
    if p.composition.active:
        raise ValueError(
            "randomised mode does not support composition rules: dependent rounding keeps "
            "per-application counts and loads but not crossing shares or affiliations"
        )
    model, out = milp.reviewer_set_lp(p, cap)
    if out.x is None:
        raise AssignmentInfeasible(_diagnose_randomised(p, cap, time_limit))
    if seed is None:
        seed = secrets.randbits(63)
    rng = np.random.default_rng(seed)
    n_a = p.shape[0]
    drawn = dependent_round(model.a_idx, model.e_idx, out.x, n_a, rng)
    assignment = np.zeros(p.shape, dtype=bool)
    assignment[model.a_idx[drawn], model.e_idx[drawn]] = True
    marginals = np.zeros(p.shape)
    marginals[model.a_idx, model.e_idx] = np.clip(out.x, 0.0, 1.0)
    stage = StageReport("expected_total", out.objective, out.bound, 0.0, out.status)
    report = RunReport("reviewer_set", "randomised", out.objective, out.bound, 0.0, "highs-lp+dependent-rounding",
                       time.perf_counter() - start, (stage,), seed=int(seed), expected_affinity=out.objective)
    return AssignmentResult(p, assignment, report, marginals=marginals)


def _solve_panels(p: NormalisedProblem, objective: str, time_limit: float | None,
                  start: float) -> AssignmentResult:
    if objective == "randomised":
        raise ValueError("panel mode supports the total and fair objectives")
    elig, sizes = milp.panel_eligibility(p)
    issues = panel_checks(p, elig, sizes)
    if issues:
        raise AssignmentInfeasible(issues)
    if objective == "total":
        out = milp.panel_total(p, time_limit)
        if out.x is None:
            raise AssignmentInfeasible(_diagnose_panels(p, time_limit))
        stage = StageReport("total", out.objective, out.bound, _gap(out.objective, out.bound), out.status)
        report = RunReport("panel", "total", out.objective, out.bound, stage.gap, "highs-mip",
                           time.perf_counter() - start, (stage,), status=out.status)
        result = AssignmentResult(p, out.x, report)
    else:
        first, second = milp.panel_fair(p, time_limit)
        if first.x is None:
            raise AssignmentInfeasible(_diagnose_panels(p, time_limit))
        result = _fair_result(p, "panel", first, second, start)
    result.panel_of_evaluator = _panel_of_evaluator(p, result.assignment)
    return result


def _panel_of_evaluator(p: NormalisedProblem, assignment: np.ndarray) -> list[str | None]:
    assert p.panel_index is not None
    out: list[str | None] = []
    for e in range(p.shape[1]):
        apps = np.flatnonzero(assignment[:, e])
        out.append(p.panel_labels[int(p.panel_index[apps[0]])] if len(apps) else None)
    return out


# --- diagnosis ---------------------------------------------------------------------------------


def diagnose(problem: AssignmentProblem, time_limit: float | None = 60.0) -> list[Diagnosis]:
    """Reasons why no assignment exists (empty list when one does). Mode follows ``problem.panels``."""
    p = problem.normalise()
    if p.panel_index is not None:
        elig, sizes = milp.panel_eligibility(p)
        return panel_checks(p, elig, sizes) or _diagnose_panels(p, time_limit)
    return reviewer_set_checks(p) or _diagnose_reviewer_sets(p, time_limit)


def _families(p: NormalisedProblem, panel: bool) -> list[str]:
    comp = p.composition
    fams = []
    if np.any(p.load_min > 0):
        fams.append("load_min")
    if np.any(p.load_max < p.shape[0]):
        fams.append("load_max")
    if comp.min_market_share > 0:
        fams.append("market_share")
    if comp.min_women_share > 0:
        fams.append("women_share")
    if comp.one_per_affiliation:
        fams.append("one_per_affiliation")
    if np.any(p.forced):
        fams.append("forced")
    if panel and p.panel_max_size is not None:
        fams.append("panel_max_size")
    return fams


def _diagnose_reviewer_sets(p: NormalisedProblem, time_limit: float | None) -> list[Diagnosis]:
    hall = reviewer_set_hall_checks(p)
    if hall:
        return hall
    if milp.reviewer_set_feasible(p, frozenset(), time_limit):
        return []

    def feasible_without(dropped: set[str]) -> bool:
        return milp.reviewer_set_feasible(p, frozenset(dropped), time_limit)

    found = deletion_filter(_families(p, panel=False), feasible_without)
    return [found or Diagnosis("infeasible_combination", {"rules": ["per_application", *_families(p, False)]})]


def _diagnose_randomised(p: NormalisedProblem, cap: float | np.ndarray, time_limit: float | None) -> list[Diagnosis]:
    integral = _diagnose_reviewer_sets(p, time_limit)
    if integral:
        return integral
    capm = np.broadcast_to(np.asarray(cap, dtype=float), p.shape)
    free = p.eligible & ~p.forced
    expected = p.forced.sum(axis=1) + np.where(free, np.clip(capm, 0, 1), 0).sum(axis=1)
    out = []
    for a in np.flatnonzero(expected < p.k - 1e-9):
        out.append(Diagnosis("probability_cap_too_low", {
            "application": p.application_ids[a], "required": int(p.k[a]),
            "available": int(free[a].sum()), "q": float(np.max(capm[a])),
            "expected": round(float(expected[a]), 6)}))
    return out or [Diagnosis("infeasible_combination", {"rules": ["probability_cap", *_families(p, False)]})]


def _diagnose_panels(p: NormalisedProblem, time_limit: float | None) -> list[Diagnosis]:
    if milp.panel_feasible(p, frozenset(), time_limit):
        return []

    def feasible_without(dropped: set[str]) -> bool:
        return milp.panel_feasible(p, frozenset(dropped), time_limit)

    found = deletion_filter(_families(p, panel=True), feasible_without)
    return [found or Diagnosis("infeasible_combination", {"rules": ["panel_min_size", *_families(p, True)]})]
