"""Panel mode: evaluators seated on panels, each panel evaluates all of its applications."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.assignment import AssignmentProblem, CompositionRules, solve

from .bruteforce import best_panel_fair, best_panel_total


def panel_problem(seed: int = 0, n_e: int = 7, **kwargs) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    base = {
        "affinity": rng.random((4, n_e)).round(3),
        "panels": ["ai", "ai", "bio", "bio"],
        "panel_min_size": 2,
        "panel_max_size": 3,
    }
    base.update(kwargs)
    return AssignmentProblem(**base)


def test_panel_total_equals_exhaustive_search():
    problem = panel_problem(seed=1)
    result = solve(problem, "total")
    assert result.total_affinity == pytest.approx(best_panel_total(problem), abs=1e-9)
    assert result.report.mode == "panel"


def test_whole_panel_evaluates_every_application_of_its_panel_and_one_panel_each():
    problem = panel_problem(seed=2)
    result = solve(problem, "total")
    x = result.assignment
    assert np.array_equal(x[0], x[1]) and np.array_equal(x[2], x[3])
    assert not np.any(x[0] & x[2])  # nobody sits on both panels
    sizes = [int(x[0].sum()), int(x[2].sum())]
    assert all(2 <= s <= 3 for s in sizes)
    seated = [g for g in result.panel_of_evaluator if g is not None]
    assert sorted(seated) == sorted(["ai"] * sizes[0] + ["bio"] * sizes[1])


def test_panel_conflict_with_one_application_keeps_evaluator_off_the_whole_panel():
    conflicts = np.zeros((4, 7), bool)
    conflicts[1, 0] = True  # evaluator 0 conflicts with application 1 of panel "ai"
    affinity = np.zeros((4, 7))
    affinity[:2, 0] = 1.0  # ... though evaluator 0 is the best match for panel "ai"
    problem = panel_problem(conflicts=conflicts, affinity=affinity)
    result = solve(problem, "total")
    assert result.panel_of_evaluator[0] != "ai"
    assert not result.assignment[:, 0][:2].any()


def test_panel_composition_with_brute_force():
    problem = panel_problem(
        seed=3,
        market_expert=np.array([1, 1, 0, 0, 1, 0, 0], bool),
        woman=np.array([0, 1, 1, 0, 0, 0, 1], bool),
        affiliation=["x", "y", "x", None, "z", "y", None],
        composition=CompositionRules(min_market_share=0.5, min_women_share=0.3, one_per_affiliation=True),
        load_max=np.array([2, 2, 2, 2, 2, 2, 1]),
    )
    result = solve(problem, "total")
    assert result.total_affinity == pytest.approx(best_panel_total(problem), abs=1e-9)
    x = result.assignment
    for row in (0, 2):
        members = np.flatnonzero(x[row])
        assert problem.market_expert[members].sum() * 2 >= len(members)
        assert problem.woman[members].sum() >= 0.3 * len(members)
        labels = [problem.affiliation[m] for m in members if problem.affiliation[m] is not None]
        assert len(labels) == len(set(labels))


def test_panel_fair_is_lexicographic_optimum():
    problem = panel_problem(seed=4)
    result = solve(problem, "fair")
    best_min, best_sum = best_panel_fair(problem)
    assert result.min_application_score == pytest.approx(best_min, abs=1e-6)
    assert result.total_affinity == pytest.approx(best_sum, abs=1e-6)


def test_forced_pair_seats_the_evaluator_on_that_panel():
    forced = np.zeros((4, 7), bool)
    forced[3, 6] = True
    affinity = np.ones((4, 7))
    affinity[:, 6] = 0.0
    result = solve(panel_problem(forced=forced, affinity=affinity), "total")
    assert result.panel_of_evaluator[6] == "bio"


def test_default_panels_need_five_evaluators():
    problem = AssignmentProblem(affinity=np.ones((2, 10)), panels=["p", "q"])
    result = solve(problem, "total")
    assert [int(result.assignment[0].sum()), int(result.assignment[1].sum())] == [5, 5]
