"""Text pipeline: normalisation, Korean/English tokenisation, sentences and chunks.

Why this shape:

* Startups write Korean with English product words mixed in ("NPU 반도체", "AI반도체 설계"),
  partners write English. Lexical matching only works if both scripts end up as comparable
  *content* tokens, so Korean goes through a morphological analyser (kiwipiepy) that strips
  particles and endings, and English goes through a Snowball stemmer.
* The text is split into whitespace words first. Runs of consecutive words that contain
  Hangul go to Kiwi together (it needs context to disambiguate); Latin words go straight to
  the English path. Latin pieces that Kiwi finds *inside* a Hangul word ("5G칩") are sent
  back through the English path, so "5G" gives the same token in both languages.
* Nothing here truncates: :func:`chunk_text` splits long texts at sentence boundaries into
  pieces that fit a model's budget, and every character ends up in exactly one chunk.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_HANGUL_RE = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_LATIN_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?。？！])\s+|\n\s*\n|\n(?=\s*[-*•·▪])")
_WS_RE = re.compile(r"\s+")

# Kiwi part-of-speech tags that carry content (Sejong tag set as used by Kiwi):
# general/proper nouns, verb and adjective roots, roots (XR), foreign words, hanja, numbers.
_NOUN_TAGS = frozenset({"NNG", "NNP", "XR"})
_PREDICATE_TAGS = frozenset({"VV", "VA", "VV-R", "VV-I", "VA-R", "VA-I"})
_FOREIGN_TAGS = frozenset({"SL", "SH", "SN"})

# A short English stop list: function words that would otherwise dominate BM25 on long
# abstracts. Content words are never listed here.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "via", "per", "using", "based", "use", "used", "new", "paper", "propose", "proposed", "show", "shows", "shown", "approach", "method", "methods", "results", "result", "well", "however", "thus", "may", "might", "must", "one", "two", "three", "within", "without", "across", "among", "toward", "towards"]
)


def normalize(text: str) -> str:
    """NFKC-normalise, compose Hangul jamo, fold case and collapse whitespace.

    NFKC turns full-width Latin letters and digits (common in Korean input methods) into
    ASCII and composes decomposed Hangul (macOS file names, copy-paste from PDFs) into
    syllables, so "반도체" typed either way is one token. ``casefold`` is stronger than
    ``lower`` for the rare non-ASCII Latin letters.
    """
    if not text:
        return ""
    composed = unicodedata.normalize("NFKC", text)
    return _WS_RE.sub(" ", composed.casefold()).strip()


def has_hangul(text: str) -> bool:
    """True when the text contains at least one Hangul syllable or jamo."""
    return _HANGUL_RE.search(text) is not None


@dataclass(frozen=True, slots=True)
class Token:
    """One content token: ``term`` is the index form, ``surface`` what the person wrote."""

    term: str
    surface: str
    lang: str  # "ko" for Korean morphemes, "en" for Latin/other words


_KIWI = None
_KIWI_INIT_LOCK = threading.Lock()
_KIWI_LOCK = threading.Lock()  # one analysis at a time: Kiwi's thread-safety is not assumed
KIWI_LOADS = 0  # how many Kiwi models this process has built (tests check it stays at 1)


def shared_kiwi():
    """The process's one Kiwi model, built on first use (about 1.2 s) under a lock."""
    global _KIWI, KIWI_LOADS
    if _KIWI is None:
        with _KIWI_INIT_LOCK:
            if _KIWI is None:
                from kiwipiepy import Kiwi

                KIWI_LOADS += 1
                _KIWI = Kiwi()
    return _KIWI


