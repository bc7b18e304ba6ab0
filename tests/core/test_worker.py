"""Retries with back-off, final failure and lost workers (``python -m kbridge worker``)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.core.mail import queue_email
from kbridge.core.tasks import deliver_email
from kbridge.core.worker import policy_for, reap_expired_leases
from tests.core.mail_backends import FlakyBackend

FLAKY = "tests.core.mail_backends.FlakyBackend"


@pytest.fixture
def flaky(settings):
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = FLAKY
    FlakyBackend.failures = 0
    FlakyBackend.calls = 0
    return FlakyBackend


def _message():
    return EmailMessage("접수증 receipt", "body", "f@kbridge.example", ["ceo@example.kr"])


def test_an_smtp_failure_is_retried_after_a_back_off_then_delivered(run_tasks, flaky):
    flaky.failures = 2
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = queue_email(_message())
        run_tasks()

        delivery.refresh_from_db()
        task = DBTaskResult.objects.get()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "SMTPServerDisconnected" in delivery.last_error
        # Not FAILED for good: queued again for one minute later (+ up to 10 % jitter).
        assert task.status == "READY"
        wait = task.run_after - timezone.now()
        assert timedelta(seconds=60) <= wait <= timedelta(seconds=66)
        assert delivery.next_attempt_at == task.run_after

        run_tasks()  # too early: nothing happens
        assert flaky.calls == 1

        clock.shift(timedelta(seconds=67))
        run_tasks()
        task.refresh_from_db()
        # The second delay doubles.
        assert timedelta(seconds=120) <= task.run_after - timezone.now() <= timedelta(seconds=132)

        clock.shift(timedelta(seconds=133))
        run_tasks()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1
    task.refresh_from_db()
    assert (task.status, len(task.worker_ids)) == ("SUCCESSFUL", 3)


def test_retries_are_bounded_to_about_a_day_then_the_delivery_fails(run_tasks, flaky):
    policy = policy_for(deliver_email.module_path)
    assert timedelta(hours=20) <= policy.total_delay() <= timedelta(hours=30)
    flaky.failures = 10**6
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = queue_email(_message())
        for _ in range(policy.max_attempts):
            run_tasks()
            clock.shift(timedelta(hours=5))
        run_tasks()

    assert flaky.calls == policy.max_attempts
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", policy.max_attempts)
    assert "SMTPServerDisconnected" in delivery.last_error
    assert DBTaskResult.objects.get().status == "FAILED"
    assert mail.outbox == []


def test_a_permanent_refusal_fails_at_once(run_tasks, settings):
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = "tests.core.mail_backends.RefusingBackend"
    delivery = queue_email(_message())
    run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "no such user" in delivery.last_error
    assert DBTaskResult.objects.get().status == "FAILED"

    # A stale task for it sends nothing: only an operator's resend queues it again.
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = FLAKY
    deliver_email.enqueue(delivery.pk)
    run_tasks()
    assert DBTaskResult.objects.latest("enqueued_at").return_value == "failed"
    assert mail.outbox == []


def test_a_task_whose_worker_died_runs_again_once_its_lease_expired(run_tasks):
    delivery = queue_email(_message())
    task = DBTaskResult.objects.get()
    # What a killed worker leaves behind: claimed (RUNNING), its lease never renewed.
    task.claim("dead-worker")
    assert reap_expired_leases() == 0  # still within the lease

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert reap_expired_leases() == 1
        task.refresh_from_db()
        assert task.status == "READY"
        assert "lost" in task.traceback
        run_tasks()

    task.refresh_from_db()
    delivery.refresh_from_db()
    assert (task.status, task.worker_ids[0]) == ("SUCCESSFUL", "dead-worker")
    assert (delivery.status, len(mail.outbox)) == ("sent", 1)


def test_a_task_that_keeps_losing_its_worker_fails_and_its_delivery_shows_it(db):
    delivery = queue_email(_message())
    task = DBTaskResult.objects.get()
    attempts = policy_for(task.task_path).max_attempts
    for n in range(attempts):
        task.claim(f"dead-{n}")
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            reap_expired_leases()
        task.refresh_from_db()
    assert task.status == "FAILED"
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "lost" in delivery.last_error


def test_work_that_raises_a_plain_error_is_not_retried(run_tasks):
    from kbridge.matching.tasks import embed_documents

    embed_documents.enqueue(["nonsense-key-without-kind"])
    # resolve() returns None for unknown keys; make the task fail with a real error instead.
    DBTaskResult.objects.update(args_kwargs={"args": [None], "kwargs": {}})
    run_tasks()
    assert DBTaskResult.objects.get().status == "FAILED"


def test_a_locked_database_while_taking_a_lease_is_waited_out_not_fatal(db, monkeypatch):
    """Issue 17's tester: under a burst of API writes the demo's SQLite answered "database is
    locked" to the lease write and the worker exited for good."""
    from django.db import OperationalError

    from kbridge.core import worker as worker_module
    from kbridge.core.models import TaskLease

    monkeypatch.setattr(worker_module, "LEASE_WRITE_PAUSE", 0)
    real = TaskLease.objects.update_or_create
    calls = []

    def locked_twice(**kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(TaskLease.objects, "update_or_create", locked_twice)
    worker = worker_module.LeasedWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="w1", excluded_queue_names=[])
    queue_email(_message())
    task = DBTaskResult.objects.get()
    worker._take_lease(task.pk)
    assert len(calls) == 3 and TaskLease.objects.get(task_id=task.pk).worker_id == "w1"


def test_another_database_error_while_taking_a_lease_still_stops(db, monkeypatch):
    from django.db import OperationalError

    from kbridge.core import worker as worker_module
    from kbridge.core.models import TaskLease

    def broken(**kwargs):
        raise OperationalError("no such table: core_tasklease")

    monkeypatch.setattr(TaskLease.objects, "update_or_create", broken)
    worker = worker_module.LeasedWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="w1", excluded_queue_names=[])
    with pytest.raises(OperationalError):
        worker._take_lease(7)
