"""Why no assignment exists: structured findings that name the binding rule and who it hits.

A bare "infeasible" leaves a programme manager guessing which of a dozen rules to relax. Every
finding here is a ``Diagnosis(code, params)``: the code is stable and the params are plain data so
the web layer can translate the sentence later; ``message`` gives the English rendering.

The checks run from cheap and local (one application, one evaluator) to global (Hall-type
max-flow cuts over groups of applications or panels). If none of them explains the failure, a
deletion filter over rule families (min loads, max loads, shares, affiliation, forced pairs)
re-solves the model with families removed and reports the smallest combination that clashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from .problem import NormalisedProblem, required_count

MESSAGES_EN: dict[str, str] = {
    "forced_conflict": "evaluator {evaluator} is both forced onto and in conflict with application {application}",
    "forced_exceeds_demand": "application {application} has {forced} forced evaluators but needs only {required}",
    "forced_exceeds_max_load": "evaluator {evaluator} is forced onto {forced} applications but may take at most {maximum}",
    "forced_same_affiliation": "application {application} has {forced} forced evaluators from affiliation {affiliation}; at most one is allowed",
    "too_few_eligible_evaluators": "application {application} has only {available} non-conflicted evaluators with capacity; {required} are required",
    "too_few_market_experts": "application {application} has only {available} non-conflicted market experts; {required} are required",
    "too_few_women": "application {application} has only {available} non-conflicted women evaluators; {required} are required",
    "too_few_affiliations": "application {application} has non-conflicted evaluators from only {available} distinct affiliations; {required} are required (one per affiliation)",
    "min_load_unreachable": "evaluator {evaluator} must take at least {required} applications but only {available} are open to them",
    "total_capacity_short": "the applications need {required} evaluations in total but evaluators can take at most {available}",
    "total_minimum_excess": "evaluators' minimum loads add up to {required} but the applications need only {available} evaluations",
    "group_capacity_short": "applications {applications} need {required} evaluations but their non-conflicted evaluators can give only {available}",
    "group_minimum_short": "evaluators {evaluators} must take {required} evaluations in total but their open applications can absorb only {available}",
    "group_market_short": "applications {applications} need {required} market-expert evaluations but their non-conflicted market experts can give only {available}",
    "group_women_short": "applications {applications} need {required} evaluations by women but their non-conflicted women evaluators can give only {available}",
    "probability_cap_too_low": "application {application} needs {required} evaluators but {available} candidates capped at probability {q} give only {expected} in expectation",
    "panel_too_few_evaluators": "panel {panel} has only {available} evaluators free of conflicts with all its applications and able to take {load} applications; {required} are required",
    "panel_too_few_market_experts": "panel {panel} has only {available} eligible market experts; at least {required} are required",
    "panel_too_few_women": "panel {panel} has only {available} eligible women evaluators; at least {required} are required",
    "panel_too_few_affiliations": "panel {panel} has eligible evaluators from only {available} distinct affiliations; {required} seats need one affiliation each",
    "panels_share_too_few_evaluators": "panels {panels} need {required} seats together but only {available} distinct evaluators can sit on them (each evaluator joins at most one panel)",
    "forced_into_two_panels": "evaluator {evaluator} is forced onto applications of panels {panels}; an evaluator joins at most one panel",
    "forced_panel_conflict": "evaluator {evaluator} is forced onto panel {panel} but conflicts with application {application} of that panel",
    "forced_panel_overload": "evaluator {evaluator} is forced onto panel {panel} of {load} applications but may take at most {maximum}",
    "panel_minimum_unreachable": "evaluator {evaluator} must take at least {required} applications but no eligible panel has that many",
    "infeasible_combination": "no assignment satisfies these rules together: {rules}; dropping any one of them makes one possible",
}

RULE_NAMES_EN: dict[str, str] = {
    "load_min": "minimum loads",
    "load_max": "maximum loads",
    "market_share": "market-expert share",
    "women_share": "women share",
    "one_per_affiliation": "one evaluator per affiliation",
    "forced": "forced pairs",
    "panel_max_size": "maximum panel size",
    "per_application": "evaluators per application",
    "panel_min_size": "minimum panel size",
    "probability_cap": "probability cap",
}


@dataclass(frozen=True)
class Diagnosis:
    """One reason why no assignment exists. ``code`` keys a message template; ``params`` fill it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """English rendering; lists are joined and rule names spelled out."""
        params = dict(self.params)
        for key, value in params.items():
            if key == "rules":
                params[key] = ", ".join(RULE_NAMES_EN.get(v, v) for v in value)
            elif isinstance(value, list | tuple):
                shown = [str(v) for v in value[:10]]
                if len(value) > 10:
                    shown.append(f"and {len(value) - 10} more")
                params[key] = ", ".join(shown)
        return MESSAGES_EN[self.code].format(**params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "message": self.message}


