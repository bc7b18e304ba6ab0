"""Near-duplicate questions (live Q&A): pairs of texts that ask the same thing, in Korean or
English, from their sentence vectors.

Pure numpy. Vectors are the default embedder's (:func:`~.embedding.default_embedder`, fused
E5-small + USE-multilingual, L2-normalised), so the cosine is a dot product and a Korean
question and its English translation land close (bench/qna_duplicates.py).

:data:`SAME_LANGUAGE_THRESHOLD` and :data:`CROSS_LANGUAGE_THRESHOLD` were chosen on the labelled pairs of
tests/engine/data/qna_duplicates.json (duplicates across and within languages, and hard
negatives: same topic, another question); precision and recall at those thresholds are in
docs/benchmarks.md ("Live Q&A: near-duplicate questions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embedding import hangul_share

#: Cosine at or above which two questions in the same language are suggested as duplicates,
#: and the lower one for a Korean and an English question: the default embedder puts a
#: sentence and its translation further apart (0.59–0.83 on the labelled set) than two
#: same-language questions that merely share a topic (up to 0.90), so one threshold for both
#: either misses most translations or suggests most near-misses.
SAME_LANGUAGE_THRESHOLD = 0.77
CROSS_LANGUAGE_THRESHOLD = 0.60
#: A text is Korean when at least this share of its letters are Hangul.
KOREAN_SHARE = 0.3


def is_korean(text: str) -> bool:
    """Whether ``text`` counts as Korean for the threshold (Hangul share >= 0.3)."""
    return hangul_share(text) >= KOREAN_SHARE


def threshold_for(korean_a: bool, korean_b: bool, *, same: float = SAME_LANGUAGE_THRESHOLD,
                  cross: float = CROSS_LANGUAGE_THRESHOLD) -> float:
    return same if korean_a == korean_b else cross


@dataclass(frozen=True)
class DuplicatePair:
    """``duplicate`` (the newer question) probably asks what ``original`` asks; ``score`` is
    their cosine in [-1, 1]."""

    duplicate: str
    original: str
    score: float


def duplicate_pairs(ids: Sequence[str], vectors: np.ndarray, korean: Sequence[bool], *,
                    same: float = SAME_LANGUAGE_THRESHOLD,
                    cross: float = CROSS_LANGUAGE_THRESHOLD,
                    per_question: int = 1) -> list[DuplicatePair]:
    """Suggested merges among questions, best first.

    ``ids`` are in posting order (oldest first), ``vectors`` is ``(len(ids), dim)`` with rows
    L2-normalised (zero rows never match) and ``korean[i]`` says whether question ``i`` is
    Korean (:func:`is_korean`). A pair is suggested when its cosine reaches ``same`` (same
    language) or ``cross`` (Korean and English). Each question is paired with at most
    ``per_question`` older ones, best first — the newer question is the one to merge into the
    older. Raises ValueError when the lengths disagree. O(n²·dim) time: a live Q&A has
    hundreds of questions, not millions.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(ids) or len(korean) != len(ids):
        raise ValueError(f"{len(ids)} ids, {len(korean)} languages but vectors of shape "
                         f"{vectors.shape}")
    if len(ids) < 2:
        return []
    sims = vectors @ vectors.T
    pairs: list[DuplicatePair] = []
    for j in range(1, len(ids)):
        older = sims[j, :j]
        passing = [i for i in np.argsort(-older, kind="stable")
                   if older[i] >= threshold_for(korean[j], korean[i], same=same, cross=cross)]
        pairs.extend(DuplicatePair(ids[j], ids[int(i)], float(older[i]))
                     for i in passing[:per_question])
    pairs.sort(key=lambda p: (-p.score, p.duplicate, p.original))
    return pairs


def precision_recall(scores: Sequence[float], labels: Sequence[bool],
                     threshold: float) -> tuple[float, float]:
    """(precision, recall) of "score >= threshold" against ``labels`` (True = duplicate).
    Precision is 1.0 when nothing is predicted; recall is 1.0 when nothing is a duplicate."""
    predicted = [s >= threshold for s in scores]
    tp = sum(p and t for p, t in zip(predicted, labels, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, labels, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall
