"""Reads of the live Q&A: the audience's list, the moderation queue, the presenter view and
the cheap state stamp the live fragment's ETag is made of. Every list is a constant number of
queries whatever the number of questions and votes (tests/test_list_query_counts.py)."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from kbridge.events.models import Event, QnaSettings, Question, Vote

PUBLIC_STATUSES = (Question.Status.APPROVED, Question.Status.ANSWERED)


def settings_of(event: Event) -> QnaSettings:
    """The event's Q&A settings (unsaved defaults when it has none); cached on ``event``."""
    cached = getattr(event, "_qna_settings_cache", None)
    if cached is None:
        cached = QnaSettings.objects.filter(event=event).first() or QnaSettings(event=event)
        event._qna_settings_cache = cached
    return cached


def _with_votes(questions: QuerySet, user=None) -> QuerySet:
    questions = questions.annotate(vote_count=Count("votes", distinct=True))
    if user is not None and getattr(user, "is_authenticated", False):
        questions = questions.annotate(voted=Exists(
            Vote.objects.filter(question=OuterRef("pk"), voter=user)))
    return questions


def audience_questions(event: Event, user=None) -> list[Question]:
    """What the audience sees, best first: highlighted, then most votes, then oldest.

    Approved and answered questions not merged away, plus ``user``'s own questions still
    pending or hidden (each flagged by its status, so the author knows). The author is
    selected for the moderators' templates only; audience templates never print it for an
    anonymous question. One query."""
    visible = Q(status__in=PUBLIC_STATUSES)
    if user is not None and getattr(user, "is_authenticated", False):
        visible |= Q(author=user)
    return list(_with_votes(
        Question.objects.filter(visible, event=event, merged_into__isnull=True), user)
        .select_related("author").order_by("-highlighted", "-vote_count", "created_at", "id"))


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


def state_stamp(event: Event, user=None, *extra: str) -> str:
    """A short digest that changes whenever anything shown on the live page can change: the
    questions (count, latest change) and the votes (count, latest id) of the event, and who
    asks. Two aggregate queries on indexed columns; the live fragment's ETag."""
    q = Question.objects.filter(event=event).aggregate(n=Count("id"), changed=Max("updated_at"))
    v = Vote.objects.filter(question__event=event).aggregate(n=Count("id"), last=Max("id"))
    raw = "|".join(str(x) for x in (
        q["n"], q["changed"] and q["changed"].isoformat(), v["n"], v["last"],
        getattr(user, "pk", None), *extra))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


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
    if len(candidates) < 2:
        return []
    import numpy as np

    from kbridge.engine.matching import CachedEmbedder

    cache = CachedEmbedder(CacheOnlyEmbedder(serving_space()), DatabaseStore())
    keys = {q.pk: cache.key(q.text) for q in candidates}
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
