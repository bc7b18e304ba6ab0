"""Explanations: the key terms two documents share, in both languages, and the most similar
pair of sentences.

* Exact shared terms come from the analyser: the same stem or the same Korean morpheme.
* Cross-lingual pairs ("반도체" ~ "semiconductor") come from the dense model: the key terms of
  one side in one language are embedded (cached like everything else) and paired with the
  other side's key terms in the other language when they are each other's nearest neighbour
  and their cosine clears a threshold. Mutual nearest neighbours keep the model's "hub" words
  (it finds "startup" close to everything) from pairing with whatever is left.
* The sentence pair is the argmax of the sentence-by-sentence cosine matrix, so a person can
  read the two sentences and judge the match themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from .embedding import CachedEmbedder
from .text import Analyzer, Token, split_sentences
from .types import Document, Explanation, SentencePair, TermMatch

# Cosine above which two mutual-nearest key terms in different languages count as a
# translation pair, per model (measured on a small Korean/English word list; see tests).
TERM_THRESHOLDS = {
    "intfloat/multilingual-e5-small": 0.87,
    # Measured by bench/crosslingual.py on 32 ko/en whole-term pairs (0.88 there for E5 alone).
    "fused(intfloat/multilingual-e5-small+ko/en-centred"
    " + google/universal-sentence-encoder-multilingual-3)": 0.52,
}
DEFAULT_TERM_THRESHOLD = 0.6


def key_terms(
    tokens: list[Token], idf: Callable[[str], float] | None = None, limit: int = 12
) -> list[tuple[str, str, str, float]]:
    """Top terms by tf x idf: (term, most frequent surface form, language, weight).

    Ties are broken by the term itself so the result is deterministic.
    """
    counts = Counter(t.term for t in tokens)
    surfaces: dict[str, Counter] = {}
    langs: dict[str, str] = {}
    for t in tokens:
        surfaces.setdefault(t.term, Counter())[t.surface] += 1
        langs[t.term] = t.lang
    scored = []
    for term, tf in counts.items():
        if len(term) < 2 and langs[term] == "en":
            continue
        weight = (1.0 + np.log(tf)) * (idf(term) if idf else 1.0)
        surface = sorted(surfaces[term].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        scored.append((term, surface, langs[term], float(weight)))
    scored.sort(key=lambda x: (-x[3], x[0]))
    return scored[:limit]


def explain(
    query: Document,
    doc: Document,
    *,
    analyzer: Analyzer,
    embedder: CachedEmbedder,
    idf: Callable[[str], float] | None = None,
    max_terms: int = 8,
) -> Explanation:
    """Explain why ``doc`` matches ``query``."""
    q_tokens = analyzer.tokens(query.full_text())
    d_tokens = analyzer.tokens(doc.full_text())
    q_key = key_terms(q_tokens, idf, limit=30)
    d_key = key_terms(d_tokens, idf, limit=30)
    d_terms = {t for t, *_ in d_key} | {t.term for t in d_tokens}
    d_surface = {t: s for t, s, *_ in d_key}
    for t in d_tokens:
        d_surface.setdefault(t.term, t.surface)

    matches: list[TermMatch] = []
    used_q: set[str] = set()
    used_d: set[str] = set()
    for term, surface, _lang, _w in q_key:
        if term in d_terms:
            matches.append(TermMatch(surface, d_surface[term], 1.0, "exact"))
            used_q.add(term)
            used_d.add(term)

    # Cross-lingual pairs among the remaining key terms.
    q_rest = [k for k in q_key[:15] if k[0] not in used_q]
    d_rest = [k for k in d_key[:15] if k[0] not in used_d]
    if q_rest and d_rest:
        qv = embedder.embed_texts([s for _, s, _, _ in q_rest])
        dv = embedder.embed_texts([s for _, s, _, _ in d_rest])
        sims = qv @ dv.T
        threshold = TERM_THRESHOLDS.get(embedder.embedder.name, DEFAULT_TERM_THRESHOLD)
        best_d = sims.argmax(axis=1)
        best_q = sims.argmax(axis=0)
        pairs = []
        for i, j in enumerate(best_d):
            if best_q[j] != i or q_rest[i][2] == d_rest[j][2]:
                continue  # not mutual, or same language (exact matches handled above)
            if sims[i, j] >= threshold:
                pairs.append((float(sims[i, j]), i, int(j)))
        pairs.sort(key=lambda p: (-p[0], p[1]))
        for sim, i, j in pairs:
            matches.append(TermMatch(q_rest[i][1], d_rest[j][1], round(sim, 4), "cross-lingual"))

    return Explanation(
        shared_terms=tuple(matches[:max_terms]),
        best_sentences=best_sentence_pair(query.full_text(), doc.full_text(), embedder),
    )


def best_sentence_pair(query_text: str, doc_text: str, embedder: CachedEmbedder) -> SentencePair | None:
    """The (query sentence, document sentence) pair with the highest cosine."""
    q_sent = split_sentences(query_text)
    d_sent = split_sentences(doc_text)
    if not q_sent or not d_sent:
        return None
    sims = embedder.embed_documents(q_sent) @ embedder.embed_documents(d_sent).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return SentencePair(q_sent[i], d_sent[j], round(float(sims[i, j]), 4))
