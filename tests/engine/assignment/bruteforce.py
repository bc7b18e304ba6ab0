"""Exhaustive search over every assignment of tiny instances: the reference the solvers must match."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from scipy.optimize import linprog

from kbridge.engine.assignment import AssignmentProblem
from kbridge.engine.assignment.problem import NormalisedProblem


def satisfies(p: NormalisedProblem, x: np.ndarray) -> bool:
    """Every reviewer-set rule, checked directly on a 0/1 matrix."""
    if np.any(x & p.conflicts) or np.any(p.forced & ~x):
        return False
    if not np.array_equal(x.sum(axis=1), p.k):
        return False
    loads = x.sum(axis=0)
    if np.any(loads < p.load_min) or np.any(loads > p.load_max):
        return False
    if np.any((x & p.market_expert[None, :]).sum(axis=1) < p.market_required()):
        return False
    if np.any((x & p.woman[None, :]).sum(axis=1) < p.women_required()):
        return False
    if p.composition.one_per_affiliation:
        for row in x:
            codes = p.affiliation[row]
            if len(np.unique(codes)) < len(codes):
                return False
    return True


def reviewer_sets(problem: AssignmentProblem) -> Iterator[np.ndarray]:
    p = problem.normalise()
    n_a, n_e = p.shape
    choices = [list(itertools.combinations(range(n_e), int(p.k[a]))) for a in range(n_a)]
    for combo in itertools.product(*choices):
        x = np.zeros((n_a, n_e), dtype=bool)
        for a, evs in enumerate(combo):
            x[a, list(evs)] = True
        if satisfies(p, x):
            yield x


def best_total(problem: AssignmentProblem) -> float | None:
    aff = problem.normalise().affinity
    values = [float(aff[x].sum()) for x in reviewer_sets(problem)]
    return max(values) if values else None


def best_fair(problem: AssignmentProblem) -> tuple[float, float] | None:
    """Lexicographic best (minimum application sum, total)."""
    aff = problem.normalise().affinity
    keys = [(float((aff * x).sum(axis=1).min()), float(aff[x].sum())) for x in reviewer_sets(problem)]
    if not keys:
        return None
    best_min = max(k[0] for k in keys)
    return best_min, max(k[1] for k in keys if k[0] >= best_min - 1e-9)


def best_randomised(problem: AssignmentProblem, q: float) -> float | None:
    """Best expected affinity over ALL distributions of feasible assignments with marginals <= q.

    An LP over the weight of every feasible assignment (exhaustive, so it needs no theory).
    """
    p = problem.normalise()
    sets = list(reviewer_sets(problem))
    if not sets:
        return None
    values = np.array([p.affinity[x].sum() for x in sets])
    marg = np.array([x.ravel() for x in sets], dtype=float).T  # pairs x assignments
    cap = np.where(p.forced.ravel(), 1.0, q)
    res = linprog(-values, A_ub=marg, b_ub=cap, A_eq=np.ones((1, len(sets))), b_eq=[1.0],
                  bounds=(0, None), method="highs")
    return None if res.status != 0 else float(-res.fun)


def panel_seatings(problem: AssignmentProblem) -> Iterator[np.ndarray]:
    """Every (A, E) matrix arising from seating each evaluator on one panel or none."""
    p = problem.normalise()
    n_a, n_e = p.shape
    n_g = len(p.panel_labels)
    comp = p.composition
    for seats in itertools.product(range(-1, n_g), repeat=n_e):
        seats_arr = np.array(seats)
        ok = True
        for g in range(n_g):
            members = np.flatnonzero(seats_arr == g)
            size = len(members)
            if size < p.panel_min_size or (p.panel_max_size is not None and size > p.panel_max_size):
                ok = False
                break
            if p.market_expert[members].sum() < comp.min_market_share * size - 1e-9:
                ok = False
                break
            if p.woman[members].sum() < comp.min_women_share * size - 1e-9:
                ok = False
                break
            if comp.one_per_affiliation and len(np.unique(p.affiliation[members])) < size:
                ok = False
                break
        if not ok:
            continue
        x = np.zeros((n_a, n_e), dtype=bool)
        for e, g in enumerate(seats):
            if g >= 0:
                x[p.panel_index == g, e] = True
        loads = x.sum(axis=0)
        if np.any(x & p.conflicts) or np.any(p.forced & ~x):
            continue
        if np.any(loads > p.load_max) or np.any(loads < p.load_min):
            continue
        yield x


def best_panel_total(problem: AssignmentProblem) -> float | None:
    aff = problem.normalise().affinity
    values = [float(aff[x].sum()) for x in panel_seatings(problem)]
    return max(values) if values else None


def best_panel_fair(problem: AssignmentProblem) -> tuple[float, float] | None:
    aff = problem.normalise().affinity
    keys = [(float((aff * x).sum(axis=1).min()), float(aff[x].sum())) for x in panel_seatings(problem)]
    if not keys:
        return None
    best_min = max(k[0] for k in keys)
    return best_min, max(k[1] for k in keys if k[0] >= best_min - 1e-9)
