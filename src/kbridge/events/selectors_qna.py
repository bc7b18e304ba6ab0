"""Reads of the live Q&A: the audience's list, the moderation queue, the presenter view and
the cheap state stamp the live fragment's ETag is made of. Every list is a constant number of
queries whatever the number of questions and votes (tests/test_list_query_counts.py)."""

from __future__ import annotations

import hashlib
import time

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from kbridge.events.models import Event, QnaSettings, Question, Vote

PUBLIC_STATUSES = (Question.Status.APPROVED, Question.Status.ANSWERED)


def settings_of(event: Event) -> QnaSettings:
    """The event's Q&A settings (unsaved defaults when it has none); cached on ``event``.
    No query when the event was read with ``select_related("qna_settings")``."""
    cached = getattr(event, "_qna_settings_cache", None)
    if cached is None:
        if Event.qna_settings.is_cached(event):
            try:
                cached = event.qna_settings
            except QnaSettings.DoesNotExist:
                cached = QnaSettings(event=event)
        else:
            cached = (QnaSettings.objects.filter(event=event).first()
                      or QnaSettings(event=event))
        event._qna_settings_cache = cached
    return cached


def _with_votes(questions: QuerySet, user=None) -> QuerySet:
    questions = questions.annotate(vote_count=Count("votes", distinct=True))
    if user is not None and getattr(user, "is_authenticated", False):
        questions = questions.annotate(voted=Exists(
            Vote.objects.filter(question=OuterRef("pk"), voter=user)))
    return questions


def audience_queryset(event: Event, user=None) -> QuerySet[Question]:
    """The queryset of :func:`audience_questions` (the API pages it)."""
    visible = Q(status__in=PUBLIC_STATUSES)
    if user is not None and getattr(user, "is_authenticated", False):
        visible |= Q(author=user)
    return (_with_votes(
        Question.objects.filter(visible, event=event, merged_into__isnull=True), user)
        .select_related("author").order_by("-highlighted", "-vote_count", "created_at", "id"))


def audience_questions(event: Event, user=None) -> list[Question]:
    """What the audience sees, best first: highlighted, then most votes, then oldest.

    Approved and answered questions not merged away, plus ``user``'s own questions still
    pending or hidden (each flagged by its status, so the author knows). The author is
    selected for the moderators' templates only; audience templates never print it for an
    anonymous question. One query."""
    return list(audience_queryset(event, user))


def hidden_count(event: Event) -> int:
    """How many questions the moderators hid (merged duplicates are not counted)."""
    return Question.objects.filter(event=event, status=Question.Status.HIDDEN,
                                   merged_into__isnull=True).count()


def queue(event: Event) -> list[Question]:
    """Every question of the event for its moderators, pending first, then by votes. Each
    carries ``vote_count`` and its author; merged ones their target. One query."""
    return list(_with_votes(Question.objects.filter(event=event))
                .select_related("author", "merged_into")
                .order_by("merged_into_id", "-highlighted", "-vote_count", "created_at", "id"))


def presenter_questions(event: Event) -> list[Question]:
    """The presenter's list: shown questions not answered yet, highlighted on top, then by
    votes. One query."""
    return list(_with_votes(Question.objects.filter(
        event=event, status=Question.Status.APPROVED, merged_into__isnull=True))
        .select_related("author").order_by("-highlighted", "-vote_count", "created_at", "id"))


def state_stamp(event: Event, *extra: str) -> str:
    """A short digest that changes whenever anything shown on the live page can change: the
    questions (count, latest change) and the votes (count, latest id) of the event, plus
    ``extra`` (the language). One query of four aggregates on indexed columns."""
    question = connection.ops.quote_name(Question._meta.db_table)
    vote = connection.ops.quote_name(Vote._meta.db_table)
    with connection.cursor() as cursor:
        # Only table names are formatted in; the event id is a parameter.
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {question} WHERE event_id = %s), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {question} WHERE event_id = %s), "
            f"(SELECT COUNT(*) FROM {vote} v JOIN {question} q ON q.id = v.question_id "
            f"WHERE q.event_id = %s), "
            f"(SELECT MAX(v.id) FROM {vote} v JOIN {question} q ON q.id = v.question_id "
            f"WHERE q.event_id = %s)", [event.pk] * 4)
        row = cursor.fetchone()
    raw = "|".join(str(x) for x in (*row, *extra))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


_STAMPS: dict[tuple, tuple[float, str]] = {}
#: Seconds a worker reuses the state stamp it computed: polls within the same second share
#: one query (the list is at most this much older than the database; polls are 5 s apart).
STAMP_REUSE_SECONDS = 1.0


def recent_state_stamp(event: Event, *extra: str) -> str:
    """:func:`state_stamp`, computed at most once per :data:`STAMP_REUSE_SECONDS` per worker
    process and event (a ``time.monotonic`` clock)."""
    key = (event.pk, *extra)
    now = time.monotonic()
    hit = _STAMPS.get(key)
    if hit is not None and now - hit[0] < STAMP_REUSE_SECONDS:
        return hit[1]
    stamp = state_stamp(event, *extra)
    if len(_STAMPS) > 256:
        _STAMPS.clear()
    _STAMPS[key] = (now, stamp)
    return stamp


def mine(event: Event, user) -> tuple[set[int], bool]:
    """(ids of the questions ``user`` voted for, whether they have questions the audience
    does not see: waiting or hidden). One query."""
    question = connection.ops.quote_name(Question._meta.db_table)
    vote = connection.ops.quote_name(Vote._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.question_id, 1 FROM {vote} v JOIN {question} q "  # noqa: S608
            f"ON q.id = v.question_id WHERE v.voter_id = %s AND q.event_id = %s "
            f"UNION ALL SELECT id, 2 FROM {question} WHERE author_id = %s AND event_id = %s "
            f"AND merged_into_id IS NULL AND status NOT IN (%s, %s)",
            [user.pk, event.pk, user.pk, event.pk, *PUBLIC_STATUSES])
        rows = cursor.fetchall()
    return {pk for pk, kind in rows if kind == 1}, any(kind == 2 for _, kind in rows)


def duplicate_suggestions(questions: list[Question]) -> list[tuple[Question, Question, float]]:
    """Suggested merges among ``questions`` (the open ones of the queue): ``(newer, older,
    cosine)``, best first, from the vectors the ``embed_question`` task cached. Questions
    not embedded yet are left out until it ran. Two queries (the serving model, the
    vectors), whatever the number of questions; never runs the model."""
    from kbridge.engine.matching.duplicates import duplicate_pairs, is_korean
    from kbridge.matching.store import CacheOnlyEmbedder, DatabaseStore, serving_space

    candidates = sorted((q for q in questions if q.merged_into_id is None
                         and q.status != Question.Status.HIDDEN),
                        key=lambda q: (q.created_at, q.pk))
    import numpy as np

    from kbridge.engine.matching import CachedEmbedder

    cache = CachedEmbedder(CacheOnlyEmbedder(serving_space()), DatabaseStore())
    keys = {q.pk: cache.key(q.text) for q in candidates}
    # Always the same two queries (the list's query count does not depend on its length).
    found = DatabaseStore().get_many(list(set(keys.values())))
    embedded = [q for q in candidates if keys[q.pk] in found]
    if len(embedded) < 2:
        return []
    vectors = np.vstack([found[keys[q.pk]] for q in embedded])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    by_id = {str(q.pk): q for q in embedded}
    return [(by_id[p.duplicate], by_id[p.original], p.score) for p in duplicate_pairs(
        [str(q.pk) for q in embedded], vectors / norms, [is_korean(q.text) for q in embedded])]