class AssignmentInfeasible(Exception):  # noqa: N818 - reads better at call sites than ...Error
    """Raised when no assignment satisfies the rules; carries at least one ``Diagnosis``."""

    def __init__(self, diagnoses: list[Diagnosis]):
        self.diagnoses = diagnoses
        super().__init__("; ".join(d.message for d in diagnoses))


def _max_flow_cut(
    n_left: int,
    n_right: int,
    left_cap: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    right_cap: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray]:
    """Max flow source→left(cap)→right(1 per edge)→sink(cap).

    Returns the flow value and the left/right nodes on the source side of a minimum cut; the
    right nodes NOT on the source side form the Hall-violating group when the flow is short.
    """
    src, sink = 0, 1 + n_left + n_right
    left_nodes = 1 + np.arange(n_left)
    right_nodes = 1 + n_left + np.arange(n_right)
    li, ri = edges
    tails = np.concatenate([np.zeros(n_left, np.int64), left_nodes[li], right_nodes])
    heads = np.concatenate([left_nodes, right_nodes[ri], np.full(n_right, sink)])
    caps = np.concatenate([left_cap, np.ones(len(li), np.int64), right_cap]).astype(np.int64)
    mf = max_flow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(tails, heads, caps)
    mf.solve(src, sink)
    source_side = np.zeros(sink + 1, dtype=bool)
    source_side[np.asarray(mf.get_source_side_min_cut(), dtype=np.int64)] = True
    return int(mf.optimal_flow()), source_side[left_nodes], source_side[right_nodes]


def _ids(labels: list[str], mask: np.ndarray) -> list[str]:
    return [labels[i] for i in np.flatnonzero(mask)]


def forced_checks(p: NormalisedProblem) -> list[Diagnosis]:
    """Contradictions among forced pairs, conflicts and loads (both modes)."""
    out: list[Diagnosis] = []
    for a, e in zip(*np.nonzero(p.forced & p.conflicts), strict=True):
        out.append(Diagnosis("forced_conflict", {"application": p.application_ids[a],
                                                 "evaluator": p.evaluator_ids[e]}))
    return out


