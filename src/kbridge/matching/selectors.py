"""Ranked lists for pages. Pages never run the model: they read cached vectors, and when any
is missing they show a lexical ranking and enqueue a task that computes the vectors.

Indexes are kept warm per process (:class:`WarmIndexes`): one entry per corpus (the open
tracks, the applicants of one track, the discoverable startups), versioned by a digest of
the exact documents it was built from. Every request rebuilds the documents from the
database (one query, as before) and compares digests, so a changed profile, track, answer or
question is in the very next ranking; only an unchanged corpus reuses its BM25 index and
vectors.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kbridge.accounts.models import Organisation
from kbridge.applications.models import Application, Question
from kbridge.engine.matching import (
    CachedEmbedder,
    Document,
    LexicalIndex,
    Match,
    Matcher,
    MatchingConfig,
)
from kbridge.matching import documents
from kbridge.matching.store import NotCached, ZeroEmbedder, cached_embedder, model
from kbridge.programs.models import Track


@dataclass(frozen=True)
class Ranked:
    """Results best first; ``pending`` when the semantic part is still being computed."""

    matches: list[Match]
    objects: dict[str, object]
    pending: bool = False


def _lexical_matcher() -> Matcher:
    return Matcher(CachedEmbedder(ZeroEmbedder(model())), config=MatchingConfig(dense_weight=0.0))


def corpus_digest(docs: list[Document]) -> str:
    """The version of a corpus: SHA-256 of every document's id and text, in order."""
    h = hashlib.sha256()
    for d in docs:
        h.update(json.dumps([d.id, d.title, list(d.keywords), d.description],
                            ensure_ascii=False).encode())
        h.update(b"\x1e")
    return h.hexdigest()


@dataclass
class _Entry:
    digest: str
    lexical: LexicalIndex
    vectors: np.ndarray | None  # None until every document's vector is in the database


