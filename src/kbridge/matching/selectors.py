"""Ranked lists for pages. Pages never run the model: they read cached vectors, and when any
is missing they show a lexical ranking and enqueue a task that computes the vectors.

Indexes are kept warm per process (:class:`WarmIndexes`): one entry per corpus (the open
tracks, the applicants of one track, the discoverable startups). A corpus is versioned in two
steps, so an unchanged corpus of 20,000 profiles costs one small query per request:

1. its *stamp*, one aggregate query (count, sum of ids, latest ``updated_at`` of every table
   its documents are built from): while the stamp is unchanged the warm entry is used as is;
2. when the stamp moves, the documents are rebuilt from the database and compared by the
   SHA-256 digest of each document: unchanged documents keep their tokens and vectors, so
   only what changed is analysed and looked up, and a changed profile, track, answer or
   question is in the very next ranking.

Only the objects shown (the best ``k``) are read from the database for display.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from kbridge.accounts.models import Organisation
from kbridge.applications.models import Application, Question, Submission
from kbridge.engine.matching import (
    CachedEmbedder,
    Document,
    LexicalIndex,
    Match,
    Matcher,
    MatchingConfig,
)
from kbridge.matching import analysis, documents, registry
from kbridge.matching.store import NotCached, ZeroEmbedder, cached_embedder, model
from kbridge.programs.models import Track


@dataclass(frozen=True)
class Ranked:
    """Results best first; ``pending`` when the semantic part is still being computed."""

    matches: list[Match]
    objects: dict[str, object]
    pending: bool = False
    page: object = None  # a Django ``Page`` when the ranking is shown page by page


@dataclass(frozen=True)
class Corpus:
    """A set of documents to rank, and how to read it.

    ``stamp()`` returns a cheap version of the corpus (one query; ``None`` to always rebuild
    the documents, for small corpora); ``load()`` builds the documents; ``objects(ids)``
    reads the objects behind the given document ids for display.
    """

    key: str
    load: Callable[[], list[Document]]
    objects: Callable[[list[str]], dict[str, object]]
    stamp: Callable[[], object] | None = None


def _lexical_matcher() -> Matcher:
    return Matcher(CachedEmbedder(ZeroEmbedder(model())), config=MatchingConfig(dense_weight=0.0))


def document_digest(d: Document) -> str:
    """SHA-256 of one document's id and text."""
    return hashlib.sha256(json.dumps([d.id, d.title, list(d.keywords), d.description],
                                     ensure_ascii=False).encode()).hexdigest()


def corpus_digest(docs: list[Document]) -> str:
    """The version of a corpus: SHA-256 of every document's digest, in order."""
    h = hashlib.sha256()
    for d in docs:
        h.update(document_digest(d).encode())
    return h.hexdigest()


@dataclass
class _Entry:
    stamp: object
    digest: str
    docs: list[Document]
    doc_digests: list[str]
    terms: dict[str, dict[str, list[str]]]  # document digest -> field terms (BM25 input)
    lexical: LexicalIndex
    vectors: np.ndarray | None  # None until every document's vector is in the database
    known: dict[str, np.ndarray] = field(default_factory=dict)  # digest -> vector, reused
    space: tuple[str, str] | None = None  # (model, version) the vectors belong to
    indexes: dict = field(default_factory=dict)  # built MatchingIndex per embedder kind
    explanations: OrderedDict = field(default_factory=OrderedDict)  # (query, doc id) -> ...

    max_explanations = 2_000

    def explain(self, index, query: Document, query_digest: str, doc_id: str):
        """The explanation of ``doc_id`` for ``query``, computed once per corpus version."""
        key = (query_digest, doc_id)
        hit = self.explanations.get(key)
        if hit is None:
            hit = index.explain(query, doc_id)  # NotCached propagates, nothing is kept
            self.explanations[key] = hit
            while len(self.explanations) > self.max_explanations:
                self.explanations.popitem(last=False)
        return hit


def _space(matcher: Matcher) -> tuple[str, str]:
    return (matcher.embedder.embedder.name, matcher.embedder.embedder.version)


