"""Solving among each application's best candidates (``solve(candidates=N)``).

With composition rules the solvers are MIPs over every pair; at 2,000 × 300 they did not
finish in 40 minutes (docs/benchmarks.md). Restricted to each application's best candidates
they solve in seconds. These tests pin what the restriction may and may not do: every rule
still holds, the result is the full problem's optimum when the candidates include it, and a
restriction that leaves no assignment falls back to the full problem instead of reporting a
stage infeasible.
"""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.assignment import AssignmentProblem, CompositionRules, solve
from kbridge.engine.assignment.solve import prune
from tests.engine.assignment.bruteforce import satisfies


def _problem(seed: int, n_a: int = 24, n_e: int = 14) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    return AssignmentProblem(
        affinity=rng.random((n_a, n_e)).round(3), per_application=3, load_max=8,
        conflicts=rng.random((n_a, n_e)) < 0.05,
        market_expert=np.arange(n_e) % 2 == 0, woman=np.arange(n_e) % 4 == 1,
        affiliation=[f"org{j // 2}" for j in range(n_e)],
        composition=CompositionRules(min_market_share=0.5, min_women_share=0.1,
                                     one_per_affiliation=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_restricted_run_keeps_every_rule_and_says_it_was_restricted(seed):
    problem = _problem(seed)
    result = solve(problem, "total", candidates=6)
    assert satisfies(problem.normalise(), result.assignment)
    assert result.report.candidates == 6
    assert result.report.to_dict()["candidates"] == 6
    # Explanations rank each pair among the full problem's options, not the restricted ones.
    assert len(result.explanations()) == int(result.assignment.sum())


def test_with_enough_candidates_the_optimum_is_the_full_problems():
    problem = _problem(7)
    full = solve(problem, "total")
    restricted = solve(problem, "total", candidates=10)
    assert restricted.report.objective == pytest.approx(full.report.objective, abs=1e-6)


def test_candidates_at_least_the_pool_change_nothing():
    problem = _problem(4)
    result = solve(problem, "total", candidates=14)
    assert result.report.candidates is None


def test_a_restriction_without_an_assignment_falls_back_to_the_full_problem():
    """The three best evaluators all work for the same company; one per affiliation then
    needs the two weaker ones, which the restriction to 3 candidates left out."""
    problem = AssignmentProblem(
        affinity=np.array([[0.9, 0.8, 0.7, 0.6, 0.2, 0.1]]), per_application=3,
        affiliation=["A", "A", "A", "A", "B", "C"],
        composition=CompositionRules(one_per_affiliation=True))
    assert prune(problem.normalise(), 3).conflicts[0].tolist() == [False] * 3 + [True] * 3
    result = solve(problem, "total", candidates=3)
    assert result.report.candidates is None  # solved on the full problem
    assert sorted(e for _a, e in result.pairs) == ["0", "4", "5"]


def test_pruning_keeps_group_members_forced_pairs_and_never_a_conflict():
    problem = _problem(5, n_a=6, n_e=14).normalise()
    problem.forced[0, 13] = True
    problem.conflicts[0, 13] = False
    pruned = prune(problem, 2)
    allowed = ~pruned.conflicts
    assert not np.any(allowed & problem.conflicts)
    assert allowed[0, 13]
    for row in allowed:  # best 2 + at least 3 market experts and 3 women per application
        assert row[problem.market_expert].sum() >= 3
        assert row[problem.woman].sum() >= min(3, problem.woman.sum())
