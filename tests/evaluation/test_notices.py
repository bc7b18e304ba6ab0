"""Notices of a stage through the real task worker (issue 13, item 9): assignment, reminders
3 days and 1 day before the stage closes, overdue after it closes. A conflicted pair is never
mentioned; an edited window or a second run never sends twice or at a wrong time; each mail
is in its recipient's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.core.models import EmailDelivery
from kbridge.evaluation.models import Scoresheet, Stage
from kbridge.evaluation.services import notices
from kbridge.evaluation.services import stages as services


def _tasks(name: str):
    return DBTaskResult.objects.filter(task_path__endswith=f"evaluation.tasks.{name}")


def _due_now(name: str) -> None:
    _tasks(name).filter(status="READY").update(run_after=timezone.now())


def _to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def staged(evaluation, world):
    """The evaluation world once the call's deadline has passed (the document evaluation
    opens after it)."""
    world.call.deadline_at = timezone.now() - dt.timedelta(days=2)
    world.call.save(update_fields=["deadline_at"])
    return evaluation


@pytest.fixture
def evaluation_en(staged, personas):
    evaluation = staged
    personas.evaluator.preferred_language = "en"
    personas.evaluator.save(update_fields=["preferred_language"])
    return evaluation


def test_saving_a_window_schedules_the_reminders_and_the_overdue_notice(world, personas):
    world.call.deadline_at = timezone.now() - dt.timedelta(days=1)
    world.call.save(update_fields=["deadline_at"])
    opens = timezone.now() + dt.timedelta(days=1)
    closes = opens + dt.timedelta(days=10)
    stage = services.create_stage(call=world.call, kind=Stage.Kind.DOCUMENT,
                                  by=personas.operator, opens_at=opens, closes_at=closes)
    reminders = sorted((r.run_after, r.args_kwargs["args"]) for r in _tasks("send_reminders"))
    assert reminders == [
        (closes - dt.timedelta(days=3), [stage.pk, 3, closes.isoformat()]),
        (closes - dt.timedelta(days=1), [stage.pk, 1, closes.isoformat()])]
    assert [r.run_after for r in _tasks("send_overdue")] == [closes]


def test_assignment_notice_counts_applications_and_never_mentions_a_conflicted_pair(
        evaluation_en, personas, client, run_tasks):
    client.force_login(personas.operator)
    client.post(f"/manage/evaluation/stages/{evaluation_en.stage.pk}/notify/")
    run_tasks()
    [message] = _to(personas.evaluator)
    assert message.subject.startswith("[K-Bridge] Applications assigned to you")
    assert "You have been assigned 1 application in the Document evaluation" in message.body
    assert personas.startup_a_org.name_ko not in message.body
    assert personas.startup_a_org.name_en not in message.body
    # The conflicted evaluator's only assignment is the conflicted pair: no mail at all.
    assert _to(personas.evaluator_conflicted) == []
    # A second notice of the same assignments sends nothing.
    notices.notify_assigned(stage=evaluation_en.stage, by=personas.operator)
    run_tasks()
    assert len(_to(personas.evaluator)) == 1


def test_the_reminder_goes_to_evaluators_with_unsubmitted_scoresheets_once(
        evaluation_en, personas, run_tasks):
    stage = evaluation_en.stage
    # Closing in two days: the 3-day reminder is due at once, the 1-day one tomorrow.
    services.update_stage(stage=stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=2))
    run_tasks()
    [message] = _to(personas.evaluator)
    assert message.subject.startswith("[K-Bridge] Reminder: the evaluation closes on")
    assert "1 of your scoresheets in the Document evaluation" in message.body
    assert _to(personas.evaluator_conflicted) == []
    # Run the same reminder again (a re-run after a lost worker): nothing new.
    sent = notices.send_reminders(stage.pk, 3, stage.closes_at.isoformat())
    assert sent == 0 and len(_to(personas.evaluator)) == 1


def test_the_reminder_is_in_the_recipients_language(staged, personas, run_tasks):
    stage = staged.stage  # the evaluator reads Korean (the default)
    services.update_stage(stage=stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=2))
    run_tasks()
    [message] = _to(personas.evaluator)
    assert "평가" in message.subject


def test_a_submitted_evaluator_gets_no_reminder(staged, personas, run_tasks):
    Scoresheet.objects.filter(assignment=staged.assignment).update(
        status=Scoresheet.Status.SUBMITTED)
    services.update_stage(stage=staged.stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=2))
    run_tasks()
    assert _to(personas.evaluator) == []


def test_an_edited_window_makes_the_old_reminders_send_nothing(evaluation_en, personas,
                                                              run_tasks):
    stage = evaluation_en.stage
    services.update_stage(stage=stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=5))
    services.update_stage(stage=stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=20))
    # Pretend every reminder's time has come: those of the old window must stay silent, and
    # those of the new one find it too early.
    _due_now("send_reminders")
    run_tasks()
    assert _to(personas.evaluator) == []
    assert set(_tasks("send_reminders").values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_reminder_is_not_sent_at_a_wrong_time(evaluation_en, personas):
    stage = evaluation_en.stage  # closes in six days
    assert notices.send_reminders(stage.pk, 3, stage.closes_at.isoformat()) == 0
    assert notices.send_reminders(stage.pk, 1, stage.closes_at.isoformat()) == 0
    assert EmailDelivery.objects.count() == 0


def test_closing_sends_the_overdue_notice_to_late_evaluators_and_operators(
        evaluation_en, personas, client, run_tasks):
    client.force_login(personas.operator)
    client.post(f"/manage/evaluation/stages/{evaluation_en.stage.pk}/close/")
    run_tasks()
    [late] = _to(personas.evaluator)
    assert "has closed and 1 of your scoresheets was not submitted" in late.body
    [operator] = _to(personas.operator)
    assert personas.evaluator.full_name in operator.body
    assert personas.evaluator_conflicted.full_name not in operator.body
    assert _to(personas.evaluator_conflicted) == []
    assert _to(personas.operator_b) == []
    # The overdue task scheduled for the original closing time finds it sent already.
    _due_now("send_overdue")
    run_tasks()
    assert len(_to(personas.evaluator)) == 1 and len(_to(personas.operator)) == 1


def test_an_extended_window_defers_the_overdue_notice(evaluation_en, personas, run_tasks):
    stage = evaluation_en.stage
    old = stage.closes_at.isoformat()
    services.update_stage(stage=stage, by=personas.operator,
                          closes_at=timezone.now() + dt.timedelta(days=30))
    Stage.objects.filter(pk=stage.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    # The stage has ended, but at another time than the stale task was scheduled for.
    assert notices.send_overdue(stage.pk, old) == 0
