"""The matcher: ranked search over an index and the affinity matrix between two document sets.

Scores are computed the same way in both places:

1. dense  = cosine of the documents' pooled embeddings (cached);
2. lexical = field-weighted BM25 of the query's content tokens against the indexed fields;
3. both standardised over the candidate set of each query, then fused linearly, the lexical
   part scaled by the share of candidates with any lexical evidence (:mod:`.fusion`).

For affinity, each evaluator is represented by several documents (their papers, past
reviews, a written expertise statement). Every profile document is scored against every
application as a query, and the per-document hybrid scores are aggregated per person with
the mean of their ``top_k`` best documents (``top_k=1`` is the max). The default ``top_k``
was chosen on the gold-standard data.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .calibration import Fit, fits, lexical_share
from .embedding import CachedEmbedder, default_embedder
from .explain import explain as _explain
from .fusion import DEFAULT_DENSE_WEIGHT, DEFAULT_FUSION, coverage_fusion, linear_fusion, rrf_fusion
from .lexical import FIELDS, LexicalIndex
from .text import Analyzer, default_analyzer
from .types import Document, Explanation, FieldWeights, Match


@dataclass(frozen=True)
class MatchingConfig:
    """Knobs of the matcher; defaults were chosen on data (docs/decisions.md (matching))."""

    dense_weight: float = DEFAULT_DENSE_WEIGHT
    # "coverage" (z-scores, lexical part scaled by its coverage; the default), "linear"
    # (plain z-scores; the default until issue 12, with dense_weight 0.6) or "rrf"
    fusion: str = DEFAULT_FUSION
    field_weights: FieldWeights = field(default_factory=FieldWeights)
    top_k: int = 5  # profile aggregation: mean of the k best documents per person
    batch_size: int = 256  # profile documents scored per batch in affinity_matrix


def _fuse(config: MatchingConfig, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    if config.fusion == "coverage":
        return coverage_fusion(dense, lexical, config.dense_weight, axis=-1)
    if config.fusion == "rrf":
        return rrf_fusion(dense, lexical, config.dense_weight, axis=-1)
    if config.fusion == "linear":
        return linear_fusion(dense, lexical, config.dense_weight, axis=-1)
    raise ValueError(f"unknown fusion {config.fusion!r}")


_REFERENCE_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_REFERENCE_LOCK = threading.Lock()


def _order(scores: np.ndarray, ids: Sequence[str]) -> list[int]:
    """Indices by descending score; equal scores ordered by id, so ranking is deterministic."""
    id_rank = np.argsort(np.array(ids, dtype=object), kind="stable")
    tie_break = np.empty(len(ids), dtype=np.int64)
    tie_break[id_rank] = np.arange(len(ids))
    return list(np.lexsort((tie_break, -np.round(scores, 9))))


class Matcher:
    """Holds the analyser, the cached embedder and the configuration; cheap to build.

    ``Matcher()`` uses the default offline model with an in-memory cache; pass
    ``CachedEmbedder(model, store)`` to persist vectors (e.g. in the web database). Without
    an ``analyzer`` it uses the process's shared one (:func:`.text.default_analyzer`), so
    building a matcher per request never reloads Kiwi.
    """

    def __init__(
        self,
        embedder: CachedEmbedder | None = None,
        analyzer: Analyzer | None = None,
        config: MatchingConfig | None = None,
    ):
        self.embedder = embedder or CachedEmbedder(default_embedder())
        self.analyzer = analyzer or default_analyzer()
        self.config = config or MatchingConfig()

    # -- building blocks --------------------------------------------------------------
    def embed(self, documents: Sequence[Document]) -> np.ndarray:
        """Pooled, L2-normalised vectors of whole documents (through the cache)."""
        return self.embedder.embed_documents([d.full_text() for d in documents])

    def reference_vectors(self) -> np.ndarray:
        """Vectors of :data:`.reference.REFERENCE_DOCUMENTS` under this matcher's model,
        shape (60, dim); kept per process and (model name, version) after the first call,
        which goes through the cache (a cache-only embedder raises until a task computed them).
        """
        from .reference import REFERENCE_DOCUMENTS

        model = self.embedder.embedder
        key = (model.name, str(getattr(model, "version", "")))
        hit = _REFERENCE_VECTORS.get(key)
        if hit is None:
            hit = self.embed(REFERENCE_DOCUMENTS)
            with _REFERENCE_LOCK:
                _REFERENCE_VECTORS[key] = hit
        return hit

    def fits(self, query: Document, query_vector: np.ndarray, dense: np.ndarray,
             lexical: np.ndarray, idf) -> list[Fit]:
        """Calibrated fits (:mod:`.calibration`) of candidates with cosines ``dense`` (n,) and
        BM25 scores ``lexical`` (n,) for ``query``; ``idf`` is the index's idf function."""
        reference = self.reference_vectors() @ np.asarray(query_vector, dtype=np.float32)
        weights = sum(self.config.field_weights.as_dict().values())
        share = lexical_share(lexical, [idf(t) for t in set(self.query_terms(query))], weights)
        return fits(dense, reference, share, self.embedder.embedder.name)

    def query_terms(self, document: Document) -> list[str]:
        """All content terms of a document, used as the BM25 query."""
        return self.analyzer.terms(document.full_text())

    def index(
        self,
        documents: Sequence[Document],
        *,
        vectors: np.ndarray | None = None,
        lexical: LexicalIndex | None = None,
    ) -> MatchingIndex:
        """Build a searchable index (embeds uncached documents, tokenises all).

        ``vectors`` and ``lexical`` reuse parts already built for exactly these documents
        (a process-wide index cache), so only what is missing is computed.
        """
        return MatchingIndex(self, documents, vectors=vectors, lexical=lexical)

    # -- affinity -----------------------------------------------------------------------
    def affinity_matrix(
        self,
        profiles: Mapping[str, Sequence[Document]],
        targets: Sequence[Document] | MatchingIndex,
        *,
        top_k: int | None = None,
    ) -> AffinityMatrix:
        """Affinity of every person (rows) for every target document (columns).

        ``profiles`` maps a person id to the documents that show their expertise; a person
        with no documents gets a row of zeros. People are scored in batches of about
        ``config.batch_size`` documents, so memory stays bounded by batch x targets.
        """
        index = targets if isinstance(targets, MatchingIndex) else self.index(targets)
        k = top_k or self.config.top_k
        people = list(profiles)
        n_targets = len(index.ids)
        scores = np.zeros((len(people), n_targets), dtype=np.float64)
        dense_out = np.zeros_like(scores)
        lex_out = np.zeros_like(scores)
        for rows in _person_batches([len(profiles[p]) for p in people], self.config.batch_size):
            docs = [d for r in rows for d in profiles[people[r]]]
            if not docs:
                continue
            dense = self.embed(docs) @ index.vectors.T
            lexical = np.vstack([index.lexical.scores(self.query_terms(d)) for d in docs])
            fused = _fuse(self.config, dense, lexical)
            pos = 0
            for r in rows:
                n = len(profiles[people[r]])
                if n:
                    block = slice(pos, pos + n)
                    scores[r] = _top_k_mean(fused[block], k)
                    dense_out[r] = _top_k_mean(dense[block], k)
                    lex_out[r] = _top_k_mean(lexical[block], k)
                pos += n
        return AffinityMatrix(
            row_ids=tuple(people), col_ids=tuple(index.ids), scores=scores, dense=dense_out, lexical=lex_out
        )

    def explain(self, query: Document, doc: Document, idf=None) -> Explanation:
        """Shared key terms (both languages) and the most similar sentence pair."""
        return _explain(query, doc, analyzer=self.analyzer, embedder=self.embedder, idf=idf)


