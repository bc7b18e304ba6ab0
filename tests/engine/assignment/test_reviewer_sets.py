"""Reviewer-set mode: every application gets exactly k evaluators, optimally, within the rules."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.assignment import AssignmentProblem, CompositionRules, solve

from .bruteforce import best_fair, best_total, satisfies


def small(seed: int = 0, n_a: int = 4, n_e: int = 5, **kwargs) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    defaults = {"affinity": rng.random((n_a, n_e)).round(3), "per_application": 2, "load_max": 2}
    defaults.update(kwargs)
    return AssignmentProblem(**defaults)


def test_total_mode_equals_exhaustive_search():
    problem = small(seed=1)
    result = solve(problem, "total")
    assert result.total_affinity == pytest.approx(best_total(problem), abs=1e-9)
    assert result.report.solver == "ortools-min-cost-flow"
    assert result.report.gap == 0.0  # three-decimal affinities: the flow is exact


def test_total_mode_keeps_conflicts_forced_pairs_and_load_bounds():
    conflicts = np.zeros((4, 5), dtype=bool)
    conflicts[0, :2] = True  # application 0 may not see evaluators 0 and 1
    forced = np.zeros((4, 5), dtype=bool)
    forced[3, 4] = True
    problem = small(seed=2, conflicts=conflicts, forced=forced, load_min=1,
                    load_max=np.array([2, 2, 1, 2, 3]))
    result = solve(problem, "total")
    assert satisfies(problem.normalise(), result.assignment)
    assert not result.assignment[0, :2].any()
    assert result.assignment[3, 4]
    assert result.total_affinity == pytest.approx(best_total(problem), abs=1e-9)


def test_total_mode_with_composition_uses_the_mip_and_is_optimal():
    problem = small(
        seed=3, n_a=3, n_e=6, per_application=2, load_max=2,
        market_expert=np.array([1, 0, 0, 1, 0, 0], bool), woman=np.array([0, 1, 0, 0, 0, 1], bool),
        affiliation=["A", "A", "B", "B", None, "C"],
        composition=CompositionRules(min_market_share=0.5, min_women_share=0.5, one_per_affiliation=True),
    )
    result = solve(problem, "total")
    assert result.report.solver == "highs-mip"
    assert satisfies(problem.normalise(), result.assignment)
    assert result.total_affinity == pytest.approx(best_total(problem), abs=1e-9)
    market = problem.market_expert
    assert (result.assignment & market[None, :]).sum(axis=1).tolist() == [1, 1, 1]


def test_fair_mode_is_lexicographic_optimum():
    # Total-optimal assignment starves application 2; fair mode lifts it at some cost in total.
    affinity = np.array([
        [0.9, 0.8, 0.1, 0.0],
        [0.9, 0.8, 0.2, 0.1],
        [0.7, 0.6, 0.0, 0.1],
    ])
    problem = AssignmentProblem(affinity=affinity, per_application=2, load_max=2)
    total = solve(problem, "total")
    fair = solve(problem, "fair")
    best_min, best_sum = best_fair(problem)
    assert fair.min_application_score == pytest.approx(best_min, abs=1e-6)
    assert fair.total_affinity == pytest.approx(best_sum, abs=1e-6)
    assert fair.min_application_score > total.min_application_score
    assert fair.report.stages[0].name == "min_application_score"
    assert [s.status for s in fair.report.stages] == ["optimal", "optimal"]


def test_fair_mode_respects_composition():
    problem = small(
        seed=5, n_a=3, n_e=6, per_application=2, load_max=2,
        market_expert=np.array([1, 1, 0, 0, 0, 1], bool),
        composition=CompositionRules(min_market_share=0.5),
    )
    fair = solve(problem, "fair")
    best_min, best_sum = best_fair(problem)
    assert satisfies(problem.normalise(), fair.assignment)
    assert fair.min_application_score == pytest.approx(best_min, abs=1e-6)
    assert fair.total_affinity == pytest.approx(best_sum, abs=1e-6)


def test_per_application_k_and_per_evaluator_overrides():
    problem = small(seed=6, n_a=3, n_e=5, per_application=np.array([1, 2, 3]),
                    load_min=np.array([0, 0, 1, 1, 0]), load_max=np.array([1, 3, 2, 2, 1]))
    result = solve(problem, "total")
    assert result.assignment.sum(axis=1).tolist() == [1, 2, 3]
    assert satisfies(problem.normalise(), result.assignment)
    assert result.total_affinity == pytest.approx(best_total(problem), abs=1e-9)


def test_negative_affinities_are_still_assigned_when_k_demands_it():
    problem = AssignmentProblem(affinity=-np.ones((2, 3)), per_application=2, load_max=2)
    result = solve(problem, "total")
    assert result.total_affinity == -4.0


def test_result_pairs_use_the_given_ids():
    problem = AssignmentProblem(affinity=np.array([[0.1, 0.9]]), per_application=1,
                                application_ids=["app-17"], evaluator_ids=["kim", "lee"])
    assert solve(problem).pairs == [("app-17", "lee")]


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="finite"):
        AssignmentProblem(affinity=np.array([[np.nan]])).normalise()
    with pytest.raises(ValueError, match="market_expert"):
        AssignmentProblem(affinity=np.zeros((1, 1)),
                          composition=CompositionRules(min_market_share=0.5)).normalise()
    with pytest.raises(ValueError, match="objective"):
        solve(AssignmentProblem(affinity=np.zeros((1, 1)), per_application=1), "best")  # type: ignore[arg-type]
