"""Property-based checks on random tiny instances against exhaustive search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.engine.assignment import (
    AssignmentInfeasible,
    AssignmentProblem,
    CompositionRules,
    solve,
)

from .bruteforce import best_fair, best_panel_total, best_randomised, best_total, satisfies

settings.register_profile("assignment", derandomize=True, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("assignment")


@st.composite
def instances(draw: st.DrawFn, composition: bool = True) -> AssignmentProblem:
    n_a = draw(st.integers(1, 3))
    n_e = draw(st.integers(2, 5))
    k = draw(st.integers(1, min(2, n_e)))
    aff = np.array(draw(st.lists(st.integers(-3, 9), min_size=n_a * n_e, max_size=n_a * n_e)),
                   dtype=float).reshape(n_a, n_e) / 10
    conflicts = np.array(draw(st.lists(st.booleans(), min_size=n_a * n_e, max_size=n_a * n_e))
                         ).reshape(n_a, n_e) & (np.arange(n_a * n_e).reshape(n_a, n_e) % 3 == 0)
    load_max = np.array(draw(st.lists(st.integers(1, 3), min_size=n_e, max_size=n_e)))
    load_min = np.minimum(np.array(draw(st.lists(st.integers(0, 1), min_size=n_e, max_size=n_e))), load_max)
    forced = np.zeros((n_a, n_e), bool)
    if draw(st.booleans()):
        forced[draw(st.integers(0, n_a - 1)), draw(st.integers(0, n_e - 1))] = True
    kwargs: dict[str, object] = {}
    if composition and draw(st.booleans()):
        kwargs = {
            "market_expert": np.array(draw(st.lists(st.booleans(), min_size=n_e, max_size=n_e))),
            "woman": np.array(draw(st.lists(st.booleans(), min_size=n_e, max_size=n_e))),
            "affiliation": draw(st.lists(st.sampled_from(["A", "B", None]), min_size=n_e, max_size=n_e)),
            "composition": CompositionRules(
                min_market_share=draw(st.sampled_from([0.0, 0.5])),
                min_women_share=draw(st.sampled_from([0.0, 0.5])),
                one_per_affiliation=draw(st.booleans())),
        }
    return AssignmentProblem(affinity=aff, per_application=k, load_min=load_min, load_max=load_max,
                             conflicts=conflicts, forced=forced, **kwargs)


def _check_infeasible(problem: AssignmentProblem, objective: str) -> None:
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem, objective)  # type: ignore[arg-type]
    assert exc.value.diagnoses
    assert all(d.message for d in exc.value.diagnoses)


@given(instances())
def test_total_matches_exhaustive_search_or_is_diagnosed(problem: AssignmentProblem):
    best = best_total(problem)
    if best is None:
        _check_infeasible(problem, "total")
        return
    result = solve(problem, "total")
    assert satisfies(problem.normalise(), result.assignment)
    assert result.total_affinity == pytest.approx(best, abs=1e-9)


@given(instances())
def test_fair_matches_exhaustive_search_or_is_diagnosed(problem: AssignmentProblem):
    best = best_fair(problem)
    if best is None:
        _check_infeasible(problem, "fair")
        return
    result = solve(problem, "fair")
    assert satisfies(problem.normalise(), result.assignment)
    assert (result.min_application_score, result.total_affinity) == (
        pytest.approx(best[0], abs=1e-6), pytest.approx(best[1], abs=1e-6))


@given(instances(composition=False), st.sampled_from([0.5, 0.75, 1.0]), st.integers(0, 2**32))
@settings(max_examples=25)
def test_randomised_matches_best_distribution_and_draws_a_valid_assignment(
    problem: AssignmentProblem, q: float, seed: int
):
    best = best_randomised(problem, q)
    if best is None:
        with pytest.raises(AssignmentInfeasible):
            solve(problem, "randomised", max_probability=q, seed=seed)
        return
    result = solve(problem, "randomised", max_probability=q, seed=seed)
    assert result.report.expected_affinity == pytest.approx(best, abs=1e-6)
    assert satisfies(problem.normalise(), result.assignment)
    again = solve(problem, "randomised", max_probability=q, seed=seed)
    assert np.array_equal(again.assignment, result.assignment)


@st.composite
def panel_instances(draw: st.DrawFn) -> AssignmentProblem:
    n_e = draw(st.integers(3, 6))
    panels = draw(st.lists(st.sampled_from(["P", "Q"]), min_size=2, max_size=3))
    n_a = len(panels)
    aff = np.array(draw(st.lists(st.integers(-2, 9), min_size=n_a * n_e, max_size=n_a * n_e)),
                   dtype=float).reshape(n_a, n_e) / 10
    conflicts = np.zeros((n_a, n_e), bool)
    if draw(st.booleans()):
        conflicts[draw(st.integers(0, n_a - 1)), draw(st.integers(0, n_e - 1))] = True
    return AssignmentProblem(
        affinity=aff, panels=panels, conflicts=conflicts,
        panel_min_size=draw(st.integers(1, 2)), panel_max_size=draw(st.sampled_from([None, 2, 3])),
        load_max=np.array(draw(st.lists(st.integers(1, 3), min_size=n_e, max_size=n_e))),
        market_expert=np.array(draw(st.lists(st.booleans(), min_size=n_e, max_size=n_e))),
        composition=CompositionRules(min_market_share=draw(st.sampled_from([0.0, 0.5]))),
    )


@given(panel_instances())
@settings(max_examples=30)
def test_panel_total_matches_exhaustive_search_or_is_diagnosed(problem: AssignmentProblem):
    best = best_panel_total(problem)
    if best is None:
        _check_infeasible(problem, "total")
        return
    assert solve(problem, "total").total_affinity == pytest.approx(best, abs=1e-9)
