"""State changes of the live Q&A: post, vote and un-vote, moderate (approve, hide, answer,
highlight), merge duplicates, and the event's Q&A settings.

Votes are rows (``Vote``, unique per question and voter). Voting locks the question's row in
share mode (PostgreSQL ``FOR SHARE``), so votes run side by side while a merge, which locks
both questions ``FOR UPDATE``, waits for the votes in flight and is waited on by the next ones;
a vote that arrives for a question merged meanwhile counts for the question it was merged
into. Votes are not audited one by one (the rows themselves are the record); every
moderator's decision is.

Rules (docs/events.md, "Live Q&A"): nobody votes for their own question; only shown questions
(approved, not answered) take votes; one question is highlighted at a time; a merge makes the
duplicate's author a voter of the target (asking the same question is a vote for it), unless
they wrote the target; the union never counts anyone twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.core import audit
from kbridge.events.models import Event, QnaSettings, Question, Vote
from kbridge.events.models.qna import ANSWER_MAX_CHARS, QUESTION_MAX_CHARS
from kbridge.events.selectors_qna import settings_of

S = Question.Status
#: What the audience sees (a merge target must be one of these).
PUBLIC = (S.APPROVED, S.ANSWERED)


@dataclass(frozen=True)
class VoteResult:
    """``question_id`` the vote counts for (the merge target if the question was merged),
    whether ``voter`` now votes for it, and its number of votes (rows) after the change."""

    question_id: int
    voted: bool
    votes: int


def _clean_text(text: str, limit: int, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError(_("Write your question first."))
    if len(text) > limit:
        raise ValidationError(
            _("At most %(limit)d characters, please (this one has %(count)d).")
            % {"limit": limit, "count": len(text)})
    return text


@transaction.atomic
def post_question(*, event: Event, author, text: str, anonymous: bool = False) -> Question:
    """A new question of ``author`` (an attendee: the view checks ``events.ask_question``).

    Shown at once, or pending when the event's Q&A is pre-moderated. Raises ValidationError
    for an empty or too long text (:data:`QUESTION_MAX_CHARS`). Queues the near-duplicate
    embedding of the text after the commit (``events.tasks_qna``).
    """
    text = _clean_text(text, QUESTION_MAX_CHARS, required=True)
    status = S.PENDING if settings_of(event).premoderated else S.APPROVED
    question = Question.objects.create(event=event, author=author, text=text,
                                       anonymous=bool(anonymous), status=status)
    from kbridge.events.tasks_qna import embed_question

    transaction.on_commit(lambda: embed_question.enqueue(question.pk))
    return question


def _lock(question_id: int, event_id: int, *, share: bool) -> tuple | None:
    """(id, status, merged_into_id, author_id) of the question, its row locked (share mode
    for votes); None when the event has no such question."""
    table = connection.ops.quote_name(Question._meta.db_table)
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR SHARE" if share else " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, status, merged_into_id, author_id FROM {table} "  # noqa: S608
            f"WHERE id = %s AND event_id = %s{lock}", [question_id, event_id])
        return cursor.fetchone()


def _votable(question_id: int, event: Event, voter) -> int:
    """Lock the question (share mode) and return the id votes go to; raise ValidationError
    when it takes no votes."""
    row = _lock(question_id, event.pk, share=True)
    if row is not None and row[2] is not None:  # merged: the vote goes to the target
        row = _lock(row[2], event.pk, share=True)
    if row is None or row[1] != S.APPROVED:
        raise ValidationError(_("This question no longer takes votes."))
    if row[3] == voter.pk:
        raise ValidationError(_("You cannot vote for your own question."))
    return row[0]


@transaction.atomic
def vote(*, event: Event, question_id: int, voter) -> VoteResult:
    """``voter`` upvotes the question (idempotent: a second vote changes nothing).

    One ``INSERT … ON CONFLICT DO NOTHING`` under a share lock of the question, then one
    count. Raises ValidationError (own question, not shown, not of this event)."""
    target = _votable(question_id, event, voter)
    Vote.objects.bulk_create([Vote(question_id=target, voter=voter)], ignore_conflicts=True)
    return VoteResult(target, True, Vote.objects.filter(question_id=target).count())


@transaction.atomic
def unvote(*, event: Event, question_id: int, voter) -> VoteResult:
    """``voter`` takes their vote back (idempotent). Same rules as :func:`vote`."""
    target = _votable(question_id, event, voter)
    Vote.objects.filter(question_id=target, voter=voter).delete()
    return VoteResult(target, False, Vote.objects.filter(question_id=target).count())


def _moderated(event: Event, question_id: int) -> Question:
    row = _lock(question_id, event.pk, share=False)
    if row is None:
        raise Question.DoesNotExist
    question = Question.objects.select_related("event__program").get(pk=row[0])
    if question.merged_into_id is not None:
        raise ValidationError(_("This question was merged into another one."))
    return question


def _change(question: Question, action: str, by, **fields) -> Question:
    before = {k: getattr(question, k) for k in fields}
    for key, value in fields.items():
        setattr(question, key, value)
    question.save(update_fields=[*fields, "updated_at"])
    audit.record(action, question, before=_jsonable(before), after=_jsonable(fields),
                 actor=by)
    return question


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


@transaction.atomic
def approve(*, event: Event, question_id: int, by) -> Question:
    """Show a pending or hidden question to the audience."""
    question = _moderated(event, question_id)
    if question.status not in (S.PENDING, S.HIDDEN):
        raise ValidationError(_("Only a waiting or hidden question can be shown."))
    return _change(question, "qna.question_approved", by, status=S.APPROVED)


@transaction.atomic
def hide(*, event: Event, question_id: int, by) -> Question:
    """Hide a question from the audience (its author still sees it, marked hidden); the
    audience sees how many questions are hidden."""
    question = _moderated(event, question_id)
    if question.status == S.HIDDEN:
        raise ValidationError(_("This question is already hidden."))
    return _change(question, "qna.question_hidden", by, status=S.HIDDEN, highlighted=False)


@transaction.atomic
def answer(*, event: Event, question_id: int, by, text: str = "") -> Question:
    """Mark a shown (or waiting) question answered, with an optional written answer
    (at most :data:`ANSWER_MAX_CHARS` characters). An answered question may be answered
    again to change the text."""
    text = _clean_text(text, ANSWER_MAX_CHARS, required=False)
    question = _moderated(event, question_id)
    if question.status == S.HIDDEN:
        raise ValidationError(_("Show the question before answering it."))
    return _change(question, "qna.question_answered", by, status=S.ANSWERED, answer=text,
                   answered_at=timezone.now(), highlighted=False)


@transaction.atomic
def highlight(*, event: Event, question_id: int, by, on: bool = True) -> Question:
    """Highlight a shown question (the one being asked now: on top of every list), or take
    the highlight off. Highlighting one takes it off any other of the event."""
    question = _moderated(event, question_id)
    if on and question.status != S.APPROVED:
        raise ValidationError(_("Only a shown question that is not answered yet can be "
                                "highlighted."))
    if on:
        for other in Question.objects.filter(event=event, highlighted=True).exclude(
                pk=question.pk).select_related("event__program"):
            _change(other, "qna.question_unhighlighted", by, highlighted=False)
    return _change(question, "qna.question_highlighted" if on else "qna.question_unhighlighted",
                   by, highlighted=on)


_UNION_SQL = """
INSERT INTO {vote} (question_id, voter_id, created_at)
SELECT %(target)s, v.voter_id, MIN(v.created_at) FROM (
    SELECT voter_id, created_at FROM {vote} WHERE question_id = %(duplicate)s
    UNION ALL SELECT %(duplicate_author)s, %(now)s
) v
WHERE v.voter_id <> %(target_author)s
  AND NOT EXISTS (SELECT 1 FROM {vote} t
                  WHERE t.question_id = %(target)s AND t.voter_id = v.voter_id)
