"""Field-weighted BM25 over the content tokens of :mod:`.text` (``bm25s`` does the scoring).

One BM25 index per field (title, keywords, description), each with its own length
normalisation, and a weighted sum of the per-field scores: a term in a title is stronger
evidence than the same term deep in a description. This is the classic "BM25 per field,
then combine" scheme; it keeps ``bm25s`` doing all the heavy sparse arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .text import Analyzer
from .types import Document, FieldWeights

FIELDS = ("title", "keywords", "description")


class LexicalIndex:
    """BM25 scores of a query document against every indexed document."""

    def __init__(
        self,
        analyzer: Analyzer,
        field_weights: FieldWeights | None = None,
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ):
        self.analyzer = analyzer
        self.field_weights = field_weights or FieldWeights()
        self._k1 = k1
        self._b = b
        self._indexes: dict[str, object] = {}
        self._df: dict[str, int] = {}
        self.size = 0

    def build(self, documents: Sequence[Document], doc_terms: Sequence[dict[str, list[str]]] | None = None) -> None:
        """Index ``documents``; ``doc_terms`` may pass pre-tokenised fields to avoid rework."""
        import bm25s

        if doc_terms is None:
            doc_terms = [self.field_terms(d) for d in documents]
        self.size = len(documents)
        self._indexes = {}
        df: dict[str, int] = {}
        for terms in doc_terms:
            for term in {t for f in FIELDS for t in terms[f]}:
                df[term] = df.get(term, 0) + 1
        self._df = df
        for name in FIELDS:
            corpus = [terms[name] for terms in doc_terms]
            if self.field_weights.as_dict()[name] == 0 or not any(corpus):
                continue
            retriever = bm25s.BM25(k1=self._k1, b=self._b)
            retriever.index(corpus, show_progress=False)
            self._indexes[name] = retriever

    def field_terms(self, document: Document) -> dict[str, list[str]]:
        return {name: self.analyzer.terms(text) for name, text in document.fields().items()}

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of a term in this index (for key terms)."""
        n = max(self.size, 1)
        return float(np.log1p((n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5)))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """Weighted BM25 of the query terms against every document, shape (size,)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not query_terms or self.size == 0:
            return total
        weights = self.field_weights.as_dict()
        terms = list(query_terms)
        for name, retriever in self._indexes.items():
            total += weights[name] * np.asarray(retriever.get_scores(terms), dtype=np.float32)
        return total
