"""Fusing the lexical and the dense score into one hybrid score.

BM25 scores are unbounded and depend on the query's length; cosine similarities of E5 sit in
a narrow band (about 0.7-0.95). Neither can be added to the other as is, so each is first
standardised over the candidate set of the same query (z-score), and the hybrid score is the
weighted sum ``w * z(dense) + (1 - w) * z(lexical)`` (``linear_fusion``). A query with no
lexical overlap at all (a Korean profile against English tracks) has a constant lexical score,
which standardises to zero, so the dense score alone decides, as it should.

The default, ``coverage_fusion``, additionally scales each query's lexical z-scores by the share
of candidates with any lexical evidence. It exists for the rows *between* those two cases: when
one candidate alone shares a single token with the query (a Korean profile whose only Latin
token is "AI" against English tracks), plain z-scoring gives that candidate the largest z a row
of n can hold, sqrt(n - 1), however weak the match, and the token decides. Scaled by coverage
(1/n there), that artefact vanishes, while rows in which most candidates share words
(coverage near 1) fuse as before. This lets the dense weight drop from 0.6 to 0.3, where both
labelled data sets want it.

Reciprocal-rank fusion is provided too, for comparison in the benchmarks. The method and the
weight were chosen on data: the expertise gold standard (bench/matching_goldstandard.py), the
labelled track-relevance set (bench/matching_relevance.py) and the cross-lingual cases of
tests/engine/matching/test_engine.py; see docs/decisions.md (matching) and
docs/benchmarks/matching.md.
"""

from __future__ import annotations

import numpy as np

# Chosen with coverage fusion by 4-fold cross-validation on the labelled relevance set (every
# fold chose 0.3) among the weights that pass the cross-lingual acronym traps in
# tests/engine/matching/test_engine.py (coverage fusion passes from 0.3 up; linear fusion only
# from 0.6 up), and checked on the Stelmakh et al. gold standard, whose optimum is 0.3-0.4 too.
# See docs/decisions.md (matching) and docs/benchmarks/matching.md.
DEFAULT_FUSION = "coverage"
DEFAULT_DENSE_WEIGHT = 0.3
# The previous default (linear z-score fusion, dense weight 0.6), kept for comparison in the
# benchmarks and for deployments that configure it explicitly.
LINEAR_DENSE_WEIGHT = 0.6
RRF_K = 60


def standardise(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """z-score along ``axis``; a constant row becomes all zeros (it carries no evidence)."""
    scores = np.asarray(scores, dtype=np.float64)
    mean = scores.mean(axis=axis, keepdims=True)
    std = scores.std(axis=axis, keepdims=True)
    safe = np.where(std > 1e-12, std, 1.0)
    return np.where(std > 1e-12, (scores - mean) / safe, 0.0)


def _check_weight(dense_weight: float) -> None:
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError("dense_weight must be within [0, 1]")


def linear_fusion(
    dense: np.ndarray, lexical: np.ndarray, dense_weight: float = LINEAR_DENSE_WEIGHT, axis: int = -1
) -> np.ndarray:
    """``w * z(dense) + (1 - w) * z(lexical)``, standardised along ``axis``.

    ``dense`` (cosines) and ``lexical`` (BM25, >= 0) have the same shape, e.g. (n_candidates,)
    or (n_queries, n_candidates) with ``axis`` the candidate axis. Raises ``ValueError`` if
    ``dense_weight`` is outside [0, 1].
    """
    _check_weight(dense_weight)
    return dense_weight * standardise(dense, axis) + (1.0 - dense_weight) * standardise(lexical, axis)


def lexical_coverage(lexical: np.ndarray, axis: int = -1) -> np.ndarray:
    """Share of candidates with any lexical evidence (BM25 > 0) along ``axis``, in [0, 1];
    the axis is kept with length 1 so the result broadcasts against ``lexical``."""
    lexical = np.asarray(lexical, dtype=np.float64)
    hits = (lexical > 0).sum(axis=axis, keepdims=True)
    return hits / max(1, lexical.shape[axis])


def coverage_fusion(
    dense: np.ndarray, lexical: np.ndarray, dense_weight: float = DEFAULT_DENSE_WEIGHT, axis: int = -1
) -> np.ndarray:
    """``w * z(dense) + (1 - w) * c * z(lexical)``, where ``c`` is the query's lexical coverage:
    the share of its candidates (along ``axis``) with a BM25 score above zero.

    Same shapes and errors as :func:`linear_fusion`. Rationale (see the module docstring): a
    z-score says how unusual a candidate is within the row, not how much evidence the row
    holds. With 1 of n candidates sharing one token its z is sqrt(n - 1) whatever the match
    is worth; ``c`` = 1/n there damps it to sqrt(n - 1) / n. When no candidate shares a term
    ``c`` = 0 (as the z-scores already are); when all do, ``c`` = 1 and the result equals
    :func:`linear_fusion`. Ranking within a row is unchanged at ``w`` = 0 (BM25 alone) and
    ``w`` = 1 (dense alone). Our own design, measured on the gold standard of Stelmakh et al.
    and on bench/data/matching_relevance.json (docs/benchmarks/matching.md).
    """
    _check_weight(dense_weight)
    coverage = lexical_coverage(lexical, axis)
    return dense_weight * standardise(dense, axis) + (1.0 - dense_weight) * coverage * standardise(lexical, axis)


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