class WarmIndexes:
    """Built indexes of this process, one per corpus, replaced when the corpus digest changes.

    Holds the BM25 index (the expensive part: Korean analysis of every document) and, once
    all of them are cached in the database, the documents' vectors. Bounded (least recently
    used corpus dropped first); thread-safe; building happens outside the lock.
    """

    max_entries = 64

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # lexical indexes built (tests and benchmarks read it)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.builds = 0

    def _get(self, corpus: str, digest: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(corpus)
            if entry is None or entry.digest != digest:
                return None
            self._entries.move_to_end(corpus)
            return entry

    def _put(self, corpus: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[corpus] = entry
            self._entries.move_to_end(corpus)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def lexical(self, corpus: str, docs: list[Document], matcher: Matcher) -> _Entry:
        """The corpus's entry for exactly ``docs`` (built now if absent or out of date)."""
        digest = corpus_digest(docs)
        entry = self._get(corpus, digest)
        if entry is None:
            lexical = LexicalIndex(matcher.analyzer, matcher.config.field_weights)
            lexical.build(docs)
            entry = _Entry(digest, lexical, None)
            self.builds += 1
            self._put(corpus, entry)
        return entry

    def index(self, corpus: str, docs: list[Document], matcher: Matcher):
        """A ``MatchingIndex`` of ``docs`` bound to ``matcher``, reusing what is warm.

        Raises ``NotCached`` (from a cache-only embedder) while some vector is missing; the
        BM25 part stays warm for the lexical fallback.
        """
        entry = self.lexical(corpus, docs, matcher)
        if entry.vectors is None:
            entry.vectors = matcher.embed(docs)  # NotCached leaves the entry without vectors
        return matcher.index(docs, vectors=entry.vectors, lexical=entry.lexical)


INDEXES = WarmIndexes()


def _schedule_warm(query_key: str, query: Document, targets: list[Document], explain_k: int):
    from kbridge.matching.tasks import warm_search

    payload = {"query_key": query_key, "query": [query.id, query.title, list(query.keywords),
                                                 query.description],
               "targets": [d.id for d in targets], "explain_k": explain_k}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    # One task per distinct request every two minutes, however often the page is reloaded.
    if cache.add(f"kbridge:warm:{digest}", 1, timeout=120):
        transaction.on_commit(lambda: warm_search.enqueue(payload))


def rank(corpus: str, query_key: str, query: Document, targets: list[Document],
         objects: dict[str, object], *, k: int = 20, explain_k: int = 0,
         live: bool = False) -> Ranked:
    """Rank ``targets`` (the documents of ``corpus``) for ``query``; explain the best
    ``explain_k`` matches. The corpus's index is reused while its documents are unchanged.

    ``live=True`` runs the model for anything missing: for tasks and commands, never pages.
    """
    if not targets:
        return Ranked([], objects)
    matcher = Matcher(cached_embedder(live=live))
    try:
        index = INDEXES.index(corpus, targets, matcher)
        matches = index.search(query, k=k)
    except NotCached:
        _schedule_warm(query_key, query, targets, explain_k)
        lexical = INDEXES.lexical(corpus, targets, matcher).lexical
        fallback = _lexical_matcher()
        matches = fallback.index(targets, lexical=lexical,
                                 vectors=np.zeros((len(targets), fallback.embedder.dim),
                                                  dtype=np.float32)).search(query, k=k)
        return Ranked(matches, objects, pending=True)
    explained, pending = [], False
    for m in matches:
        explanation = None
        if m.rank <= explain_k:
            try:
                explanation = index.explain(query, m.doc_id)
            except NotCached:
                pending = True
        explained.append(replace(m, explanation=explanation))  # keeps the calibrated fit
    if pending:
        _schedule_warm(query_key, query, targets, explain_k)
    return Ranked(explained, objects, pending=pending)


def open_tracks(now=None) -> list[Track]:
    now = now or timezone.now()
    return list(Track.objects.filter(call__status="published", call__opens_at__lte=now,
                                     call__deadline_at__gt=now)
                .select_related("call", "partner__organisation"))


def recommended_tracks(startup: Organisation, *, k: int = 10, live: bool = False) -> Ranked:
    tracks = open_tracks()
    targets = [documents.track_document(t) for t in tracks]
    return rank("open-tracks", f"startup:{startup.pk}", documents.startup_document(startup),
                targets,
                {f"track:{t.pk}": t for t in tracks}, k=k, explain_k=5, live=live)


def precompute(keys: list[str]) -> int:
    """Embed these objects now (for commands such as the demo seed; never for pages)."""
    docs = [d for d in (resolve(k) for k in keys) if d is not None]
    if docs:
        Matcher(cached_embedder(live=True)).embed(docs)
    return len(docs)


def ranked_applicants(track: Track, *, k: int = 200) -> Ranked:
    applications = list(
        Application.objects.filter(track=track, status__in=["submitted", "selected"])
        .select_related("applicant__profile"))
    questions = list(Question.objects.filter(call_id=track.call_id))
    targets = [documents.application_document(a, questions) for a in applications]
    return rank(f"applicants:{track.pk}", f"track:{track.pk}", documents.track_document(track),
                targets,
                {f"application:{a.pk}": a for a in applications}, k=k, explain_k=10)


def discoverable_startups(text: str, *, k: int = 30) -> Ranked:
    startups = list(Organisation.objects.filter(
        Q(kind=Organisation.Kind.STARTUP), Q(profile__discoverable=True))
        .select_related("profile"))
    targets = [documents.startup_document(s) for s in startups]
    return rank("discoverable", "query", documents.query_document(text), targets,
                {f"startup:{s.pk}": s for s in startups}, k=k, explain_k=10)


def resolve(key: str) -> Document | None:
    """The current document behind a key such as ``track:5`` (None if it is gone)."""
    kind, _sep, pk = key.partition(":")
    if kind == "track":
        track = Track.objects.select_related("partner__organisation").filter(pk=pk).first()
        return documents.track_document(track) if track else None
    if kind == "startup":
        org = Organisation.objects.select_related("profile").filter(pk=pk).first()
        return documents.startup_document(org) if org else None
    if kind == "application":
        application = Application.objects.select_related("applicant__profile").filter(
            pk=pk).first()
        if application is None:
            return None
        questions = list(Question.objects.filter(call_id=application.call_id))
        return documents.application_document(application, questions)
    return None
