"""Mail has its own queue and its own worker process, so bulk work never delays it."""

from __future__ import annotations

import re
from pathlib import Path

from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from kbridge.applications.tasks import email_receipt
from kbridge.core.models import EmailDelivery
from kbridge.core.tasks import deliver_email
from kbridge.matching.tasks import embed_documents, warm_search

ROOT = Path(__file__).resolve().parents[2]


def test_mail_tasks_and_bulk_tasks_are_on_different_queues():
    assert {deliver_email.queue_name, email_receipt.queue_name} == {"email"}
    assert {embed_documents.queue_name, warm_search.queue_name} == {"default"}


def test_the_mail_worker_sends_the_receipt_while_embedding_work_waits(submitted, run_tasks):
    # The submission queued its receipt; a long embedding task is waiting too.
    embed_documents.enqueue([f"startup:{submitted.applicant_id}"])
    call_command("worker", queue_name="email", batch=True, startup_delay=False, interval=0,
                 reload=False, verbosity=0)

    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get().status == "sent"
    # The e-mail worker never touched the bulk queue.
    assert set(DBTaskResult.objects.filter(queue_name="default")
               .values_list("status", flat=True)) == {"READY"}
    assert set(DBTaskResult.objects.filter(queue_name="email")
               .values_list("status", flat=True)) == {"SUCCESSFUL"}


def _worker_commands(text: str) -> list[str]:
    return re.findall(r"-m kbridge (worker[^&\n;]*)", text)


def test_the_demo_and_the_production_commands_run_a_separate_mail_worker():
    for path in (ROOT / "Makefile", ROOT / "README.md"):
        commands = [" ".join(c.split()) for c in _worker_commands(path.read_text())]
        assert any("--queue-name email" in c for c in commands), path
        assert any("--queue-name '*' --exclude-queues email" in c for c in commands), path
        assert "db_worker --queue-name '*'" not in path.read_text(), path
