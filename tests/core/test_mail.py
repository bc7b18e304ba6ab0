"""E-mail leaves through the task queue, only after the transaction commits."""

from django.core import mail
from django.core.mail import EmailMessage
from django_tasks_db.models import DBTaskResult


def test_mail_is_queued_then_delivered_by_the_worker(db, run_tasks,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = EmailMessage("제목 subject", "본문 body", "from@kbridge.example",
                               ["to@example.kr"])
        message.attach("receipt.txt", b"hash=abc", "text/plain")
        message.send()

    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    run_tasks()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to) == ("제목 subject", "본문 body", ["to@example.kr"])
    assert sent.attachments[0][0] == "receipt.txt"
    assert sent.attachments[0][1] in (b"hash=abc", "hash=abc")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_rolled_back_change_sends_no_mail(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        EmailMessage("s", "b", "from@kbridge.example", ["to@example.kr"]).send()
    # The callbacks were registered but never run: nothing enqueued without a commit.
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 0
