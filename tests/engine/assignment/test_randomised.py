"""Randomised mode: pair probabilities capped at q, best expected affinity, reproducible draw."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.assignment import AssignmentProblem, CompositionRules, solve
from kbridge.engine.assignment.rounding import dependent_round

from .bruteforce import best_randomised, best_total, satisfies


def problem(seed: int = 0, **kwargs) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    base = {"affinity": rng.random((3, 5)).round(3), "per_application": 2, "load_max": 2}
    base.update(kwargs)
    return AssignmentProblem(**base)


def test_expected_affinity_equals_best_distribution_over_all_assignments():
    prob = problem(seed=1)
    result = solve(prob, "randomised", max_probability=0.5, seed=7)
    assert result.report.expected_affinity == pytest.approx(best_randomised(prob, 0.5), abs=1e-7)
    assert float(result.marginals.max()) <= 0.5 + 1e-9


def test_cap_of_one_is_the_deterministic_optimum():
    prob = problem(seed=2)
    result = solve(prob, "randomised", max_probability=1.0, seed=1)
    assert result.report.expected_affinity == pytest.approx(best_total(prob), abs=1e-7)


def test_draw_keeps_every_rule_and_the_forced_pairs():
    forced = np.zeros((3, 5), bool)
    forced[0, 0] = True
    conflicts = np.zeros((3, 5), bool)
    conflicts[1, 1] = True
    prob = problem(seed=3, forced=forced, conflicts=conflicts, load_min=1)
    for seed in range(20):
        result = solve(prob, "randomised", max_probability=0.6, seed=seed)
        assert satisfies(prob.normalise(), result.assignment)
        assert result.marginals[0, 0] == 1.0


def test_same_seed_same_draw_and_the_seed_is_recorded():
    prob = problem(seed=4)
    first = solve(prob, "randomised", max_probability=0.5, seed=2024)
    second = solve(prob, "randomised", max_probability=0.5, seed=2024)
    assert first.report.seed == 2024
    assert np.array_equal(first.assignment, second.assignment)
    unseeded = solve(prob, "randomised", max_probability=0.5)
    replay = solve(prob, "randomised", max_probability=0.5, seed=unseeded.report.seed)
    assert np.array_equal(unseeded.assignment, replay.assignment)


def test_dependent_rounding_preserves_marginals_and_degrees():
    # Application 0 needs 2 evaluators, application 1 needs 1; every evaluator expects load 1.
    a_idx = np.array([0, 0, 0, 1, 1, 1])
    e_idx = np.array([0, 1, 2, 0, 1, 2])
    x = np.array([0.5, 0.75, 0.75, 0.5, 0.25, 0.25])  # row sums 2 and 1, column sums 1
    draws = np.array([dependent_round(a_idx, e_idx, x, 2, np.random.default_rng(s)) for s in range(4000)])
    assert np.abs(draws.mean(axis=0) - x).max() < 0.03
    rows0 = draws[:, :3].sum(axis=1)
    rows1 = draws[:, 3:].sum(axis=1)
    assert set(rows0.tolist()) == {2}
    assert set(rows1.tolist()) == {1}
    loads = draws[:, :3] + draws[:, 3:]
    assert loads.max() <= 1  # expected loads 1.0, 1.0, 1.0 stay exactly 1
    assert loads.min() >= 1


def test_composition_rules_are_refused_in_randomised_mode():
    prob = problem(market_expert=np.ones(5, bool), composition=CompositionRules(min_market_share=0.5))
    with pytest.raises(ValueError, match="composition"):
        solve(prob, "randomised")