def _person_batches(doc_counts: Sequence[int], batch_size: int) -> list[list[int]]:
    """Group consecutive people so each group has about ``batch_size`` documents; a person's
    documents are never split, so aggregation happens inside one batch."""
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for person, count in enumerate(doc_counts):
        if current and size + count > max(1, batch_size):
            batches.append(current)
            current, size = [], 0
        current.append(person)
        size += count
    if current:
        batches.append(current)
    return batches


def _top_k_mean(block: np.ndarray, k: int) -> np.ndarray:
    """Column-wise mean of the k largest values (k >= number of rows means plain mean)."""
    if block.shape[0] <= k:
        return block.mean(axis=0)
    part = np.partition(block, block.shape[0] - k, axis=0)[-k:]
    return part.mean(axis=0)


@dataclass(frozen=True)
class AffinityMatrix:
    """Rows are people, columns target documents; higher is a better fit.

    ``scores`` are fused, standardised scores (comparable within a column and a row, not
    bounded); ``dense`` and ``lexical`` are the aggregated components for display.
    ``normalised()`` rescales to [0, 1] for solvers that want a bounded affinity.
    """

    row_ids: tuple[str, ...]
    col_ids: tuple[str, ...]
    scores: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray

    def normalised(self) -> np.ndarray:
        lo, hi = float(self.scores.min(initial=0.0)), float(self.scores.max(initial=0.0))
        if hi - lo < 1e-12:
            return np.zeros_like(self.scores)
        return (self.scores - lo) / (hi - lo)

    def ranked_for(self, col_id: str) -> list[tuple[str, float]]:
        """People ranked for one target (e.g. evaluators for an application)."""
        col = self.col_ids.index(col_id)
        order = _order(self.scores[:, col], self.row_ids)
        return [(self.row_ids[i], float(self.scores[i, col])) for i in order]


