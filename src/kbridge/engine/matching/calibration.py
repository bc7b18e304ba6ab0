"""Fit a person can read: a calibrated 0-100 score for one (query, document) pair.

Raw cosines do not discriminate to the eye: with multilingual E5 every AI-programme track sits
at 0.86-0.90 for every AI startup (issue 12, item 2). A percentile among the candidates would
always crown someone, even when none fits. The fit here is instead measured against things
that are *not* candidates:

1. ``z`` = how far the pair's cosine stands above the closest tenth of the query's cosines
   to sixty unrelated reference documents (:mod:`.reference`), in robust standard deviations
   of those cosines (:func:`reference_z`). This is per query (a profile full of generic words is close to
   everything, and is judged against its own background) and per model (the reference
   documents are embedded by the model in use), so it needs no model-specific constant.
2. ``share`` = the BM25 score of the pair divided by the query's BM25 ceiling (every query
   term in every field; :func:`lexical_share`), in [0, 1].
3. fit = 100 x sigmoid(a * z + b * share + c), rounded: the probability that a programme
   officer would call the pair related, fitted by logistic regression on 232 labelled demo
   pairs (bench/fit_calibration.py; docs/decisions.md "Fit that discriminates").
   With the default (fused) model, cross-validated by sector, the median fit is 80 for
   related and 10 for unrelated pairs (ROC AUC 0.916; the raw cosine has 0.806). E5 alone
   gave 85 / 8 (0.917; raw 0.871) with the coefficients a 3.176, b 22.503, c -1.160.

Bands for the short reason: ``strong`` (>= 70), ``moderate`` (>= 40), ``weak``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Logistic regression on (z, share) -> related, bench/fit_calibration.py (232 labelled demo
# pairs), per model: (z weight, share weight, intercept). The default's coefficients serve
# a model without its own entry (an operator's KBRIDGE_EMBEDDING_MODEL) until it is fitted.
FIT_COEFFICIENTS: dict[str, tuple[float, float, float]] = {
    "intfloat/multilingual-e5-small": (3.176, 22.503, -1.160),
    # the packaged default since issue 12, item 5 (embedding.default_embedder)
    "fused(intfloat/multilingual-e5-small+ko/en-centred"
    " + google/universal-sentence-encoder-multilingual-3)": (3.263, 20.998, -2.912),
}
DEFAULT_FIT_MODEL = ("fused(intfloat/multilingual-e5-small+ko/en-centred"
                     " + google/universal-sentence-encoder-multilingual-3)")
REFERENCE_QUANTILE = 0.9
STRONG_FIT = 70
MODERATE_FIT = 40
# BM25 with k1 = 1.2 gives one query term at most (k1 + 1) x idf per field.
_BM25_TERM_CEILING = 2.2


@dataclass(frozen=True, slots=True)
class Fit:
    """A calibrated fit: ``score`` 0-100 (probability in percent that the pair is related),
    ``band`` "strong" / "moderate" / "weak", and the two inputs for display and debugging."""

    score: int
    band: str
    z: float
    share: float


def band(score: int) -> str:
    """The band of a 0-100 fit score."""
    if score >= STRONG_FIT:
        return "strong"
    if score >= MODERATE_FIT:
        return "moderate"
    return "weak"


def reference_z(dense: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(cosine - the 90th percentile) / spread of the query's cosines to the references.

    The location is the 90th percentile (about the sixth closest of sixty references), not the
    mean: what a fit must beat is the few unrelated documents that happen to be close to the
    query (another kind of AI company for an AI startup), not the average one. On the demo
    pairs (bench/fit_calibration.py) the cross-validated ROC AUC is 0.899 with the median,
    0.910 with the 75th and 0.917 with the 90th percentile. The spread is robust (1.4826 x
    the median absolute deviation, the standard deviation for normal data), so the few
    near-duplicates a profile may have among the references do not move it.
    ``dense``: cosines of the candidates (any shape); ``reference``: the query's cosines to the
    reference documents, shape (n,), n >= 2. A reference without spread (e.g. zero vectors)
    raises ``ValueError``: the fit is undefined then.
    """
    reference = np.asarray(reference, dtype=np.float64)
    if reference.size < 2:
        raise ValueError("the reference cosines have no spread")
    median = float(np.median(reference))
    spread = 1.4826 * float(np.median(np.abs(reference - median)))
    if spread < 1e-9:
        raise ValueError("the reference cosines have no spread")
    location = float(np.quantile(reference, REFERENCE_QUANTILE))
    return (np.asarray(dense, dtype=np.float64) - location) / spread


def lexical_share(lexical: np.ndarray, query_idfs: Iterable[float], field_weight_sum: float) -> np.ndarray:
    """BM25 scores divided by the query's ceiling, clipped to [0, 1].

    The ceiling is ``(k1 + 1) x sum(idf of each distinct query term) x sum of field weights``;
    an empty query has share 0 everywhere.
    """
    ceiling = _BM25_TERM_CEILING * float(sum(query_idfs)) * field_weight_sum
    lexical = np.asarray(lexical, dtype=np.float64)
    if ceiling <= 0:
        return np.zeros_like(lexical)
    return np.clip(lexical / ceiling, 0.0, 1.0)


def fit_scores(z: np.ndarray, share: np.ndarray, model: str = DEFAULT_FIT_MODEL) -> np.ndarray:
    """0-100 integer fit from ``z`` (:func:`reference_z`) and ``share`` (:func:`lexical_share`),
    with ``model``'s coefficients (:data:`FIT_COEFFICIENTS`; the default's when it has none)."""
    a, b, c = FIT_COEFFICIENTS.get(model, FIT_COEFFICIENTS[DEFAULT_FIT_MODEL])
    logit = a * np.asarray(z, dtype=np.float64) + b * np.asarray(share, dtype=np.float64) + c
    return np.rint(100.0 / (1.0 + np.exp(-logit))).astype(int)


def fits(dense: np.ndarray, reference: np.ndarray, share: np.ndarray,
         model: str = DEFAULT_FIT_MODEL) -> list[Fit]:
    """One :class:`Fit` per candidate (``dense`` and ``share`` of shape (n,))."""
    z = reference_z(dense, reference)
    scores = fit_scores(z, share, model)
    return [Fit(int(s), band(int(s)), round(float(zz), 3), round(float(sh), 3))
            for s, zz, sh in zip(scores, z, np.asarray(share), strict=True)]
