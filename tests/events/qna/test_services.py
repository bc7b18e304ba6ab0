"""Services of the live Q&A: post, vote once, un-vote, moderation rules, merge union."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.core.models import AuditLog
from kbridge.events.models import Question, Vote
from kbridge.events.services import qna as services
from tests.factories import UserFactory

S = Question.Status


def votes(question) -> int:
    return Vote.objects.filter(question=question).count()


def test_post_shows_at_once_unless_premoderated(qna):
    event = qna.event_world.event
    assert qna.question.status == S.APPROVED
    services.save_settings(event=event, by=None, premoderated=True, open=True)
    pending = services.post_question(event=event, author=qna.attendee, text="  Pending?  ")
    assert pending.status == S.PENDING and pending.text == "Pending?"


@pytest.mark.parametrize("text", ["", "   ", "x" * 301])
def test_post_refuses_empty_and_long(qna, text):
    with pytest.raises(ValidationError):
        services.post_question(event=qna.event_world.event, author=qna.attendee, text=text)


def test_vote_once_and_unvote(qna):
    event, q = qna.event_world.event, qna.question
    first = services.vote(event=event, question_id=q.pk, voter=qna.attendee)
    again = services.vote(event=event, question_id=q.pk, voter=qna.attendee)
    assert (first.votes, again.votes, votes(q)) == (1, 1, 1)
    gone = services.unvote(event=event, question_id=q.pk, voter=qna.attendee)
    assert gone.votes == 0 and not gone.voted
    assert services.unvote(event=event, question_id=q.pk, voter=qna.attendee).votes == 0


def test_no_vote_for_own_hidden_pending_or_other_events_question(qna, world):
    event, q = qna.event_world.event, qna.question
    with pytest.raises(ValidationError):
        services.vote(event=event, question_id=q.pk, voter=qna.attendee_c)
    services.hide(event=event, question_id=q.pk, by=None)
    with pytest.raises(ValidationError):
        services.vote(event=event, question_id=q.pk, voter=qna.attendee)
    with pytest.raises(ValidationError):
        services.vote(event=qna.event_world.draft_event, question_id=qna.anonymous_question.pk,
                      voter=qna.attendee)
    assert Vote.objects.count() == 0


def test_moderation_state_rules(qna, personas):
    event, q = qna.event_world.event, qna.question
    op = personas.operator
    with pytest.raises(ValidationError):
        services.approve(event=event, question_id=q.pk, by=op)  # already shown
    services.highlight(event=event, question_id=q.pk, by=op)
    services.highlight(event=event, question_id=qna.anonymous_question.pk, by=op)
    q.refresh_from_db()
    assert not q.highlighted  # one highlighted at a time
    services.hide(event=event, question_id=q.pk, by=op)
    with pytest.raises(ValidationError):
        services.hide(event=event, question_id=q.pk, by=op)
    with pytest.raises(ValidationError):
        services.answer(event=event, question_id=q.pk, by=op, text="No.")
    with pytest.raises(ValidationError):
        services.highlight(event=event, question_id=q.pk, by=op)
    services.approve(event=event, question_id=q.pk, by=op)
    services.answer(event=event, question_id=q.pk, by=op, text="Not this year.")
    q.refresh_from_db()
    assert (q.status, q.answer, q.highlighted) == (S.ANSWERED, "Not this year.", False)
    assert q.answered_at is not None
    actions = set(AuditLog.objects.filter(object_id=str(q.pk)).values_list("action", flat=True))
    assert {"qna.question_highlighted", "qna.question_unhighlighted", "qna.question_hidden",
            "qna.question_approved", "qna.question_answered"} <= actions


def test_merge_unions_voters_and_the_duplicates_author(qna):
    event = qna.event_world.event
    target, duplicate = qna.question, services.post_question(
        event=event, author=qna.attendee, text="Do you plan to co-develop chips with OpenAI?")
    both, only_dup = UserFactory(), UserFactory()
    Vote.objects.bulk_create([Vote(question=target, voter=both), Vote(question=duplicate, voter=both),
                              Vote(question=duplicate, voter=only_dup),
                              Vote(question=duplicate, voter=qna.attendee_c)])  # target's author
    services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                             by=None)
    voters = set(Vote.objects.filter(question=target).values_list("voter_id", flat=True))
    # both once, only_dup, and the duplicate's author; never the target's own author.
    assert voters == {both.pk, only_dup.pk, qna.attendee.pk}
    assert votes(duplicate) == 0
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == target.pk and not duplicate.is_public
    # A vote for the merged question (a stale page) counts for the target.
    late = UserFactory()
    result = services.vote(event=event, question_id=duplicate.pk, voter=late)
    assert result.question_id == target.pk and result.votes == 4
    with pytest.raises(ValidationError):
        services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                                 by=None)
    with pytest.raises(ValidationError):
        services.merge_questions(event=event, duplicate_id=target.pk, target_id=target.pk,
                                 by=None)


@pytest.mark.parametrize("target_status", [S.HIDDEN, S.PENDING])
def test_merge_refuses_a_target_the_audience_does_not_see(qna, target_status):
    """A visible duplicate merged into a hidden or pending question would vanish from the
    audience without being counted as hidden; the merge is refused, nothing changes."""
    event = qna.event_world.event
    target, duplicate = qna.question, qna.anonymous_question
    Question.objects.filter(pk=target.pk).update(status=target_status)
    Vote.objects.create(question=duplicate, voter=UserFactory())
    with pytest.raises(ValidationError, match="청중에게 보이는 질문"):
        services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                                 by=None)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None and votes(duplicate) == 1 and votes(target) == 0
    # Answered targets stay fine (the audience sees them).
    Question.objects.filter(pk=target.pk).update(status=S.ANSWERED)
    services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                             by=None)


def test_no_moderation_of_a_merged_question(qna, personas):
    """A merged question is only a pointer: highlighting, answering, hiding, showing it or
    merging into it or into itself is refused."""
    event, op = qna.event_world.event, personas.operator
    target, duplicate = qna.question, qna.anonymous_question
    services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                             by=op)
    for change, kwargs in ((services.highlight, {}), (services.answer, {"text": "x"}),
                           (services.hide, {}), (services.approve, {})):
        with pytest.raises(ValidationError):
            change(event=event, question_id=duplicate.pk, by=op, **kwargs)
    other = services.post_question(event=event, author=qna.attendee, text="Another one?")
    with pytest.raises(ValidationError):
        services.merge_questions(event=event, duplicate_id=other.pk, target_id=duplicate.pk,
                                 by=op)
    with pytest.raises(ValidationError):
        services.merge_questions(event=event, duplicate_id=other.pk, target_id=other.pk, by=op)
    duplicate.refresh_from_db()
    assert not duplicate.highlighted and duplicate.status == S.APPROVED


def test_merge_repoints_earlier_merges(qna):
    event = qna.event_world.event
    a, b = qna.question, qna.anonymous_question
    c = services.post_question(event=event, author=qna.attendee, text="Chips with OpenAI?")
    services.merge_questions(event=event, duplicate_id=c.pk, target_id=b.pk, by=None)
    services.merge_questions(event=event, duplicate_id=b.pk, target_id=a.pk, by=None)
    c.refresh_from_db()
    assert c.merged_into_id == a.pk


@settings(derandomize=True, deadline=None, max_examples=25,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["t", "d"])), max_size=30),
       st.booleans())
def test_merge_never_counts_anyone_twice(qna, ballots, author_voted):
    """Any votes on both questions: after the merge the target's voters are exactly the
    union of both sets plus the duplicate's author, minus the target's author."""
    event = qna.event_world.event
    people = [UserFactory() for _ in range(8)]
    dup_author = qna.attendee
    target = Question.objects.create(event=event, author=qna.attendee_c, text="t")
    duplicate = Question.objects.create(event=event, author=dup_author, text="d")
    chosen = {"t": set(), "d": set()}
    for index, which in ballots:
        chosen[which].add(people[index].pk)
    if author_voted:
        chosen["t"].add(dup_author.pk)
    Vote.objects.bulk_create([Vote(question=target if w == "t" else duplicate, voter_id=pk)
                              for w in "td" for pk in chosen[w]])
    services.merge_questions(event=event, duplicate_id=duplicate.pk, target_id=target.pk,
                             by=None)
    rows = list(Vote.objects.filter(question=target).values_list("voter_id", flat=True))
    assert len(rows) == len(set(rows))
    assert set(rows) == (chosen["t"] | chosen["d"] | {dup_author.pk}) - {qna.attendee_c.pk}
    assert not Vote.objects.filter(question=duplicate).exists()
