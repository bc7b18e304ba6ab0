"""Integer and linear programmes (HiGHS through ``scipy.optimize.milp``) for the rules a flow
cannot express: composition shares, one per affiliation, the randomised LP, and panel mode
(total and max-min fair). Fair mode for reviewer sets is lexicographic CP-SAT (``cpsat.py``).

Why HiGHS: it is an exact branch-and-cut solver that reports a proven dual bound, which is what
the run report's bound and gap come from; it ships as a wheel, needs no licence, and scipy already
wraps it. ``mip_rel_gap=0`` asks for proven optimality; a time limit turns a run into "best found
with a bound" rather than a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .problem import NormalisedProblem


@dataclass(frozen=True)
class MilpOutcome:
    status: str  # "optimal", "time_limit", "infeasible", "error"
    x: np.ndarray | None
    objective: float  # in maximisation sense
    bound: float  # proven upper bound, maximisation sense


class RowBuilder:
    """Collects sparse rows lb <= A x <= ub in COO form."""

    def __init__(self, n_cols: int):
        self.n_cols = n_cols
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.n_rows = 0

    def add_grouped(self, group: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                    lb: np.ndarray, ub: np.ndarray) -> None:
        """One row per group id 0..len(lb)-1; entry i puts vals[i] at column cols[i] in row group[i]."""
        self.rows.append(self.n_rows + np.asarray(group, dtype=np.int64))
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))
        self.lb.append(np.asarray(lb, dtype=float))
        self.ub.append(np.asarray(ub, dtype=float))
        self.n_rows += len(lb)

    def constraint(self) -> LinearConstraint | None:
        if self.n_rows == 0:
            return None
        mat = sparse.csr_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_rows, self.n_cols),
        )
        return LinearConstraint(mat, np.concatenate(self.lb), np.concatenate(self.ub))


def run_milp(
    gain: np.ndarray, rows: RowBuilder, lower: np.ndarray, upper: np.ndarray,
    integral: np.ndarray, time_limit: float | None,
) -> MilpOutcome:
    """Maximise gain @ x subject to rows and bounds."""
    options: dict[str, object] = {"disp": False, "mip_rel_gap": 0.0, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    cons = rows.constraint()
    res = milp(
        -np.asarray(gain, dtype=float),
        constraints=[cons] if cons is not None else None,
        integrality=integral.astype(np.int64),
        bounds=Bounds(lower, upper),
        options=options,
    )
    if res.status == 2:
        return MilpOutcome("infeasible", None, math.nan, math.nan)
    if res.x is None:
        return MilpOutcome("time_limit" if res.status == 1 else "error", None, math.nan, math.nan)
    x = np.asarray(res.x, dtype=float)
    if np.any(integral):
        x[integral] = np.rint(x[integral])
    objective = float(np.asarray(gain) @ x)
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.any(integral) and np.isfinite(dual) else objective
    status = "optimal" if res.status == 0 else "time_limit"
    return MilpOutcome(status, x, objective, max(bound, objective))


# --- reviewer-set mode -----------------------------------------------------------------------


@dataclass
class ReviewerSetModel:
    """Pair variables x_i for candidate pairs (a_idx[i], e_idx[i]) and the shared rows."""

    a_idx: np.ndarray
    e_idx: np.ndarray
    rows: RowBuilder
    lower: np.ndarray
    upper: np.ndarray


def reviewer_set_model(
    p: NormalisedProblem, dropped: frozenset[str] = frozenset(),
    pair_cap: np.ndarray | float | None = None,
) -> ReviewerSetModel:
    """Rows: exactly k per application, loads, shares, one per affiliation; forced as bounds.

    ``dropped`` names rule families to leave out (used by the diagnosis deletion filter).
    ``pair_cap`` caps each free pair variable (the randomised LP's q).
    """
    n_a, n_e = p.shape
    forced = p.forced if "forced" not in dropped else np.zeros_like(p.forced)
    load_max = p.load_max if "load_max" not in dropped else np.full(n_e, n_a, np.int64)
    cand = (~p.conflicts & (load_max > 0)[None, :]) | forced
    a_idx, e_idx = np.nonzero(cand)
    n = len(a_idx)
    rows = RowBuilder(n)
    cols = np.arange(n)
    ones = np.ones(n)
    rows.add_grouped(a_idx, cols, ones, p.k, p.k)
    load_min = p.load_min if "load_min" not in dropped else np.zeros(n_e, np.int64)
    rows.add_grouped(e_idx, cols, ones, load_min, load_max)
    comp = p.composition
    for attr, need, fam in (
        (p.market_expert, p.market_required(), "market_share"),
        (p.woman, p.women_required(), "women_share"),
    ):
        if fam in dropped or not np.any(need > 0):
            continue
        apps = np.flatnonzero(need > 0)
        row_of = np.full(n_a, -1)
        row_of[apps] = np.arange(len(apps))
        sel = attr[e_idx] & (row_of[a_idx] >= 0)
        rows.add_grouped(row_of[a_idx[sel]], cols[sel], ones[sel], need[apps], np.full(len(apps), np.inf))
    if comp.one_per_affiliation and "one_per_affiliation" not in dropped:
        codes = p.affiliation[e_idx]
        key = a_idx * (2 * n_e + 2) + (codes + n_e + 1)
        uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        sel = counts[inverse] >= 2
        if np.any(sel):
            _, grp = np.unique(inverse[sel], return_inverse=True)
            n_groups = int(grp.max()) + 1
            rows.add_grouped(grp, cols[sel], ones[sel], np.zeros(n_groups), np.ones(n_groups))
    lower = np.zeros(n)
    upper = np.ones(n)
    if pair_cap is not None:
        cap = np.broadcast_to(np.asarray(pair_cap, dtype=float), (n_a, n_e))[a_idx, e_idx]
        upper = np.clip(cap, 0.0, 1.0)
    is_forced = forced[a_idx, e_idx]
    lower[is_forced] = 1.0
    upper[is_forced] = 1.0
    return ReviewerSetModel(a_idx, e_idx, rows, lower, upper)


def to_matrix(p: NormalisedProblem, model: ReviewerSetModel, x: np.ndarray) -> np.ndarray:
    out = np.zeros(p.shape, dtype=bool)
    chosen = x[: len(model.a_idx)] > 0.5
    out[model.a_idx[chosen], model.e_idx[chosen]] = True
    return out


def reviewer_set_feasible(p: NormalisedProblem, dropped: frozenset[str], time_limit: float | None) -> bool:
    model = reviewer_set_model(p, dropped)
    n = len(model.a_idx)
    out = run_milp(np.zeros(n), model.rows, model.lower, model.upper, np.ones(n, bool), time_limit)
    return out.x is not None


def reviewer_set_total(p: NormalisedProblem, time_limit: float | None) -> MilpOutcome:
    model = reviewer_set_model(p)
    n = len(model.a_idx)
    gain = p.affinity[model.a_idx, model.e_idx]
    out = run_milp(gain, model.rows, model.lower, model.upper, np.ones(n, bool), time_limit)
    return _with_matrix(p, model, out)


def _lex_maxmin(
    rows: RowBuilder, lower: np.ndarray, upper: np.ndarray, gain: np.ndarray,
    per_app: tuple[np.ndarray, np.ndarray, np.ndarray], n_a: int, time_limit: float | None,
) -> tuple[MilpOutcome, MilpOutcome]:
    """The two stages of fair mode over ``n = len(gain)`` binary columns plus one free column t.

    ``per_app`` is (application, column, coefficient) triples: application a's affinity sum is
    the sum of coefficient * x[column] over its triples. Stage 1 maximises t subject to every
    sum >= t; stage 2 keeps every sum at or above the achieved minimum and maximises
    ``gain @ x``. Outcomes carry the column vector; stage 1's objective is that minimum.
    """
    n = len(gain)
    group, cols, vals = per_app
    stage1_rows = _copy_rows(rows)
    stage1_rows.add_grouped(np.concatenate([group, np.arange(n_a)]),
                            np.concatenate([cols, np.full(n_a, n)]),
                            np.concatenate([vals, -np.ones(n_a)]),
                            np.zeros(n_a), np.full(n_a, np.inf))
    lower, upper = lower.copy(), upper.copy()
    lower[n], upper[n] = -np.inf, np.inf
    integral = np.ones(n + 1, bool)
    integral[n] = False
    g1 = np.zeros(n + 1)
    g1[n] = 1.0
    first = run_milp(g1, stage1_rows, lower, upper, integral, time_limit)
    if first.x is None:
        return first, first
    x1 = first.x[:n]
    sums1 = np.bincount(group, weights=vals * x1[cols], minlength=n_a)
    t_star = float(sums1.min()) if n_a else 0.0
    first = MilpOutcome(first.status, x1, t_star, max(first.bound, t_star))
    # Stage 2 keeps every application at or above the achieved minimum (tiny slack for the
    # solver's feasibility tolerance), then maximises the total.
    thresh = t_star - 1e-7 * max(1.0, abs(t_star))
    rows2 = _copy_rows(rows)
    rows2.n_cols = n
    rows2.add_grouped(group, cols, vals, np.full(n_a, thresh), np.full(n_a, np.inf))
    second = run_milp(gain, rows2, lower[:n], upper[:n], np.ones(n, bool), time_limit)
    if second.x is None:  # cannot happen in exact arithmetic: stage-1 solution is feasible
        second = MilpOutcome(first.status, x1, float(gain @ x1), float(gain @ x1))
    return first, second


def reviewer_set_lp(p: NormalisedProblem, cap: np.ndarray | float) -> tuple[ReviewerSetModel, MilpOutcome]:
    """Randomised mode: the LP over pair probabilities, each free pair capped at ``cap``."""
    model = reviewer_set_model(p, pair_cap=cap)
    n = len(model.a_idx)
    gain = p.affinity[model.a_idx, model.e_idx]
    out = run_milp(gain, model.rows, model.lower, model.upper, np.zeros(n, bool), None)
    return model, out


def _copy_rows(rows: RowBuilder) -> RowBuilder:
    new = RowBuilder(rows.n_cols)
    new.rows, new.cols, new.vals = list(rows.rows), list(rows.cols), list(rows.vals)
    new.lb, new.ub, new.n_rows = list(rows.lb), list(rows.ub), rows.n_rows
    return new


def _with_matrix(p: NormalisedProblem, model: ReviewerSetModel, out: MilpOutcome) -> MilpOutcome:
    if out.x is None:
        return out
    return MilpOutcome(out.status, to_matrix(p, model, out.x), out.objective, out.bound)


# --- panel mode ------------------------------------------------------------------------------


@dataclass
class PanelModel:
    e_idx: np.ndarray
    g_idx: np.ndarray
    rows: RowBuilder
    lower: np.ndarray
    upper: np.ndarray


def panel_eligibility(p: NormalisedProblem, use_load_max: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(E, G) bool: evaluator free of conflicts with every application of the panel and able to
    take all of them; and the panel sizes (applications per panel)."""
    assert p.panel_index is not None
    n_g = len(p.panel_labels)
    member = np.zeros((p.shape[0], n_g), dtype=bool)
    member[np.arange(p.shape[0]), p.panel_index] = True
    sizes = member.sum(axis=0)
    clash = (p.conflicts.T.astype(np.int64) @ member.astype(np.int64)) > 0
    elig = ~clash
    if use_load_max:
        elig &= sizes[None, :] <= p.load_max[:, None]
    return elig, sizes


def panel_model(p: NormalisedProblem, dropped: frozenset[str] = frozenset(), extra_cols: int = 0) -> PanelModel:
    elig, sizes = panel_eligibility(p, use_load_max="load_max" not in dropped)
    n_e, n_g = elig.shape
    forced_eg = np.zeros_like(elig)
    if "forced" not in dropped:
        fa, fe = np.nonzero(p.forced)
        forced_eg[fe, p.panel_index[fa]] = True
    e_idx, g_idx = np.nonzero(elig | forced_eg)
    n = len(e_idx)
    rows = RowBuilder(n + extra_cols)
    cols, ones = np.arange(n), np.ones(n)
    rows.add_grouped(e_idx, cols, ones, np.zeros(n_e), np.ones(n_e))
    max_size = p.panel_max_size if p.panel_max_size is not None and "panel_max_size" not in dropped else n_e
    rows.add_grouped(g_idx, cols, ones, np.full(n_g, p.panel_min_size), np.full(n_g, max_size))
    if "load_min" not in dropped and np.any(p.load_min > 0):
        evs = np.flatnonzero(p.load_min > 0)
        row_of = np.full(n_e, -1)
        row_of[evs] = np.arange(len(evs))
        sel = row_of[e_idx] >= 0
        rows.add_grouped(row_of[e_idx[sel]], cols[sel], sizes[g_idx[sel]].astype(float),
                         p.load_min[evs], np.full(len(evs), np.inf))
    comp = p.composition
    for attr, share, fam in (
        (p.market_expert, comp.min_market_share, "market_share"),
        (p.woman, comp.min_women_share, "women_share"),
    ):
        if share > 0 and fam not in dropped:
            rows.add_grouped(g_idx, cols, attr[e_idx].astype(float) - share,
                             np.full(n_g, -1e-9), np.full(n_g, np.inf))
    if comp.one_per_affiliation and "one_per_affiliation" not in dropped:
        key = g_idx * (2 * n_e + 2) + (p.affiliation[e_idx] + n_e + 1)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        sel = counts[inverse] >= 2
        if np.any(sel):
            _, grp = np.unique(inverse[sel], return_inverse=True)
            k = int(grp.max()) + 1
            rows.add_grouped(grp, cols[sel], ones[sel], np.zeros(k), np.ones(k))
    lower, upper = np.zeros(n + extra_cols), np.ones(n + extra_cols)
    lower[:n][forced_eg[e_idx, g_idx]] = 1.0
    return PanelModel(e_idx, g_idx, rows, lower, upper)


def panel_gain(p: NormalisedProblem, model: PanelModel) -> np.ndarray:
    """Affinity an evaluator brings to a panel: the sum over the panel's applications."""
    n_g = len(p.panel_labels)
    member = np.zeros((p.shape[0], n_g))
    member[np.arange(p.shape[0]), p.panel_index] = 1.0
    per_eg = p.affinity.T @ member  # (E, G)
    return per_eg[model.e_idx, model.g_idx]


def panel_to_matrix(p: NormalisedProblem, model: PanelModel, x: np.ndarray) -> np.ndarray:
    chosen = x[: len(model.e_idx)] > 0.5
    seat = np.zeros((p.shape[1], len(p.panel_labels)), dtype=bool)
    seat[model.e_idx[chosen], model.g_idx[chosen]] = True
    return seat[:, p.panel_index].T  # (A, E)


def panel_feasible(p: NormalisedProblem, dropped: frozenset[str], time_limit: float | None) -> bool:
    model = panel_model(p, dropped)
    n = len(model.e_idx)
    out = run_milp(np.zeros(n), model.rows, model.lower, model.upper, np.ones(n, bool), time_limit)
    return out.x is not None


def panel_total(p: NormalisedProblem, time_limit: float | None) -> MilpOutcome:
    model = panel_model(p)
    n = len(model.e_idx)
    out = run_milp(panel_gain(p, model), model.rows, model.lower, model.upper, np.ones(n, bool), time_limit)
    return _panel_matrix(p, model, out)


def panel_fair(p: NormalisedProblem, time_limit: float | None) -> tuple[MilpOutcome, MilpOutcome]:
    """Maximise the minimum per-application affinity sum over its panel, then the total."""
    model = panel_model(p, extra_cols=1)
    # application a gets sum over e of affinity[a, e] * y[e, panel(a)]
    pair_app = [np.flatnonzero(p.panel_index == g) for g in range(len(p.panel_labels))]
    grp, cols, vals = [], [], []
    for i, (e, g) in enumerate(zip(model.e_idx.tolist(), model.g_idx.tolist(), strict=True)):
        apps = pair_app[g]
        grp.append(apps)
        cols.append(np.full(len(apps), i))
        vals.append(p.affinity[apps, e])
    per_app = (np.concatenate(grp), np.concatenate(cols), np.concatenate(vals))
    first, second = _lex_maxmin(model.rows, model.lower, model.upper, panel_gain(p, model),
                                per_app, p.shape[0], time_limit)
    return _panel_matrix(p, model, first), _panel_matrix(p, model, second)


def _panel_matrix(p: NormalisedProblem, model: PanelModel, out: MilpOutcome) -> MilpOutcome:
    if out.x is None:
        return out
    return MilpOutcome(out.status, panel_to_matrix(p, model, out.x), out.objective, out.bound)
