"""Plain data types that go in and out of the matching engine (no framework objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .calibration import Fit


@dataclass(frozen=True, slots=True)
class Document:
    """Anything that can be matched: a startup profile, a track, an application, a paper.

    The engine is language-agnostic: any field may be Korean, English or both. ``keywords``
    are kept apart because people choose them deliberately, so they get their own BM25 weight.
    """

    id: str
    title: str = ""
    keywords: tuple[str, ...] = ()
    description: str = ""

    def fields(self) -> dict[str, str]:
        """The text of each lexical field."""
        return {
            "title": self.title or "",
            "keywords": " ; ".join(k for k in self.keywords if k),
            "description": self.description or "",
        }

    def full_text(self) -> str:
        """The text the dense model sees: title, keywords and description as sentences."""
        parts = [self.title.strip() if self.title else ""]
        if self.keywords:
            parts.append(", ".join(k.strip() for k in self.keywords if k and k.strip()))
        parts.append(self.description.strip() if self.description else "")
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """Multipliers for the BM25 score of each field.

    Equal by default: on the gold standard a title boost of 2 or 3 made matching worse
    (loss 0.249 / 0.252 vs 0.246 with 1; docs/decisions.md (matching)), and there is no data
    for keywords, so they get no boost either. Operators can raise them per deployment.
    """

    title: float = 1.0
    keywords: float = 1.0
    description: float = 1.0

    def as_dict(self) -> dict[str, float]:
        return {"title": self.title, "keywords": self.keywords, "description": self.description}


@dataclass(frozen=True, slots=True)
class TermMatch:
    """A key term the two documents share: the same stem, or a translation found by the model."""

    query_term: str
    doc_term: str
    similarity: float
    kind: Literal["exact", "cross-lingual"]


@dataclass(frozen=True, slots=True)
class SentencePair:
    """The two sentences, one from each side, that the model finds most alike."""

    query_sentence: str
    doc_sentence: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why two documents match, in words a person can check."""

    shared_terms: tuple[TermMatch, ...] = ()
    best_sentences: SentencePair | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked result. ``score`` is the fused score used for ranking; ``dense`` is the
    cosine similarity and ``lexical`` the weighted BM25 score, kept for debugging; ``fit`` is
    the calibrated 0-100 fit people see (:mod:`.calibration`), None when the ranking has no
    dense part (a lexical-only fallback)."""

    doc_id: str
    rank: int
    score: float
    dense: float
    lexical: float
    explanation: Explanation | None = field(default=None, compare=False)
    fit: Fit | None = field(default=None, compare=False)
