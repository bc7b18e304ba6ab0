"""Dependent rounding of a fractional bipartite assignment (Gandhi et al. 2006).

Why: the randomised objective is an LP over assignment *probabilities* (each pair capped at q);
to hand out an actual assignment we must draw one whose pair probabilities are exactly those
marginals while every application still gets exactly k evaluators and every evaluator's load
stays between the floor and ceiling of its expected load (hence within its [min, max]). This is
the Birkhoff–von Neumann guarantee, obtained here by pipage steps on cycles and maximal paths of
fractional edges. The generator is seeded so a recorded seed reproduces the draw exactly.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-9


def dependent_round(
    a_idx: np.ndarray, e_idx: np.ndarray, x: np.ndarray, n_a: int, rng: np.random.Generator
) -> np.ndarray:
    """Round fractional values ``x`` on edges (a_idx[i], e_idx[i]) to 0/1; returns a bool array.

    Nodes 0..n_a-1 are applications, n_a.. are evaluators. E[result[i]] == x[i].
    """
    vals = np.clip(np.asarray(x, dtype=float).copy(), 0.0, 1.0)
    vals[vals < EPS] = 0.0
    vals[vals > 1 - EPS] = 1.0
    ends = (np.asarray(a_idx, dtype=np.int64), np.asarray(e_idx, dtype=np.int64) + n_a)
    frac = np.flatnonzero((vals > 0) & (vals < 1))
    n_nodes = n_a + (int(ends[1].max()) + 1 - n_a if len(ends[1]) else 0)
    adj: list[dict[int, None]] = [{} for _ in range(max(n_nodes, n_a))]
    for i in frac.tolist():
        adj[ends[0][i]][i] = None
        adj[ends[1][i]][i] = None
    u_of, v_of = ends[0].tolist(), ends[1].tolist()

    def other(edge: int, node: int) -> int:
        return v_of[edge] if u_of[edge] == node else u_of[edge]

    leaves = [n for n in range(len(adj)) if len(adj[n]) == 1]
    leaves.reverse()  # pop() then yields the smallest node first
    scan = 0
    while True:
        start = -1
        while leaves:
            cand = leaves.pop()
            if len(adj[cand]) == 1:
                start = cand
                break
        if start < 0:
            while scan < len(adj) and not adj[scan]:
                scan += 1
            if scan == len(adj):
                break
            start = scan
        # Walk along unused fractional edges until a cycle closes or a leaf ends the path.
        pos = {start: 0}
        walk: list[int] = []
        node, prev = start, -1
        while True:
            edge = next(e for e in adj[node] if e != prev)
            nxt = other(edge, node)
            walk.append(edge)
            if nxt in pos:
                walk = walk[pos[nxt]:]
                break
            pos[nxt] = len(walk)
            if len(adj[nxt]) == 1:
                break
            node, prev = nxt, edge
        signs = np.where(np.arange(len(walk)) % 2 == 0, 1.0, -1.0)
        cur = vals[walk]
        alpha = float(np.min(np.where(signs > 0, 1 - cur, cur)))
        beta = float(np.min(np.where(signs > 0, cur, 1 - cur)))
        step = alpha if rng.random() < beta / (alpha + beta) else -beta
        new = cur + signs * step
        new[new < EPS] = 0.0
        new[new > 1 - EPS] = 1.0
        vals[walk] = new
        for edge, value in zip(walk, new.tolist(), strict=True):
            if value in (0.0, 1.0):
                for n in (u_of[edge], v_of[edge]):
                    adj[n].pop(edge, None)
                    if len(adj[n]) == 1:
                        leaves.append(n)
        if len(adj[start]) == 1:  # the walk closed a cycle elsewhere: start is still a leaf
            leaves.append(start)
    return vals > 0.5
