"""Reminders 30 and 14 days before a report is due (09:00 KST), each e-mailed once, on the
durable task queue: queued at each moment when the reports are scheduled, caught up by a
starting worker, run by the real worker (``python -m kbridge worker``)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.alliance import tasks_reports
from kbridge.alliance.models import MilestoneReport
from kbridge.alliance.report_schedule import KST, reminder_moment
from kbridge.alliance.services import reports as services
from kbridge.core.models import AuditLog, EmailDelivery
from tests.alliance.reports.world import accepted, first_report, submitted


def _due_in(report, days: int, today: dt.date) -> MilestoneReport:
    MilestoneReport.objects.filter(pk=report.pk).update(due_on=today + dt.timedelta(days=days))
    report.refresh_from_db()
    return report


def _kst(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=KST)


def test_each_reminder_is_sent_once_at_its_moment(agreement_a, personas):
    report = first_report(agreement_a)
    due = report.due_on
    at_30, at_14 = reminder_moment(due, 30), reminder_moment(due, 14)

    assert services.send_due_reminders(now=at_30 - dt.timedelta(minutes=1)) == []
    assert services.send_due_reminders(now=at_30) == [(report.pk, 30)]
    assert services.send_due_reminders(now=at_30 + dt.timedelta(days=1)) == []
    assert services.send_due_reminders(now=at_14) == [(report.pk, 14)]
    assert services.send_due_reminders(now=at_14 + dt.timedelta(days=13)) == []

    report.refresh_from_db()
    assert (report.reminded_30_at, report.reminded_14_at) == (at_30, at_14)
    keys = set(EmailDelivery.objects.filter(idempotency_key__startswith="report-reminder")
               .values_list("idempotency_key", flat=True))
    assert keys == {f"report-reminder:{report.pk}:{d}:{personas.startup_a.pk}"
                    for d in (30, 14)}
    assert AuditLog.objects.filter(action="alliance.report_reminded").count() == 2


def test_a_missed_30_day_reminder_gives_way_to_the_14_day_one(agreement_a):
    report = first_report(agreement_a)
    assert services.send_due_reminders(now=reminder_moment(report.due_on, 14)) == [
        (report.pk, 14)]
    assert services.send_due_reminders(now=reminder_moment(report.due_on, 14)) == []


def test_submitted_and_overdue_reports_get_no_reminder(world, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    assert services.send_due_reminders(now=reminder_moment(report.due_on, 14)) == []
    overdue = agreement_a.milestone_reports.get(sequence=2)
    assert services.send_due_reminders(
        now=_kst(overdue.due_on + dt.timedelta(days=1))) == []


def test_a_returned_report_is_still_reminded(agreement_a, personas):
    report = submitted(first_report(agreement_a), personas)
    services.return_report(report=report, by=personas.operator, comment="보완")
    assert services.send_due_reminders(now=reminder_moment(report.due_on, 30)) == [
        (report.pk, 30)]


def test_scheduling_queues_a_run_at_each_reminder_moment_still_ahead(
        world, personas, django_capture_on_commit_callbacks):
    agreement = accepted(world, personas, schedule=False)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_reports(agreement=agreement)

    queued = DBTaskResult.objects.filter(task_path__endswith="send_report_reminders")
    moments = {reminder_moment(r.due_on, days) for r in agreement.milestone_reports.all()
               for days in (30, 14)}
    assert {t.run_after for t in queued} == {m for m in moments if m > timezone.now()}
    assert queued.count() == len({t.run_after for t in queued})


def test_a_starting_worker_catches_up_only_when_a_reminder_is_due(agreement_a):
    DBTaskResult.objects.all().delete()
    tasks_reports.catch_up_on_worker_start(None, queues=["*"], excluded=["email"])
    assert not DBTaskResult.objects.exists()  # report 1 is due in weeks: nothing due yet

    report = first_report(agreement_a)
    _due_in(report, 20, services.kst_today())
    tasks_reports.catch_up_on_worker_start(None, queues=["email"], excluded=[])
    assert not DBTaskResult.objects.exists()  # a mail-only worker does not run it
    tasks_reports.catch_up_on_worker_start(None, queues=["*"], excluded=["email"])
    assert DBTaskResult.objects.filter(
        task_path__endswith="tasks_reports.send_report_reminders").count() == 1


def test_the_worker_sends_the_reminders_due_and_later_the_ones_it_was_queued_for(
        run_tasks, world, personas):
    """Transactional: the real worker claims the queued runs, sends, and the mail worker
    delivers; a run queued for the 14-day moment does its work when that moment comes."""
    agreement = accepted(world, personas)  # queues the runs at every moment ahead
    report = first_report(agreement)
    # Only the reminders' runs: the world's applications queued their matching analysis.
    DBTaskResult.objects.exclude(task_path__endswith="send_report_reminders").delete()
    mail.outbox.clear()

    with time_machine.travel(reminder_moment(report.due_on, 30) + dt.timedelta(minutes=5)):
        tasks_reports.catch_up_on_worker_start(None, queues=["*"], excluded=[])
        run_tasks()
        run_tasks()  # a second worker pass changes nothing
    report.refresh_from_db()
    assert report.reminded_30_at is not None and report.reminded_14_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [personas.startup_a.email]
    assert "30" in mail.outbox[0].subject

    with time_machine.travel(reminder_moment(report.due_on, 14) + dt.timedelta(minutes=5)):
        run_tasks()
    report.refresh_from_db()
    assert report.reminded_14_at is not None
    assert len(mail.outbox) == 2 and "14" in mail.outbox[1].subject
