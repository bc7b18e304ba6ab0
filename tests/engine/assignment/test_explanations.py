"""Explanations: per pair affinity and ranks, per run objective, bound and gap."""

from __future__ import annotations

import json

import numpy as np

from kbridge.engine.assignment import AssignmentProblem, solve


def test_pair_explanation_ranks_count_only_non_conflicted_candidates():
    affinity = np.array([
        [0.9, 0.5, 0.7],
        [0.8, 0.6, 0.1],
    ])
    conflicts = np.array([[True, False, False], [False, False, False]])
    problem = AssignmentProblem(affinity=affinity, per_application=1, load_max=1,
                                conflicts=conflicts, application_ids=["a0", "a1"],
                                evaluator_ids=["e0", "e1", "e2"])
    result = solve(problem, "total")
    explained = {(x.application, x.evaluator): x for x in result.explanations()}
    assert set(explained) == {("a0", "e2"), ("a1", "e0")}
    a0 = explained["a0", "e2"]
    # for a0, e0 is conflicted, so e2 (0.7) is the best candidate; for e2, a0 (0.7) beats a1 (0.1)
    assert (a0.affinity, a0.rank_for_application, a0.rank_for_evaluator) == (0.7, 1, 1)
    a1 = explained["a1", "e0"]
    # for e0, a0 is conflicted, so a1 is its only candidate
    assert (a1.rank_for_application, a1.rank_for_evaluator) == (1, 1)


def test_run_report_has_objective_bound_and_zero_gap_when_optimal():
    problem = AssignmentProblem(affinity=np.array([[0.25, 0.5], [0.75, 0.5]]), per_application=1,
                                load_max=1)
    report = solve(problem).report
    assert (report.objective, report.bound, report.gap, report.status) == (1.25, 1.25, 0.0, "optimal")


def test_result_serialises_to_json():
    problem = AssignmentProblem(affinity=np.array([[0.2, 0.4]]), per_application=1)
    data = json.loads(json.dumps(solve(problem).to_dict()))
    assert data["pairs"][0]["evaluator"] == "1"
    assert data["report"]["objective_name"] == "total"
    assert data["application_scores"] == {"0": 0.4}