GROUP BY v.voter_id
"""


@transaction.atomic
def merge_questions(*, event: Event, duplicate_id: int, target_id: int, by) -> Question:
    """Merge ``duplicate`` into ``target`` (both of ``event``): the target's voters become
    the union of both questions' voters and the duplicate's author, without the target's
    author and without counting anyone twice — one ``INSERT … SELECT`` that skips voters
    already on the target; then the duplicate's own vote rows go, and questions merged into
    the duplicate earlier point at the target. Both rows are locked ``FOR UPDATE`` (in id
    order), so no vote lands on either question in between. Returns the target.
    Raises ValidationError (same question, either already merged, a target the audience
    does not see: pending or hidden); Question.DoesNotExist for another event's question."""
    if duplicate_id == target_id:
        raise ValidationError(_("A question cannot be merged into itself."))
    rows = {}
    for pk in sorted((duplicate_id, target_id)):
        row = _lock(pk, event.pk, share=False)
        if row is None:
            raise Question.DoesNotExist
        rows[pk] = row
    if rows[duplicate_id][2] is not None or rows[target_id][2] is not None:
        raise ValidationError(_("One of these questions was already merged."))
    if rows[target_id][1] not in PUBLIC:
        # A duplicate merged into a question the audience does not see would vanish without
        # being counted as hidden: show the target first (or merge the other way round).
        raise ValidationError(_("Merge only into a question the audience sees: show the "
                                "other question first."))
    duplicate = Question.objects.select_related("event__program").get(pk=duplicate_id)
    target = Question.objects.select_related("event__program").get(pk=target_id)
    table = connection.ops.quote_name(Vote._meta.db_table)
    before = Vote.objects.filter(question_id=target_id).count()
    with connection.cursor() as cursor:
        cursor.execute(_UNION_SQL.format(vote=table), {
            "target": target.pk, "duplicate": duplicate.pk,
            "duplicate_author": duplicate.author_id, "now": timezone.now(),
            "target_author": target.author_id})
    Vote.objects.filter(question_id=duplicate.pk).delete()
    Question.objects.filter(merged_into=duplicate).update(merged_into=target,
                                                          updated_at=timezone.now())
    duplicate.merged_into = target
    duplicate.highlighted = False
    duplicate.save(update_fields=["merged_into", "highlighted", "updated_at"])
    after = Vote.objects.filter(question_id=target_id).count()
    Question.objects.filter(pk=target.pk).update(updated_at=timezone.now())
    audit.record("qna.questions_merged", duplicate,
                 before={"votes": before}, after={"merged_into": target.pk, "votes": after},
                 actor=by)
    return target


@transaction.atomic
def save_settings(*, event: Event, by, premoderated: bool, open: bool) -> QnaSettings:  # noqa: A002
    """Change the event's Q&A settings. Turning pre-moderation on later does not hide the
    questions already shown; turning it off does not show the waiting ones (approve them)."""
    row, _created = QnaSettings.objects.select_for_update().get_or_create(event=event)
    before = {"premoderated": row.premoderated, "open": row.open}
    row.premoderated, row.open = bool(premoderated), bool(open)
    row.save()
    event._qna_settings_cache = row
    after = {"premoderated": row.premoderated, "open": row.open}
    if before != after:
        audit.record("qna.settings_changed", row, before=before, after=after, actor=by)
    return row