class MatchingIndex:
    """An immutable, searchable set of documents (e.g. all open tracks, all opted-in startups)."""

    def __init__(
        self,
        matcher: Matcher,
        documents: Sequence[Document],
        *,
        vectors: np.ndarray | None = None,
        lexical: LexicalIndex | None = None,
    ):
        ids = [d.id for d in documents]
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique")
        self.matcher = matcher
        self.documents = list(documents)
        self.ids = ids
        self._by_id = {d.id: d for d in self.documents}
        if lexical is None:
            lexical = LexicalIndex(matcher.analyzer, matcher.config.field_weights)
            lexical.build(self.documents)
        elif lexical.size != len(self.documents):
            raise ValueError("the lexical index was built for other documents")
        self.lexical = lexical
        self.vectors = matcher.embed(self.documents) if vectors is None else vectors
        if self.vectors.shape[0] != len(self.documents):
            raise ValueError("one vector per document is needed")

    def __len__(self) -> int:
        return len(self.documents)

    def search(
        self,
        query: Document,
        k: int = 20,
        *,
        exclude: Sequence[str] = (),
        explain: bool = False,
        query_vector: np.ndarray | None = None,
    ) -> list[Match]:
        """The ``k`` best documents for ``query``, best first; ties broken by document id.

        ``query_vector`` lets a caller pass an embedding it already has (the web layer keeps
        profile vectors); otherwise the query is embedded through the cache.
        """
        if not self.documents or k <= 0:
            return []
        if query_vector is None:
            query_vector = self.matcher.embed([query])[0]
        # einsum is a single-threaded loop: on a busy 2-core server it beats a BLAS matvec
        # that hands 20k rows to worker threads (measured in bench/matching_speed.py).
        dense = np.einsum("ij,j->i", self.vectors, np.asarray(query_vector, dtype=np.float32))
        lexical = self.lexical.scores(self.matcher.query_terms(query))
        fused = _fuse(self.matcher.config, dense, lexical)
        excluded = set(exclude) | {query.id}
        results: list[Match] = []
        picked: list[int] = []
        if k < len(self.ids):
            # Partial selection first (fast for 20k docs), then a deterministic full sort of
            # everything that can still tie with the k-th score.
            kth = np.partition(fused, len(fused) - min(len(fused), k + len(excluded)))[
                len(fused) - min(len(fused), k + len(excluded))
            ]
            candidates = np.flatnonzero(fused >= kth - 1e-9)  # _order compares at 1e-9
        else:
            candidates = np.arange(len(self.ids))
        cand_ids = [self.ids[i] for i in candidates]
        for pos in _order(fused[candidates], cand_ids):
            i = int(candidates[pos])
            if self.ids[i] in excluded:
                continue
            results.append(
                Match(
                    doc_id=self.ids[i],
                    rank=len(results) + 1,
                    score=float(fused[i]),
                    dense=float(dense[i]),
                    lexical=float(lexical[i]),
                )
            )
            picked.append(i)
            if len(results) == k:
                break
        if results and self.matcher.config.dense_weight > 0 and np.any(query_vector):
            # The fit is a statement about meaning: without a dense part (a lexical-only
            # ranking, or an empty query) there is none to show.
            found = self.matcher.fits(query, query_vector, dense[picked], lexical[picked],
                                      self.lexical.idf)
            results = [replace(m, fit=f) for m, f in zip(results, found, strict=True)]
        if explain:
            results = [replace(m, explanation=self.explain(query, m.doc_id)) for m in results]
        return results

    def explain(self, query: Document, doc_id: str) -> Explanation:
        """Explanation of one result (computed on demand; sentence vectors are cached)."""
        return self.matcher.explain(query, self._by_id[doc_id], idf=self.lexical.idf)


__all__ = ["FIELDS", "AffinityMatrix", "Matcher", "MatchingConfig", "MatchingIndex"]
