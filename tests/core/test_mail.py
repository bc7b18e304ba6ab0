"""E-mail goes into a durable outbox in the sender's transaction; the mail worker sends it,
at most once per idempotency key."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from kbridge.core.mail import message_id_for, queue_email
from kbridge.core.models import EmailDelivery
from kbridge.core.tasks import deliver_email


def test_mail_is_queued_then_delivered_by_the_worker(db, run_tasks):
    message = EmailMessage("제목 subject", "본문 body", "from@kbridge.example", ["to@example.kr"])
    message.attach("receipt.txt", b"hash=abc", "text/plain")
    message.send()

    assert mail.outbox == []
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.recipients, delivery.organisation) == (
        "pending", ["to@example.kr"], None)
    task = DBTaskResult.objects.get(status="READY")
    assert (task.queue_name, task.args_kwargs["args"]) == ("email", [delivery.pk])

    run_tasks()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to) == ("제목 subject", "본문 body", ["to@example.kr"])
    assert sent.attachments[0][0] == "receipt.txt"
    assert sent.attachments[0][1] in (b"hash=abc", "hash=abc")
    # The Message-ID comes from the idempotency key, so even a duplicate would be one mail.
    assert sent.extra_headers["Message-ID"] == message_id_for(delivery.idempotency_key)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_rolled_back_change_sends_no_mail(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        EmailMessage("s", "b", "from@kbridge.example", ["to@example.kr"]).send()
        assert EmailDelivery.objects.count() == 1
        raise RuntimeError("the change fails after the mail was written")
    # The outbox row and its task were in the rolled-back transaction: nothing to send.
    assert EmailDelivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_one_idempotency_key_is_one_delivery(db):
    first = queue_email(EmailMessage("s", "b", "f@kbridge.example", ["a@example.kr"]),
                        idempotency_key="receipt:1")
    again = queue_email(EmailMessage("s", "b", "f@kbridge.example", ["a@example.kr"]),
                        idempotency_key="receipt:1")
    assert again.pk == first.pk
    assert EmailDelivery.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_rerun_of_a_sent_delivery_sends_nothing(db, run_tasks):
    delivery = queue_email(EmailMessage("s", "b", "f@kbridge.example", ["a@example.kr"]))
    run_tasks()
    assert len(mail.outbox) == 1
    # The same delivery's task again (a re-run after a lost acknowledgement, a duplicate).
    deliver_email.enqueue(delivery.pk)
    run_tasks()
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert DBTaskResult.objects.latest("enqueued_at").return_value == "already sent"


def test_a_message_without_recipients_is_refused(db):
    with pytest.raises(ValueError):
        queue_email(EmailMessage("s", "b", "f@kbridge.example", []))
