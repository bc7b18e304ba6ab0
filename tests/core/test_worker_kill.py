"""kill -9 of a real worker process mid-task: the task runs again, the e-mail goes out once.

Starts ``python -m kbridge worker --queue-name email`` as a subprocess against the test
database (its name passed through ``DATABASE_URL``), SIGKILLs it, starts another one and
counts deliveries in a file written by a test-only slow mail server
(tests/core/mail_backends.py). Runs on PostgreSQL and on SQLite (a file database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django_tasks_db.models import DBTaskResult

from kbridge.core.mail import queue_email
from kbridge.core.models import EmailDelivery
from tests.core.worker_tasks import deliver_then_stall

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2  # seconds: the test waits for leases to expire, so keep them short


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    pytest.skip(f"no worker test for {connection.vendor}")


class Workers:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.mail_file = tmp_path / "delivered.log"
        self.started: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kbridge.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DATABASE_URL": _database_url(),
            "TASK_LEASE_SECONDS": str(LEASE),
            "EMAIL_DELIVERY_LEASE_SECONDS": "1",
            "EMAIL_DELIVERY_BACKEND": "tests.core.mail_backends.SlowFileBackend",
            "KBRIDGE_TEST_MAIL_FILE": str(self.mail_file),
            **env,
        }
        n = len(self.started)
        process = subprocess.Popen(
            [sys.executable, "-m", "kbridge", "worker", "--queue-name", "email",
             "--interval", "0.2", "--no-startup-delay", "--no-reload", "--worker-id", f"w{n}"],
            cwd=ROOT, env=environment,
            stdout=(self.tmp_path / f"worker{n}.out").open("w"), stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker*.out")))

    def delivered(self) -> list[str]:
        return self.mail_file.read_text().splitlines() if self.mail_file.exists() else []

    def wait_for(self, condition, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; worker output:\n{self.log()}")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def workers(transactional_db, tmp_path):
    w = Workers(tmp_path)
    yield w
    w.stop_all()


def _task_status(pk) -> str:
    return DBTaskResult.objects.get(pk=pk).status


def test_worker_killed_while_sending_is_replaced_and_the_mail_goes_out_once(workers):
    delivery = queue_email(EmailMessage("접수증 receipt", "body", "f@kbridge.example",
                                        ["ceo@example.kr"]), idempotency_key="kill:mid-send")
    task = DBTaskResult.objects.get()

    first = workers.start(KBRIDGE_TEST_MAIL_SLEEP="60")  # a mail server that hangs
    workers.wait_for(lambda: Path(f"{workers.mail_file}.start").exists(), "the send to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)

    assert workers.delivered() == []
    # What django-tasks-db alone leaves behind: RUNNING, forever.
    assert _task_status(task.pk) == "RUNNING"

    workers.start(KBRIDGE_TEST_MAIL_SLEEP="0")
    workers.wait_for(lambda: _task_status(task.pk) == "SUCCESSFUL", "the re-run to finish")

    assert len(workers.delivered()) == 1
    assert "접수증 receipt" in workers.delivered()[0]
    delivery.refresh_from_db()
    task.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert task.worker_ids == ["w0", "w1"]
    assert task.return_value == "sent"


def test_worker_killed_after_the_send_was_recorded_does_not_send_it_again(workers):
    delivery = queue_email(EmailMessage("s", "body", "f@kbridge.example", ["ceo@example.kr"]),
                           idempotency_key="kill:after-send")
    # Run this delivery through the test task that pauses after sending, before the
    # worker acknowledges the task.
    DBTaskResult.objects.all().delete()
    task = deliver_then_stall.enqueue(delivery.pk)

    first = workers.start(KBRIDGE_TEST_STALL_AFTER_SEND="60")
    workers.wait_for(
        lambda: EmailDelivery.objects.get(pk=delivery.pk).status == "sent", "the send")
    assert _task_status(task.id) == "RUNNING"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert len(workers.delivered()) == 1

    workers.start()
    workers.wait_for(lambda: _task_status(task.id) == "SUCCESSFUL", "the re-run to finish")

    assert len(workers.delivered()) == 1
    row = DBTaskResult.objects.get(pk=task.id)
    assert (row.return_value, row.worker_ids) == ("already sent", ["w0", "w1"])