class Analyzer:
    """Turns free text into content tokens; one instance is safe to share between threads.

    Every instance uses the process's single Kiwi model (:func:`shared_kiwi`), built lazily
    on the first Korean input; texts without Hangul never load it. Use
    :func:`default_analyzer` rather than constructing one: it is the process's shared
    instance, so its memo of analysed Korean phrases stays warm across requests.
    ``Matcher()`` uses it when no analyser is passed.
    """

    version = "1"  # bump when tokenisation changes, so dependent caches can be rebuilt
    memo_size = 50_000  # Korean phrases remembered (cleared wholesale when full)

    def __init__(self, *, stem: bool = True, stopwords: Iterable[str] = ENGLISH_STOPWORDS):
        self._stem = stem
        self._stopwords = frozenset(stopwords)
        self._memo: dict[str, tuple[Token, ...]] = {}
        self._unit_memo: dict[str, tuple] = {}
        self._stemmer = None
        if stem:
            import Stemmer  # PyStemmer: C Snowball stemmers, maintained, wheels on PyPI

            self._stemmer = Stemmer.Stemmer("english")

    # -- public -------------------------------------------------------------------------
    def tokens(self, text: str) -> list[Token]:
        """Content tokens of ``text`` in reading order (duplicates kept, for term counts)."""
        norm = normalize(text)
        if not norm:
            return []
        out: list[Token] = []
        words = norm.split(" ")
        run: list[str] = []
        for word in words:
            if has_hangul(word):
                run.append(word)
                continue
            if run:
                out.extend(self._korean(" ".join(run)))
                run = []
            out.extend(self._english(word))
        if run:
            out.extend(self._korean(" ".join(run)))
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms only (what BM25 sees)."""
        return [t.term for t in self.tokens(text)]

    def chunks(self, text: str) -> list[list[Unit]]:
        """Noun-phrase chunks of ``text`` (see :class:`Unit`), in reading order.

        A chunk is a run of units with nothing between them but spaces: "LLM API",
        "음성 에이전트", "autonomous driving software". English function words
        (:data:`ENGLISH_STOPWORDS`), punctuation (except an in-word hyphen or apostrophe),
        Korean particles, endings, verbs and suffixes such as -용 close a chunk.
        Offsets refer to :func:`display_text` of ``text``.
        """
        shown = display_text(text)
        out: list[list[Unit]] = []
        current: list[Unit] = []
        line_starts = set()  # a line break ends a phrase (title lines, keyword lists)
        pos = 0
        for line in unicodedata.normalize("NFKC", text or "").strip().splitlines():
            collapsed = _WS_RE.sub(" ", line).strip()
            if collapsed:
                line_starts.add(pos)
                pos += len(collapsed) + 1

        def close():
            nonlocal current
            if current:
                out.append(current)
                current = []

        pos = 0
        words = shown.split(" ") if shown else []
        spans = []
        for word in words:
            spans.append((pos, word))
            pos += len(word) + 1
        i = 0
        while i < len(spans):
            start, word = spans[i]
            if start in line_starts:
                close()
            if has_hangul(word):
                j = i + 1
                while j < len(spans) and has_hangul(spans[j][1]) and spans[j][0] not in line_starts:
                    j += 1
                run_start = spans[i][0]
                run_end = spans[j - 1][0] + len(spans[j - 1][1])
                for unit, closes in self._korean_units(shown[run_start:run_end], run_start):
                    if unit is None:
                        close()
                        continue
                    current.append(unit)
                    if closes:
                        close()
                i = j
                continue
            for unit, closes in self._english_units(word, start):
                if unit is None:
                    close()
                    continue
                current.append(unit)
                if closes:
                    close()
            i += 1
        close()
        return out

    def _english_units(self, word: str, offset: int):
        """(unit, closes_chunk) pairs of one Latin word; (None, True) marks a break."""
        items = []
        last_end = 0
        for m in _LATIN_TOKEN_RE.finditer(word):
            gap = word[last_end:m.start()]
            if gap and not (last_end > 0 and set(gap) <= _LATIN_JOINERS):
                items.append((None, True))
            last_end = m.end()
            token = m.group(0)
            folded = token.casefold()
            if folded in self._stopwords or (len(folded) == 1 and not folded.isdigit()):
                items.append((None, True))
                continue
            stem = self._stem_word(folded)
            items.append((Unit(stem, token, (stem,), has_hangul(token), offset + m.start(),
                               offset + m.end()), False))
        if last_end < len(word):
            items.append((None, True))
        return items

    def _korean_units(self, phrase: str, offset: int):
        """(unit, closes_chunk) pairs of a run of Hangul-containing words (Kiwi, memoised)."""
        hit = self._unit_memo.get(phrase)
        if hit is None:
            hit = tuple(self._analyse_korean_units(phrase))
            if len(self._unit_memo) >= self.memo_size:
                self._unit_memo.clear()
            self._unit_memo[phrase] = hit
        return [(None if u is None else Unit(u.key, u.surface, u.terms, u.hangul,
                                              u.start + offset, u.end + offset), c)
                for u, c in hit]

    def _analyse_korean_units(self, phrase: str):
        kiwi = self._get_kiwi()
        with _KIWI_LOCK:
            analysed = kiwi.tokenize(phrase)
        word_of = []  # word index of every character
        w = 0
        for ch in phrase:
            word_of.append(w)
            if ch == " ":
                w += 1
        items: list[tuple[Unit | None, bool]] = []
        pieces: list = []  # Kiwi tokens of the unit being built

        def flush(closes: bool):
            nonlocal pieces
            core = [t for t in pieces if t.tag in _UNIT_CORE_TAGS]
            if core:
                start = pieces[0].start
                end = pieces[-1].start + pieces[-1].len
                key_parts, terms = [], []
                for t in pieces:
                    if t.tag in _FOREIGN_TAGS:
                        piece = phrase[t.start:t.start + t.len].casefold()
                        key_parts.append(self._stem_word(piece) if piece.isascii() else piece)
                        terms.append(key_parts[-1])
                    else:
                        key_parts.append(t.form)
                        if t.tag in _NOUN_TAGS:
                            terms.append(t.form)
                surface = phrase[start:end]
                items.append((Unit("".join(key_parts), surface, tuple(terms), has_hangul(surface),
                                   start, end), closes))
            elif closes:
                items.append((None, True))
            pieces = []

        for n, tok in enumerate(analysed):
            nxt = analysed[n + 1] if n + 1 < len(analysed) else None
            glued_next = (nxt is not None and nxt.start == tok.start + tok.len
                          and word_of[nxt.start] == word_of[tok.start])
            glued_prev = bool(pieces) and tok.start == pieces[-1].start + pieces[-1].len and \
                word_of[tok.start] == word_of[pieces[-1].start]
            if pieces and not glued_prev:
                flush(False)  # a new word begins: the chunk goes on
            if tok.tag in _UNIT_CORE_TAGS or tok.tag in _UNIT_PREFIX_TAGS and glued_next and nxt.tag in _UNIT_CORE_TAGS or tok.tag == "XSN" and tok.form in _UNIT_SUFFIXES and pieces and glued_prev:
                pieces.append(tok)
            else:
                flush(True)
                if not items or items[-1] != (None, True):
                    items.append((None, True))
        flush(False)
        return items

    # -- English ------------------------------------------------------------------------
    def _english(self, chunk: str) -> list[Token]:
        out = []
        for m in _LATIN_TOKEN_RE.finditer(chunk):
            word = m.group(0)
            if word in self._stopwords or (len(word) == 1 and not word.isdigit()):
                continue
            term = self._stem_word(word)
            out.append(Token(term=term, surface=word, lang="en"))
        return out

    def _stem_word(self, word: str) -> str:
        if self._stemmer is None or not word.isascii():
            return word
        return _cached_stem(self._stemmer, word)

    # -- Korean -------------------------------------------------------------------------
    def _get_kiwi(self):
        return shared_kiwi()

    def _korean(self, phrase: str) -> list[Token]:
        # Keywords, titles and boilerplate phrases repeat across documents, and Kiwi costs
        # about 0.3 ms per sentence: memoise per phrase (bounded).
        hit = self._memo.get(phrase)
        if hit is None:
            hit = tuple(self._analyse_korean(phrase))
            if len(self._memo) >= self.memo_size:
                self._memo.clear()
            self._memo[phrase] = hit
        return list(hit)

    def _analyse_korean(self, phrase: str) -> list[Token]:
        kiwi = self._get_kiwi()
        out: list[Token] = []
        foreign_start = foreign_end = -1
        with _KIWI_LOCK:  # one analysis at a time in the process; no thread-safety assumed
            analysed = kiwi.tokenize(phrase)
        for tok in analysed:
            tag = tok.tag
            if tag in _FOREIGN_TAGS:
                # Merge adjacent Latin/number pieces ("5" + "G") and re-run them through the
                # English path so the token equals the one produced for English text.
                if foreign_start >= 0 and tok.start == foreign_end:
                    foreign_end = tok.start + tok.len
                else:
                    if foreign_start >= 0:
                        out.extend(self._english(phrase[foreign_start:foreign_end]))
                    foreign_start, foreign_end = tok.start, tok.start + tok.len
                continue
            if foreign_start >= 0:
                out.extend(self._english(phrase[foreign_start:foreign_end]))
                foreign_start = -1
            if tag in _NOUN_TAGS:
                out.append(Token(term=tok.form, surface=tok.form, lang="ko"))
            elif tag in _PREDICATE_TAGS and len(tok.form) >= 2:
                # Single-syllable roots (보-, 하-, 되-) are too ambiguous to be evidence.
                out.append(Token(term=tok.form, surface=tok.form + "다", lang="ko"))
        if foreign_start >= 0:
            out.extend(self._english(phrase[foreign_start:foreign_end]))
        return out


# -- display units: whole terms for explanations -------------------------------------------
#
# BM25 wants small comparable pieces (자율 + 주행); a person wants the term as written
# (자율주행). ``Analyzer.chunks`` gives the second view: Kiwi splits a compound noun into
# consecutive NNG/NNP morphemes *inside one whitespace word*, so contiguous noun morphemes of a
# word are merged back into one unit, and units of neighbouring words form a chunk (a noun
# phrase) until a particle, an ending, a verb, punctuation or a stop-word closes it. The index
# terms are untouched: lexical matching behaves exactly as before.

# In-word pieces that belong to a noun unit: nouns, roots, Latin/number/hanja pieces, a prefix
# (저+전력, 신+약) or a determiner glued to the next noun (온+디바이스), and the few
# noun-forming suffixes that stay part of the term (생성+형, 고도+화). Everything else ends
# the unit; a suffix like -용 ("for") or a particle also ends the phrase.
_UNIT_CORE_TAGS = frozenset({"NNG", "NNP", "XR", "SL", "SN", "SH"})
_UNIT_PREFIX_TAGS = frozenset({"XPN", "MM"})
_UNIT_SUFFIXES = frozenset({"형", "화", "성"})
_LATIN_JOINERS = frozenset("-'’")


@dataclass(frozen=True, slots=True)
class Unit:
    """One word-sized piece of a term: a merged Korean compound ("자율주행") or one English word.

    ``key`` compares units across texts (Korean morphemes joined, English Snowball stems,
    case-folded); ``surface`` is the text as written (case kept); ``terms`` are the analyser's
    index terms inside the unit (for idf weights); ``start``/``end`` are offsets into the
    NFKC-normalised text with collapsed whitespace.
    """

    key: str
    surface: str
    terms: tuple[str, ...]
    hangul: bool
    start: int
    end: int


def display_text(text: str) -> str:
    """NFKC with collapsed whitespace, case kept: the text whose offsets :class:`Unit` uses."""
    return _WS_RE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


_DEFAULT: Analyzer | None = None
_DEFAULT_LOCK = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process's shared analyser (default options), created once under a lock."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Analyzer()
    return _DEFAULT


_STEM_CACHE: dict[str, str] = {}


def _cached_stem(stemmer, word: str) -> str:
    """Memoise stemming: vocabularies are small and the same words repeat constantly."""
    hit = _STEM_CACHE.get(word)
    if hit is None:
        hit = stemmer.stemWord(word)
        if len(_STEM_CACHE) < 500_000:
            _STEM_CACHE[word] = hit
    return hit


def split_sentences(text: str) -> list[str]:
    """Split into sentences at ., !, ? (both languages use them) and blank lines/bullets.

    Deliberately simple and predictable: explanations show whole sentences to people, and
    Korean business prose ends sentences with a full stop just like English.
    """
    if not text or not text.strip():
        return []
    parts = _SENTENCE_END_RE.split(unicodedata.normalize("NFKC", text).strip())
    return [p.strip() for p in parts if p and p.strip()]


def word_cost(word: str) -> int:
    """Budget units of one whitespace word: Korean words cost two (they split into more
    sub-word tokens than English words do in multilingual vocabularies)."""
    return 2 if has_hangul(word) else 1


def chunk_text(text: str, max_words: int) -> list[str]:
    """Split ``text`` into chunks of at most ``max_words`` budget units, never dropping any.

    A unit is one English word or half a Korean word (:func:`word_cost`). Chunks follow
    sentence boundaries; a single sentence longer than the budget is cut into consecutive
    word windows. Joining the chunks with spaces gives back every word of the input, which
    is what "never truncated silently" means here.
    """
    if max_words < 2:
        raise ValueError("max_words must be >= 2")
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for sentence in split_sentences(text):
        words = sentence.split()
        cost = sum(word_cost(w) for w in words)
        if cost > max_words:
            if current:
                chunks.append(" ".join(current))
                current, used = [], 0
            window: list[str] = []
            window_cost = 0
            for w in words:
                c = word_cost(w)
                if window and window_cost + c > max_words:
                    chunks.append(" ".join(window))
                    window, window_cost = [], 0
                window.append(w)
                window_cost += c
            if window:
                chunks.append(" ".join(window))
            continue
        if current and used + cost > max_words:
            chunks.append(" ".join(current))
            current, used = [], 0
        current.extend(words)
        used += cost
    if current:
        chunks.append(" ".join(current))
    return chunks