def reviewer_set_checks(p: NormalisedProblem) -> list[Diagnosis]:
    """Cheap local and counting checks for reviewer-set mode; empty list = nothing obvious."""
    out = forced_checks(p)
    n_a, n_e = p.shape
    forced_per_app = p.forced.sum(axis=1)
    forced_per_ev = p.forced.sum(axis=0)
    for a in np.flatnonzero(forced_per_app > p.k):
        out.append(Diagnosis("forced_exceeds_demand", {"application": p.application_ids[a],
                                                       "forced": int(forced_per_app[a]),
                                                       "required": int(p.k[a])}))
    for e in np.flatnonzero(forced_per_ev > p.load_max):
        out.append(Diagnosis("forced_exceeds_max_load", {"evaluator": p.evaluator_ids[e],
                                                         "forced": int(forced_per_ev[e]),
                                                         "maximum": int(p.load_max[e])}))
    comp = p.composition
    if comp.one_per_affiliation:
        for a in np.flatnonzero(forced_per_app > 1):
            codes, counts = np.unique(p.affiliation[p.forced[a]], return_counts=True)
            for code, count in zip(codes, counts, strict=True):
                if count > 1:
                    out.append(Diagnosis("forced_same_affiliation", {
                        "application": p.application_ids[a], "forced": int(count),
                        "affiliation": _affiliation_label(p, int(code))}))
    elig = p.eligible | p.forced
    avail = elig.sum(axis=1)
    for a in np.flatnonzero(avail < p.k):
        out.append(Diagnosis("too_few_eligible_evaluators", {
            "application": p.application_ids[a], "available": int(avail[a]), "required": int(p.k[a])}))
    if comp.min_market_share > 0:
        need, have = p.market_required(), (elig & p.market_expert[None, :]).sum(axis=1)
        for a in np.flatnonzero(have < need):
            out.append(Diagnosis("too_few_market_experts", {
                "application": p.application_ids[a], "available": int(have[a]), "required": int(need[a])}))
    if comp.min_women_share > 0:
        need, have = p.women_required(), (elig & p.woman[None, :]).sum(axis=1)
        for a in np.flatnonzero(have < need):
            out.append(Diagnosis("too_few_women", {
                "application": p.application_ids[a], "available": int(have[a]), "required": int(need[a])}))
    if comp.one_per_affiliation:
        for a in range(n_a):
            distinct = len(np.unique(p.affiliation[elig[a]]))
            if distinct < p.k[a] <= avail[a]:
                out.append(Diagnosis("too_few_affiliations", {
                    "application": p.application_ids[a], "available": distinct, "required": int(p.k[a])}))
    open_apps = elig.sum(axis=0)
    for e in np.flatnonzero(open_apps < p.load_min):
        out.append(Diagnosis("min_load_unreachable", {
            "evaluator": p.evaluator_ids[e], "available": int(open_apps[e]), "required": int(p.load_min[e])}))
    demand = int(p.k.sum())
    if int(p.load_max.sum()) < demand:
        out.append(Diagnosis("total_capacity_short", {"required": demand, "available": int(p.load_max.sum())}))
    if int(p.load_min.sum()) > demand:
        out.append(Diagnosis("total_minimum_excess", {"required": int(p.load_min.sum()), "available": demand}))
    return out


def reviewer_set_hall_checks(p: NormalisedProblem) -> list[Diagnosis]:
    """Group (Hall-type) shortages found by max-flow minimum cuts; run only after a solver failed."""
    out: list[Diagnosis] = []
    elig = p.eligible | p.forced
    a_idx, e_idx = np.nonzero(elig)
    demand = int(p.k.sum())
    flow, _, app_src = _max_flow_cut(p.shape[1], p.shape[0], p.load_max, (e_idx, a_idx), p.k)
    if flow < demand:
        group = ~app_src
        req = int(p.k[group].sum())
        out.append(Diagnosis("group_capacity_short", {
            "applications": _ids(p.application_ids, group), "required": req,
            "available": req - (demand - flow)}))
    need_min = int(p.load_min.sum())
    if need_min > 0:
        flow, _, ev_src = _max_flow_cut(p.shape[0], p.shape[1], p.k, (a_idx, e_idx), p.load_min)
        if flow < need_min:
            group = ~ev_src
            req = int(p.load_min[group].sum())
            out.append(Diagnosis("group_minimum_short", {
                "evaluators": _ids(p.evaluator_ids, group), "required": req,
                "available": req - (need_min - flow)}))
    for attr, need, code in (
        (p.market_expert, p.market_required(), "group_market_short"),
        (p.woman, p.women_required(), "group_women_short"),
    ):
        total = int(need.sum())
        if total == 0:
            continue
        mask = elig & attr[None, :]
        ai, ei = np.nonzero(mask)
        flow, _, app_src = _max_flow_cut(p.shape[1], p.shape[0], p.load_max, (ei, ai), need)
        if flow < total:
            group = ~app_src & (need > 0)
            req = int(need[group].sum())
            out.append(Diagnosis(code, {"applications": _ids(p.application_ids, group),
                                        "required": req, "available": req - (total - flow)}))
    return out