class WarmIndexes:
    """Built indexes of this process, one per corpus, refreshed when the corpus changes.

    Holds the BM25 index (the expensive part: Korean analysis of every document) and, once
    all of them are cached in the database, the documents' vectors. Bounded (least recently
    used corpus dropped first); thread-safe; building happens outside the lock.
    """

    max_entries = 64

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # lexical indexes built (tests and benchmarks read it)
        self.loads = 0  # times a corpus's documents were read from the database

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.builds = 0
            self.loads = 0

    def _peek(self, key: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def entry(self, corpus: Corpus, matcher: Matcher) -> _Entry:
        """The corpus's current entry (documents and BM25 index), refreshed if it changed."""
        stamp = corpus.stamp() if corpus.stamp is not None else None
        old = self._peek(corpus.key)
        if old is not None and stamp is not None and old.stamp == stamp:
            return old
        docs = corpus.load()
        self.loads += 1
        digests = [document_digest(d) for d in docs]
        digest = hashlib.sha256("".join(digests).encode()).hexdigest()
        if old is not None and old.digest == digest:
            old.stamp = stamp
            return old
        terms = {}
        if old is not None:
            terms = {g: old.terms[g] for g in digests if g in old.terms}
        lexical = LexicalIndex(matcher.analyzer, matcher.config.field_weights)
        new = [i for i, g in enumerate(digests) if g not in terms]
        for i, analysed in zip(new, analysis.field_terms(lexical, [docs[i] for i in new]),
                               strict=True):
            terms[digests[i]] = analysed
        lexical.build(docs, doc_terms=[terms[g] for g in digests])
        known: dict[str, np.ndarray] = {}
        space = _space(matcher)
        if old is not None and old.space == space:
            known = dict(old.known)
            if old.vectors is not None:
                known.update(zip(old.doc_digests, old.vectors, strict=True))
            known = {g: known[g] for g in digests if g in known}
        entry = _Entry(stamp, digest, docs, digests, terms, lexical, None, known, space)
        self.builds += 1
        self._put(corpus.key, entry)
        return entry

    def lexical(self, corpus: Corpus, matcher: Matcher) -> _Entry:
        """Kept for callers that only need the BM25 part (the lexical fallback)."""
        return self.entry(corpus, matcher)

    def index(self, corpus: Corpus, matcher: Matcher):
        """A ``MatchingIndex`` of the corpus bound to ``matcher``, reusing what is warm.

        Raises ``NotCached`` (from a cache-only embedder) while some vector is missing; the
        BM25 part and the vectors already found stay warm, so the next request looks up only
        the missing ones.
        """
        entry = self.entry(corpus, matcher)
        space = _space(matcher)
        if entry.space != space:  # the serving model switched: nothing of the old space is kept
            entry.vectors, entry.known, entry.space = None, {}, space
            entry.explanations.clear()
            entry.indexes.clear()
        if entry.vectors is None:
            missing = [i for i, g in enumerate(entry.doc_digests) if g not in entry.known]
            if missing:
                found = matcher.embed([entry.docs[i] for i in missing])  # may raise NotCached
                for row, i in enumerate(missing):
                    entry.known[entry.doc_digests[i]] = found[row]
            dim = matcher.embedder.dim
            entry.vectors = (np.vstack([entry.known[g] for g in entry.doc_digests])
                             if entry.docs else np.zeros((0, dim), dtype=np.float32))
            entry.known = {}
        # The built MatchingIndex (20,000 ids mapped, shapes checked) is kept too, one per kind
        # of embedder: a page's cache-only one must not serve a task that may run the model.
        kind = (space, type(matcher.embedder.embedder).__name__, matcher.config)
        index = entry.indexes.get(kind)
        if index is None:
            index = entry.indexes[kind] = matcher.index(entry.docs, vectors=entry.vectors,
                                                        lexical=entry.lexical)
        return entry, index


INDEXES = WarmIndexes()


def _schedule_warm(query_key: str, query: Document, targets: list[Document], explain_k: int,
                   offset: int = 0):
    from kbridge.matching.tasks import warm_search

    payload = {"query_key": query_key, "query": [query.id, query.title, list(query.keywords),
                                                 query.description],
               "targets": [d.id for d in targets], "explain_k": explain_k, "offset": offset}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    # One task per distinct request every two minutes, however often the page is reloaded.
    if cache.add(f"kbridge:warm:{digest}", 1, timeout=120):
        transaction.on_commit(lambda: warm_search.enqueue(payload))


def rank(corpus: Corpus, query_key: str, query: Document, *, k: int = 20,
         explain_k: int = 0, live: bool = False, offset: int = 0) -> Ranked:
    """Rank the documents of ``corpus`` for ``query``: the matches ranked ``offset + 1`` to
    ``k``, the first ``explain_k`` of them explained. The corpus's index is reused while its
    documents are unchanged.

    ``live=True`` runs the model for anything missing: for tasks and commands, never pages.
    """
    matcher = Matcher(cached_embedder(live=live))
    try:
        entry, index = INDEXES.index(corpus, matcher)
        if not entry.docs:
            return Ranked([], {})
        matches = index.search(query, k=k)[offset:]
    except NotCached:
        entry = INDEXES.entry(corpus, matcher)
        _schedule_warm(query_key, query, entry.docs, explain_k, offset)
        fallback = _lexical_matcher()
        matches = fallback.index(entry.docs, lexical=entry.lexical,
                                 vectors=np.zeros((len(entry.docs), fallback.embedder.dim),
                                                  dtype=np.float32)).search(query, k=k)[offset:]
        return _shown(corpus, matches, pending=True)
    explained, pending = [], False
    query_digest = document_digest(query)
    for m in matches:
        explanation = None
        if m.rank <= offset + explain_k:
            try:
                explanation = entry.explain(index, query, query_digest, m.doc_id)
            except NotCached:
                pending = True
        explained.append(replace(m, explanation=explanation))  # keeps the calibrated fit
    if pending:
        _schedule_warm(query_key, query, entry.docs, explain_k, offset)
    return _shown(corpus, explained, pending=pending)


def _shown(corpus: Corpus, matches: list[Match], *, pending: bool) -> Ranked:
    """The matches with the objects to show (one query); an object deleted since the
    corpus's stamp was read is left out rather than shown empty."""
    objects = corpus.objects([m.doc_id for m in matches])
    return Ranked([m for m in matches if m.doc_id in objects], objects, pending=pending)


def _pks(ids: list[str]) -> list[int]:
    return [int(i.partition(":")[2]) for i in ids]


def open_tracks(now=None) -> list[Track]:
    now = now or timezone.now()
    return list(Track.objects.filter(call__status="published", call__opens_at__lte=now,
                                     call__deadline_at__gt=now)
                .select_related("call", "partner__organisation"))


def recommended_tracks(startup: Organisation, *, k: int = 10, live: bool = False) -> Ranked:
    """Open tracks ranked for ``startup``'s profile (the open tracks are few: read each time)."""
    tracks = {f"track:{t.pk}": t for t in open_tracks()}
    corpus = Corpus("open-tracks", lambda: [documents.track_document(t) for t in tracks.values()],
                    lambda ids: {i: tracks[i] for i in ids})
    return rank(corpus, f"startup:{startup.pk}", documents.startup_document(startup),
                k=k, explain_k=5, live=live)


def precompute(keys: list[str]) -> int:
    """Embed these objects now (for commands such as the demo seed; never for pages)."""
    docs = registry.ordered_documents(keys)
    if docs:
        matcher = Matcher(cached_embedder(live=True))
        matcher.embed(docs)
        analysis.field_terms(LexicalIndex(matcher.analyzer), docs)  # for cold indexes
    return len(docs)


RANKED_STATUSES = documents.RANKED_STATUSES


def applicants_corpus(track: Track) -> Corpus:
    """The submitted (and selected) applications of ``track``, each as submitted: the latest
    submission's profile snapshot and answers (``documents.application_document``). Each
    application shown carries ``submitted_profile``, that snapshot, for display."""
    applications = Application.objects.filter(track=track, status__in=RANKED_STATUSES)

    def stamp():
        return (applications.aggregate(n=Count("pk"), ids=Sum("pk"), app=Max("updated_at")),
                Submission.objects.filter(application__in=applications).aggregate(
                    n=Count("pk"), last=Max("pk")),
                Question.objects.filter(call_id=track.call_id).aggregate(
                    n=Count("pk"), ids=Sum("pk"), text=Count("pk", filter=Q(kind="text"))))

    def load():
        return documents.application_documents(
            applications.select_related("applicant__profile").order_by("pk"))

    def objects(ids):
        found = applications.select_related("applicant__profile").in_bulk(_pks(ids))
        latest = documents.latest_submissions([found[pk] for pk in _pks(ids) if pk in found])
        for application in found.values():
            sub = latest.get(application.pk)
            application.submitted_profile = (SimpleNamespace(**sub.profile) if sub is not None
                                             else application.applicant)
        return {i: found[pk] for i, pk in zip(ids, _pks(ids), strict=True) if pk in found}

    return Corpus(f"applicants:{track.pk}", load, objects, stamp)


APPLICANTS_PER_PAGE = 50


def ranked_applicants(track: Track, *, page: object = 1, live: bool = False) -> Ranked:
    """The track's applicants ranked by fit, ``APPLICANTS_PER_PAGE`` a page (every applicant
    is reachable; a bad page number shows the nearest page), the first ten of a page explained.
    """
    corpus = applicants_corpus(track)
    total = len(INDEXES.entry(corpus, Matcher(cached_embedder(live=live))).docs)
    shown = Paginator(range(total), APPLICANTS_PER_PAGE).get_page(page)
    ranked = rank(corpus, f"track:{track.pk}", documents.track_document(track),
                  k=shown.end_index(), offset=max(shown.start_index() - 1, 0), explain_k=10,
                  live=live)
    return replace(ranked, page=shown)


def discoverable_corpus() -> Corpus:
    """The startups that chose to be discoverable by partners."""
    startups = Organisation.objects.filter(kind=Organisation.Kind.STARTUP,
                                           profile__discoverable=True)

    def stamp():
        return startups.aggregate(n=Count("pk"), ids=Sum("pk"), org=Max("updated_at"),
                                  profile=Max("profile__updated_at"))

    def load():
        return [documents.startup_document(s)
                for s in startups.select_related("profile").order_by("pk")]

    def objects(ids):
        found = startups.select_related("profile").in_bulk(_pks(ids))
        return {i: found[pk] for i, pk in zip(ids, _pks(ids), strict=True) if pk in found}

    return Corpus("discoverable", load, objects, stamp)


def is_specific_query(text: str) -> bool:
    """Whether a free-text search names something: at least one content term that is not a
    domain stop-word (``explain.GENERIC_TERMS``: platform, 서비스 ...; ``NOT_ALONE_TERMS``:
    AI, data ...). Symbols, emoji, SQL-like text and "AI 플랫폼" alone name nothing, and the
    dense model would still rank (on company names) and show confident fits."""
    from kbridge.engine.matching.explain import GENERIC_TERMS, NOT_ALONE_TERMS
    from kbridge.engine.matching.text import has_hangul as text_has_hangul

    vague = GENERIC_TERMS | NOT_ALONE_TERMS
    # One Latin letter names nothing; one Hangul syllable may (칩 "chip", 약 of 신약 "new
    # drug", whose prefix 신- the analyser drops).
    return any(t not in vague and not t.isdigit() and (len(t) > 1 or text_has_hangul(t))
               for t in Matcher(cached_embedder(live=False)).analyzer.terms(text))


def discoverable_startups(text: str, *, k: int = 30, live: bool = False) -> Ranked:
    return rank(discoverable_corpus(), "query", documents.query_document(text), k=k,
                explain_k=10, live=live)


def resolve(key: str) -> Document | None:
    """The current document behind a key such as ``track:5`` (None if it is gone or its kind
    is not registered; matching/registry.py)."""
    return registry.resolve(key)


def kind_corpus(prefix: str, pks: Callable[[], list[int]], *, key: str,
                stamp: Callable[[], object] | None = None) -> Corpus:
    """A corpus of the objects ``pks()`` names, of any registered kind (``prefix``): what an
    app above matching ranks with :func:`rank` (e.g. evaluators for an application). ``key``
    names the corpus among the warm indexes (e.g. ``"evaluators:stage:3"``); ``stamp`` as in
    :class:`Corpus` (None: the documents are rebuilt and compared by digest on every call).
    The objects shown are the kind's ``fetch`` results."""
    kind = registry.kind(prefix)

    def load():
        objects = kind.fetch(sorted(set(pks())))
        return kind.documents([objects[pk] for pk in sorted(objects)])

    def objects(ids):
        found = kind.fetch(_pks(ids))
        return {i: found[pk] for i, pk in zip(ids, _pks(ids), strict=True) if pk in found}

    return Corpus(key, load, objects, stamp)


WARM_TRACKS = 40  # applicants-by-fit corpora built at worker start (most recent deadlines)


def warm_up() -> dict[str, int]:
    """Build this process's indexes before it serves anyone (gunicorn's ``post_worker_init``).

    The discoverable startups, the open tracks and the applicants of the ``WARM_TRACKS``
    tracks with the latest deadlines that have applicants. Returns ``{corpus: documents}``.
    Vectors not yet computed are left to the pages' usual path (lexical ranking + a task).
    """
    matcher = Matcher(cached_embedder(live=False))
    corpora = [discoverable_corpus()]
    with_applicants = Application.objects.filter(status__in=RANKED_STATUSES).values("track_id")
    tracks = (Track.objects.filter(pk__in=with_applicants)
              .order_by("-call__deadline_at", "pk")[:WARM_TRACKS])
    corpora += [applicants_corpus(t) for t in tracks]
    built = {}
    for corpus in corpora:
        try:
            entry, _index = INDEXES.index(corpus, matcher)
            built[corpus.key] = len(entry.docs)
        except NotCached:
            built[corpus.key] = len(INDEXES.entry(corpus, matcher).docs)
    if open_tracks():
        matcher.analyzer.terms("준비")  # loads Kiwi, which the first recommendation needs
    return built
