"""Explanations: the key terms two documents share, in both languages, and the most similar
pair of sentences.

Terms are *whole* terms, as a person writes them (issue 12, item 3):

* Candidates are the 1- to 3-unit spans of each noun-phrase chunk (:meth:`.text.Analyzer.chunks`):
  a unit is a Korean compound merged back from Kiwi's morphemes ("자율주행", not "자율" +
  "주행") or one English word, so "음성 에이전트", "autonomous driving" and "LLM API" are
  candidates. Keys compare Korean morphemes joined without spaces (Korean spacing varies:
  "음성에이전트" = "음성 에이전트") and English Snowball stems ("voice agents" = "voice agent").
* Domain stop-words (:data:`GENERIC_TERMS`, :data:`NOT_ALONE_TERMS`, :data:`BREAK_TERMS`) are
  never shown as a term of their own; see docs/decisions.md ("Explanations in whole terms").
* Exact shared terms are candidates with the same key on both sides; only the longest are kept
  ("autonomous driving" hides "driving").
* Cross-lingual pairs ("반도체" ~ "semiconductor") come from the dense model: the remaining
  Korean candidates of one side and English candidates of the other are embedded (cached like
  every vector) and paired by cosine after removing each language's mean direction
  (:func:`term_centre`), each unit used once, and only above the model's threshold
  (:func:`term_threshold`), measured on a labelled list of true and wrong Korean-English
  term pairs (:mod:`.term_pairs`).
* The sentence pair is the argmax of the sentence-by-sentence cosine matrix, so a person can
  read the two sentences and judge the match themselves.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .embedding import CachedEmbedder
from .text import Analyzer, Token, Unit, display_text, has_hangul, split_sentences
from .types import Document, Explanation, SentencePair, TermMatch

# Centred cosine (:func:`centred_terms`) above which a Korean and an English term count as a
# translation pair, per model name.
# Each value is :func:`measure_term_threshold` on :data:`.term_pairs.LABELLED_TERM_PAIRS`
# (tests/engine/matching/test_explain.py re-measures the default model's entry and fails when
# it is stale). A model without an entry is measured at run time on the same list (through
# the embedding cache), so an operator's model never falls back to a guessed constant.
TERM_THRESHOLDS: dict[str, float] = {
    "intfloat/multilingual-e5-small": 0.335,
    # the packaged default since issue 12, item 5 (embedding.default_embedder)
    "fused(intfloat/multilingual-e5-small+ko/en-centred"
    " + google/universal-sentence-encoder-multilingual-3)": 0.31,
}

# The share of the labelled list's wrong pairs a threshold may let through (see
# measure_term_threshold): none. An explanation compares each term with up to twenty
# candidates and shows the best, so a per-pair rate of one in twenty would still show a wrong
# pair in most explanations (measured: 0.18 for E5 let "신약 ~ NPU" through).
WRONG_PAIR_RATE = 0.0

# Domain stop-words (keys: Korean morphemes joined, English Snowball stems). In a programme
# whose partners are AI companies nearly every text says AI, 개발 and startup (67 %, 97 % and
# 97 % of the demo's documents; bench/explain_terms.py), and the rest are heads that name no
# field (서비스, 솔루션, 기업, platform, technology ...) and filled the explanations before
# issue 12: seeing one on both sides says nothing about fit.
# * GENERIC_TERMS are heads and fillers: never a term of their own and never at the edge of
#   one ("API 플랫폼" is shown as "API"; "음성 AI 서비스" as "음성 AI").
# * NOT_ALONE_TERMS are too broad alone but specific as part of a longer term: "AI" alone is
#   hidden, "generative AI", "AI 반도체" and "physical AI" are kept; likewise data
#   ("data labelling", "데이터센터") and global.
# * BREAK_TERMS are connectors ("카메라 기반 자율주행" = camera-based self-driving): they split
#   a phrase into two terms, like English function words do.
GENERIC_TERMS = frozenset({
    # Korean
    "개발", "개발사", "기술", "플랫폼", "서비스", "솔루션", "기업", "회사", "스타트업", "창업",
    "창업기업", "업체", "제공", "지원", "사업", "분야", "제품", "시스템", "트랙", "프로그램",
    "전문", "경우", "가능", "운영", "구축", "고객사",
    # English stems
    "platform", "servic", "solut", "compani", "startup", "develop", "technolog", "technic",
    "product", "provid", "support", "track", "program", "programm", "system", "busi", "firm",
    "build", "help", "make", "take", "reach", "offer", "creat", "includ", "prefer", "appli",
    "want", "look", "bring", "run", "give", "get", "need", "seek", "find", "work", "enabl",
})
NOT_ALONE_TERMS = frozenset({"ai", "인공지능", "데이터", "data", "글로벌", "global", "한국",
                             "korea", "korean", "국내", "해외"})
BREAK_TERMS = frozenset({"기반", "관련", "대상", "이용", "활용", "중심", "통한", "등", "및",
                         "분야", "위주"})
MAX_TERM_UNITS = 3


@dataclass(frozen=True, slots=True)
class Term:
    """A candidate term of one document: ``key`` compares, ``surface`` is shown.

    ``units`` are the unit keys it spans (to keep "autonomous driving" from also being shown
    as "driving"); ``weight`` is its tf x idf; ``lang`` is "ko" when it contains Hangul.
    """

    key: str
    surface: str
    units: tuple[str, ...]
    lang: str
    weight: float


def term_key(units: Sequence[Unit]) -> str:
    """The comparison key of a span: Korean (or mixed) spans join their unit keys without
    spaces, English spans with one space."""
    if any(u.hangul for u in units):
        return "".join(u.key for u in units)
    return " ".join(u.key for u in units)


def _spans(chunk: list[Unit]):
    """1- to MAX_TERM_UNITS-unit spans of a chunk that may be shown as a term."""
    parts: list[list[Unit]] = [[]]
    for u in chunk:  # connectors split the chunk
        if u.key in BREAK_TERMS:
            parts.append([])
        else:
            parts[-1].append(u)
    for part in parts:
        for i in range(len(part)):
            for n in range(1, MAX_TERM_UNITS + 1):
                span = part[i:i + n]
                if len(span) < n:
                    break
                if span[0].key in GENERIC_TERMS or span[-1].key in GENERIC_TERMS:
                    continue
                if all(u.key in GENERIC_TERMS or u.key in NOT_ALONE_TERMS for u in span):
                    continue
                if len(span) == 1 and len(span[0].key) < 2 and not span[0].key.isdigit():
                    continue
                yield span


def candidate_terms(
    text: str, analyzer: Analyzer, idf: Callable[[str], float] | None = None
) -> list[Term]:
    """Every candidate term of ``text``, heaviest first (ties by key, so deterministic).

    Weight = (1 + ln tf) x sum over units of the unit's largest index-term idf (1 without an
    index): a longer term that people wrote as a phrase outweighs its parts.
    """
    shown = display_text(text)
    counts: Counter[str] = Counter()
    surfaces: dict[str, Counter] = {}
    spans: dict[str, list[Unit]] = {}
    for chunk in analyzer.chunks(text):
        for span in _spans(chunk):
            key = term_key(span)
            counts[key] += 1
            surfaces.setdefault(key, Counter())[shown[span[0].start:span[-1].end]] += 1
            spans.setdefault(key, span)
    terms = []
    for key, tf in counts.items():
        span = spans[key]
        unit_weight = sum(max((idf(t) for t in u.terms), default=1.0) if idf else 1.0
                          for u in span)
        surface = sorted(surfaces[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        terms.append(Term(key, surface, tuple(u.key for u in span),
                          "ko" if has_hangul(surface) else "en",
                          float((1.0 + np.log(tf)) * unit_weight)))
    terms.sort(key=lambda t: (-t.weight, t.key))
    return terms


def key_terms(
    tokens: list[Token], idf: Callable[[str], float] | None = None, limit: int = 12
) -> list[tuple[str, str, str, float]]:
    """Top index terms by tf x idf: (term, most frequent surface form, language, weight).

    The analyser's view (morphemes and stems, what BM25 sees); explanations use
    :func:`candidate_terms`. Ties are broken by the term itself so the result is deterministic.
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