def deletion_filter(
    families: list[str], feasible_without: Callable[[set[str]], bool]
) -> Diagnosis | None:
    """Smallest clashing set of rule families, found by dropping families one at a time.

    ``feasible_without(dropped)`` solves the model with the families in ``dropped`` removed.
    A family whose removal keeps the model infeasible is not needed to explain the failure and
    stays dropped; what remains is an irreducible combination of families.
    """
    if not families or not feasible_without(set(families)):
        return None
    dropped: set[str] = set()
    for fam in families:
        if not feasible_without(dropped | {fam}):
            dropped.add(fam)
    kept = [f for f in families if f not in dropped]
    return Diagnosis("infeasible_combination", {"rules": kept}) if kept else None


def _affiliation_label(p: NormalisedProblem, code: int) -> str:
    return p.affiliation_labels.get(code, str(code))


def panel_checks(p: NormalisedProblem, eligible: np.ndarray, sizes: np.ndarray) -> list[Diagnosis]:
    """Cheap checks for panel mode. ``eligible`` is (E, G): evaluator may sit on panel."""
    assert p.panel_index is not None
    out = forced_checks(p)
    comp = p.composition
    n_g = len(p.panel_labels)
    min_size = p.panel_min_size
    # forced evaluators: one panel each, and no conflict with any application of that panel
    for e in np.flatnonzero(p.forced.any(axis=0)):
        groups = sorted({int(g) for g in p.panel_index[p.forced[:, e]]})
        if len(groups) > 1:
            out.append(Diagnosis("forced_into_two_panels", {
                "evaluator": p.evaluator_ids[e], "panels": [p.panel_labels[g] for g in groups]}))
        for g in groups:
            members = p.panel_index == g
            clash = np.flatnonzero(members & p.conflicts[:, e])
            if len(clash):
                out.append(Diagnosis("forced_panel_conflict", {
                    "evaluator": p.evaluator_ids[e], "panel": p.panel_labels[g],
                    "application": p.application_ids[int(clash[0])]}))
            if sizes[g] > p.load_max[e]:
                out.append(Diagnosis("forced_panel_overload", {
                    "evaluator": p.evaluator_ids[e], "panel": p.panel_labels[g],
                    "load": int(sizes[g]), "maximum": int(p.load_max[e])}))
    for g in range(n_g):
        col = eligible[:, g]
        avail = int(col.sum())
        if avail < min_size:
            out.append(Diagnosis("panel_too_few_evaluators", {
                "panel": p.panel_labels[g], "available": avail, "required": min_size,
                "load": int(sizes[g])}))
            continue
        if comp.min_market_share > 0:
            need = required_count(comp.min_market_share, min_size)
            have = int((col & p.market_expert).sum())
            if have < need:
                out.append(Diagnosis("panel_too_few_market_experts", {
                    "panel": p.panel_labels[g], "available": have, "required": need}))
        if comp.min_women_share > 0:
            need = required_count(comp.min_women_share, min_size)
            have = int((col & p.woman).sum())
            if have < need:
                out.append(Diagnosis("panel_too_few_women", {
                    "panel": p.panel_labels[g], "available": have, "required": need}))
        if comp.one_per_affiliation:
            distinct = len(np.unique(p.affiliation[col]))
            if distinct < min_size:
                out.append(Diagnosis("panel_too_few_affiliations", {
                    "panel": p.panel_labels[g], "available": distinct, "required": min_size}))
    for e in np.flatnonzero(p.load_min > 0):
        if not np.any(eligible[e] & (sizes >= p.load_min[e])):
            out.append(Diagnosis("panel_minimum_unreachable", {
                "evaluator": p.evaluator_ids[e], "required": int(p.load_min[e])}))
    if not out and min_size > 0:
        e_idx, g_idx = np.nonzero(eligible)
        n_e = p.shape[1]
        demand = min_size * n_g
        flow, _, g_src = _max_flow_cut(n_e, n_g, np.ones(n_e, np.int64), (e_idx, g_idx),
                                       np.full(n_g, min_size, np.int64))
        if flow < demand:
            group = ~g_src
            req = min_size * int(group.sum())
            out.append(Diagnosis("panels_share_too_few_evaluators", {
                "panels": [p.panel_labels[g] for g in np.flatnonzero(group)], "required": req,
                "available": req - (demand - flow)}))
    return out
