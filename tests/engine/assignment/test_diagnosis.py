"""Diagnosis: an impossible run names the binding rule and who it hits, never a bare "infeasible"."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.assignment import (
    AssignmentInfeasible,
    AssignmentProblem,
    CompositionRules,
    Diagnosis,
    diagnose,
    solve,
)


def codes(exc: pytest.ExceptionInfo[AssignmentInfeasible]) -> list[str]:
    return [d.code for d in exc.value.diagnoses]


def test_market_expert_shortage_names_the_application_and_the_counts():
    n_e = 6
    market = np.array([1, 1, 1, 0, 0, 0], bool)
    conflicts = np.zeros((20, n_e), bool)
    conflicts[17, 0] = True  # application 17 loses one of its three market experts
    problem = AssignmentProblem(
        affinity=np.ones((20, n_e)), per_application=5, market_expert=market, conflicts=conflicts,
        composition=CompositionRules(min_market_share=0.6), application_ids=[str(i) for i in range(20)],
    )
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert exc.value.diagnoses == [Diagnosis("too_few_market_experts",
                                             {"application": "17", "available": 2, "required": 3})]
    assert str(exc.value) == "application 17 has only 2 non-conflicted market experts; 3 are required"


def test_too_few_evaluators_after_conflicts():
    conflicts = np.array([[True, True, False], [False, False, False]])
    problem = AssignmentProblem(affinity=np.ones((2, 3)), per_application=2, conflicts=conflicts,
                                application_ids=["a", "b"])
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert exc.value.diagnoses[0].params == {"application": "a", "available": 1, "required": 2}


def test_total_capacity_and_minimum_loads():
    short = AssignmentProblem(affinity=np.ones((4, 3)), per_application=2, load_max=2)
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(short)
    assert codes(exc) == ["total_capacity_short"]
    assert exc.value.diagnoses[0].params == {"required": 8, "available": 6}
    excess = AssignmentProblem(affinity=np.ones((2, 3)), per_application=1, load_min=1)
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(excess)
    assert codes(exc) == ["total_minimum_excess"]


def test_group_shortage_found_by_minimum_cut():
    # Applications 0-2 can only use evaluators 0 and 1 (load 2 each): 6 needed, 4 available,
    # although every single application still has 2 candidates and total capacity is ample.
    conflicts = np.zeros((4, 5), bool)
    conflicts[:3, 2:] = True
    problem = AssignmentProblem(affinity=np.ones((4, 5)), per_application=2, load_max=2,
                                conflicts=conflicts)
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert exc.value.diagnoses == [Diagnosis("group_capacity_short", {
        "applications": ["0", "1", "2"], "required": 6, "available": 4})]


def test_forced_contradictions():
    forced = np.array([[True, True, True]])
    conflicts = np.array([[True, False, False]])
    problem = AssignmentProblem(affinity=np.ones((1, 3)), per_application=2, forced=forced,
                                conflicts=conflicts)
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert codes(exc) == ["forced_conflict", "forced_exceeds_demand"]


def test_affiliation_shortage():
    problem = AssignmentProblem(affinity=np.ones((1, 3)), per_application=2,
                                affiliation=["KAIST", "KAIST", "KAIST"],
                                composition=CompositionRules(one_per_affiliation=True))
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert exc.value.diagnoses[0].message == (
        "application 0 has non-conflicted evaluators from only 1 distinct affiliations; "
        "2 are required (one per affiliation)")


def test_group_market_shortage_across_applications():
    # Each application alone has enough market experts (1 needed) and evaluators, but the only
    # two market experts may take one application each: three applications need three.
    market = np.array([1, 1, 0, 0, 0, 0], bool)
    problem = AssignmentProblem(
        affinity=np.ones((3, 6)), per_application=2, load_max=np.array([1, 1, 3, 3, 3, 3]),
        market_expert=market, composition=CompositionRules(min_market_share=0.5),
    )
    found = diagnose(problem)
    assert found[0].code == "group_market_short"
    assert found[0].params == {"applications": ["0", "1", "2"], "required": 3, "available": 2}


def test_deletion_filter_names_the_clashing_families():
    # women share and one-per-affiliation clash: both women share affiliation W.
    woman = np.array([1, 1, 0, 0], bool)
    problem = AssignmentProblem(
        affinity=np.ones((1, 4)), per_application=3, woman=woman, affiliation=["W", "W", "A", "B"],
        composition=CompositionRules(min_women_share=0.5, one_per_affiliation=True),
    )
    found = diagnose(problem)
    assert found == [Diagnosis("infeasible_combination", {"rules": ["women_share", "one_per_affiliation"]})]
    assert found[0].message == ("no assignment satisfies these rules together: women share, one "
                                "evaluator per affiliation; dropping any one of them makes one possible")


def test_feasible_problem_has_no_diagnosis():
    assert diagnose(AssignmentProblem(affinity=np.ones((2, 2)), per_application=1)) == []


def test_panel_shortages():
    conflicts = np.zeros((2, 8), bool)
    conflicts[1, :4] = True
    problem = AssignmentProblem(affinity=np.ones((2, 8)), panels=["A", "B"], conflicts=conflicts,
                                application_ids=["x", "y"])
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    # panel B has 4 conflict-free evaluators; both panels need 10 seats from 8 people
    assert exc.value.diagnoses == [Diagnosis("panel_too_few_evaluators", {
        "panel": "B", "available": 4, "required": 5, "load": 1})]
    problem = AssignmentProblem(affinity=np.ones((2, 8)), panels=["A", "B"])
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert exc.value.diagnoses == [Diagnosis("panels_share_too_few_evaluators", {
        "panels": ["A", "B"], "required": 10, "available": 8})]


def test_panel_market_share_shortage():
    problem = AssignmentProblem(affinity=np.ones((1, 6)), panels=["A"],
                                market_expert=np.array([1, 1, 0, 0, 0, 0], bool),
                                composition=CompositionRules(min_market_share=0.5))
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert str(exc.value) == "panel A has only 2 eligible market experts; at least 3 are required"


def test_randomised_cap_too_low():
    problem = AssignmentProblem(affinity=np.ones((1, 3)), per_application=2)
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem, "randomised", max_probability=0.5, seed=1)
    assert codes(exc) == ["probability_cap_too_low"]
    assert exc.value.diagnoses[0].params["expected"] == 1.5