# -- the cross-lingual threshold -------------------------------------------------------------

_MEASURED: dict[tuple[str, str], float] = {}
_CENTRES: dict[tuple[str, str], dict[str, np.ndarray]] = {}
_MEASURED_LOCK = threading.Lock()


def centred(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """``vectors`` minus ``centre``, L2-normalised again (rows of zeros stay zero)."""
    shifted = np.asarray(vectors, dtype=np.float32) - centre
    norms = np.linalg.norm(shifted, axis=-1, keepdims=True)
    return shifted / np.where(norms > 0, norms, 1.0)


def term_centre(embed: Callable[[list[str]], np.ndarray]) -> dict[str, np.ndarray]:
    """Mean vector of the Korean and of the English :data:`.term_pairs.CENTRING_TERMS` under
    a model: ``{"ko": (dim,), "en": (dim,)}``.

    Short terms share a large common direction in these models (two unrelated terms have a
    cosine of about 0.8), and each language adds its own; comparing terms after removing the
    mean of their language is what makes translation pairs stand out (on the labelled list,
    E5-small's ROC AUC is 0.90 on raw cosines and 0.98 after centring; bench/explain_terms.py).
    """
    from .term_pairs import CENTRING_TERMS

    out = {}
    for lang in ("ko", "en"):
        texts = [t for t in CENTRING_TERMS if has_hangul(t) == (lang == "ko")]
        out[lang] = np.asarray(embed(texts), dtype=np.float32).mean(axis=0)
    return out


def centred_terms(embed: Callable[[list[str]], np.ndarray], texts: Sequence[str],
                  centre: dict[str, np.ndarray]) -> np.ndarray:
    """Vectors of ``texts`` with their language's centre removed, L2-normalised (n, dim)."""
    vectors = np.asarray(embed(list(texts)), dtype=np.float32)
    if not len(texts):
        return vectors
    centres = np.stack([centre["ko" if has_hangul(t) else "en"] for t in texts])
    return centred(vectors, centres)


def measure_term_threshold(
    embed: Callable[[list[str]], np.ndarray],
    pairs: Sequence[tuple[str, str, bool]] | None = None,
    wrong_pair_rate: float = WRONG_PAIR_RATE,
) -> float:
    """The centred cosine a Korean-English term pair must reach to be shown, for one model.

    ``embed`` maps texts to L2-normalised vectors (e.g. ``CachedEmbedder.embed_texts``);
    ``pairs`` are (Korean term, English term, is a translation) rows, by default
    :data:`.term_pairs.LABELLED_TERM_PAIRS`. Similarity is the cosine after removing each
    language's mean direction (:func:`term_centre`, :func:`centred_terms`). The threshold is the
    (1 - ``wrong_pair_rate``) quantile of the wrong pairs' similarities (by default their
    maximum), rounded *up* to the next 0.005 above it, so no labelled wrong pair gets through.
    Raises ``ValueError`` without wrong pairs.
    """
    if pairs is None:
        from .term_pairs import LABELLED_TERM_PAIRS as pairs
    wrong = [(ko, en) for ko, en, ok in pairs if not ok]
    if not wrong:
        raise ValueError("the term list needs wrong pairs to measure a threshold")
    centre = term_centre(embed)
    ko = centred_terms(embed, [k for k, _ in wrong], centre)
    en = centred_terms(embed, [e for _, e in wrong], centre)
    sims = np.sum(ko * en, axis=1)
    q = float(np.quantile(sims, 1.0 - wrong_pair_rate, method="higher"))
    return float(np.floor(q * 200 + 1e-6) / 200 + 0.005)


def _model_key(embedder: CachedEmbedder) -> tuple[str, str]:
    return embedder.embedder.name, str(getattr(embedder.embedder, "version", ""))


def model_term_centre(embedder: CachedEmbedder) -> dict[str, np.ndarray]:
    """:func:`term_centre` of ``embedder``'s model, computed once per (name, version)."""
    key = _model_key(embedder)
    hit = _CENTRES.get(key)
    if hit is None:
        hit = term_centre(embedder.embed_texts)
        with _MEASURED_LOCK:
            _CENTRES[key] = hit
    return hit


def term_threshold(embedder: CachedEmbedder) -> float:
    """The threshold of ``embedder``'s model: :data:`TERM_THRESHOLDS` by model name, else
    measured once per (name, version) on the labelled list through the cache (so a page with
    a cache-only embedder raises its "not cached" error until a task has embedded the list)."""
    name, _version = key = _model_key(embedder)
    if name in TERM_THRESHOLDS:
        return TERM_THRESHOLDS[name]
    hit = _MEASURED.get(key)
    if hit is None:
        hit = measure_term_threshold(embedder.embed_texts)
        with _MEASURED_LOCK:
            _MEASURED[key] = hit
    return hit


# -- explanation -------------------------------------------------------------------------------


def _covered(term: Term, shown: list[Term]) -> bool:
    return any(set(term.units) & set(s.units) for s in shown)


def _contains(longer: Term, shorter: Term) -> bool:
    n, m = len(longer.units), len(shorter.units)
    return m < n and any(longer.units[i:i + m] == shorter.units for i in range(n - m + 1))


def _single_script(term: Term) -> bool:
    """Korean-only or Latin-only: a mixed term ("음성 AI") would pair with any English term
    that shares its Latin word, which says nothing about translation."""
    return term.lang == "en" or not any(c.isascii() and c.isalnum() for c in term.surface)


def shared_terms(
    query: Document,
    doc: Document,
    *,
    analyzer: Analyzer,
    embedder: CachedEmbedder,
    idf: Callable[[str], float] | None = None,
    max_terms: int = 8,
    cross_candidates: int = 20,
) -> tuple[TermMatch, ...]:
    """Whole terms the two documents share: exact ones first (heaviest first), then
    translation pairs (most similar first). At most ``max_terms``.

    Exact terms come from the whole document; translation pairs only from keywords and
    description, because titles are mostly names (a company called 드라이브모빌리티 is not a
    translation of "autonomous driving"). A pair must be each other's nearest candidate in the
    other language (mutual nearest neighbours, which keeps hub terms from pairing with
    whatever is left) and reach :func:`term_threshold`.
    """
    q_terms = candidate_terms(query.full_text(), analyzer, idf)
    d_terms = candidate_terms(doc.full_text(), analyzer, idf)
    d_by_key = {t.key: t for t in d_terms}
    common = [t for t in q_terms if t.key in d_by_key]
    exact = [t for t in common if not any(_contains(o, t) for o in common)]
    matches = [TermMatch(t.surface, d_by_key[t.key].surface, 1.0, "exact") for t in exact]
    if len(matches) >= max_terms:
        return tuple(matches[:max_terms])

    def rest(document: Document, shown: list[Term]) -> list[Term]:
        body = Document(document.id, "", document.keywords, document.description).full_text()
        terms = [t for t in candidate_terms(body, analyzer, idf)
                 if _single_script(t) and not _covered(t, shown)]
        return terms[:cross_candidates]

    q_rest = rest(query, exact)
    d_rest = rest(doc, [d_by_key[e.key] for e in exact])
    ko_q = [i for i, t in enumerate(q_rest) if t.lang == "ko"]
    en_q = [i for i, t in enumerate(q_rest) if t.lang == "en"]
    ko_d = [j for j, t in enumerate(d_rest) if t.lang == "ko"]
    en_d = [j for j, t in enumerate(d_rest) if t.lang == "en"]
    if not ((ko_q and en_d) or (en_q and ko_d)):
        return tuple(matches)
    threshold = term_threshold(embedder)
    centre = model_term_centre(embedder)
    qv = centred_terms(embedder.embed_texts, [t.surface for t in q_rest], centre)
    dv = centred_terms(embedder.embed_texts, [t.surface for t in d_rest], centre)
    sims = qv @ dv.T
    pairs = []
    for rows, cols in ((ko_q, en_d), (en_q, ko_d)):
        if not rows or not cols:
            continue
        block = sims[np.ix_(rows, cols)]
        best_col = block.argmax(axis=1)
        best_row = block.argmax(axis=0)
        for r, c in enumerate(best_col):
            if best_row[c] == r and block[r, c] >= threshold:
                pairs.append((float(block[r, c]), rows[r], cols[int(c)]))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_q: list[Term] = []
    used_d: list[Term] = []
    for sim, i, j in pairs:
        if _covered(q_rest[i], used_q) or _covered(d_rest[j], used_d):
            continue
        used_q.append(q_rest[i])
        used_d.append(d_rest[j])
        matches.append(TermMatch(q_rest[i].surface, d_rest[j].surface, round(sim, 4),
                                 "cross-lingual"))
    return tuple(matches[:max_terms])


def explain(
    query: Document,
    doc: Document,
    *,
    analyzer: Analyzer,
    embedder: CachedEmbedder,
    idf: Callable[[str], float] | None = None,
    max_terms: int = 8,
) -> Explanation:
    """Explain why ``doc`` matches ``query``: shared whole terms and the closest sentences."""
    return Explanation(
        shared_terms=shared_terms(query, doc, analyzer=analyzer, embedder=embedder, idf=idf,
                                  max_terms=max_terms),
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
