"""Fusing the lexical and the dense score into one hybrid score.

BM25 scores are unbounded and depend on the query's length; cosine similarities of E5 sit in
a narrow band (about 0.7-0.95). Neither can be added to the other as is, so each is first
standardised over the candidate set of the same query (z-score), and the hybrid score is the
weighted sum ``w * z(dense) + (1 - w) * z(lexical)``. A query with no lexical overlap at all
(a Korean profile against English tracks) has a constant lexical score, which standardises to
zero, so the dense score alone decides, as it should.

Reciprocal-rank fusion is provided too, for comparison in the benchmark; the weight ``w`` and
the method were chosen on the gold-standard data (bench/matching_goldstandard.py).
"""

from __future__ import annotations

import numpy as np

# Chosen on the Stelmakh et al. gold standard with reviewer-level 2-fold cross-validation
# (see docs/decisions.md (matching) and docs/benchmarks/matching.md), constrained by the
# cross-lingual acronym traps in tests/engine/matching/test_engine.py (0.5 fails them).
DEFAULT_DENSE_WEIGHT = 0.6
RRF_K = 60


def standardise(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """z-score along ``axis``; a constant row becomes all zeros (it carries no evidence)."""
    scores = np.asarray(scores, dtype=np.float64)
    mean = scores.mean(axis=axis, keepdims=True)
    std = scores.std(axis=axis, keepdims=True)
    safe = np.where(std > 1e-12, std, 1.0)
    return np.where(std > 1e-12, (scores - mean) / safe, 0.0)


def linear_fusion(
    dense: np.ndarray, lexical: np.ndarray, dense_weight: float = DEFAULT_DENSE_WEIGHT, axis: int = -1
) -> np.ndarray:
    """``w * z(dense) + (1 - w) * z(lexical)``, standardised along ``axis``."""
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError("dense_weight must be within [0, 1]")
    return dense_weight * standardise(dense, axis) + (1.0 - dense_weight) * standardise(lexical, axis)


def _ranks(scores: np.ndarray, axis: int) -> np.ndarray:
    # rank 1 = best; ties share the best rank of their group (stable, deterministic)
    order = np.argsort(-scores, axis=axis, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[axis] + 1).reshape(
        [-1 if i == (axis % scores.ndim) else 1 for i in range(scores.ndim)]), axis=axis)
    return ranks


def rrf_fusion(
    dense: np.ndarray, lexical: np.ndarray, dense_weight: float = 0.5, axis: int = -1, k: int = RRF_K
) -> np.ndarray:
    """Weighted reciprocal-rank fusion: ``w / (k + rank_dense) + (1 - w) / (k + rank_lex)``.

    Documents with no lexical evidence at all get no lexical contribution (rather than an
    arbitrary rank among the zero scores).
    """
    dense = np.asarray(dense, dtype=np.float64)
    lexical = np.asarray(lexical, dtype=np.float64)
    lex_part = (1.0 - dense_weight) / (k + _ranks(lexical, axis))
    lex_part = np.where(lexical > 0, lex_part, 0.0)
    return dense_weight / (k + _ranks(dense, axis)) + lex_part
