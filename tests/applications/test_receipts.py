"""The receipt of a submission goes through the outbox, once, as mail of the program's operator."""

from __future__ import annotations

from django.core import mail

from kbridge.core.models import EmailDelivery


def test_the_application_receipt_belongs_to_the_programs_operator(submitted, run_tasks):
    run_tasks()
    receipt = EmailDelivery.objects.get()
    assert receipt.idempotency_key == f"receipt:{submitted.submissions.get().pk}"
    assert receipt.organisation == submitted.call.program.operator
    assert receipt.status == "sent"


def test_a_rerun_receipt_task_queues_no_second_receipt(submitted, run_tasks):
    from kbridge.applications.tasks import email_receipt

    run_tasks()
    email_receipt.enqueue(submitted.submissions.get().pk)  # e.g. re-run after a lost worker
    run_tasks()
    assert EmailDelivery.objects.count() == 1
    assert len(mail.outbox) == 1
