"""State changes of the core app: the e-mail outbox (delivery, final failure, resend)."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.core import audit
from kbridge.core.mail import deserialize_message
from kbridge.core.models import EmailDelivery
from kbridge.core.worker import RetryLater

Status = EmailDelivery.Status


def is_permanent(exc: BaseException) -> bool:
    """True when the mail server refused the message for good (5xx for every recipient or
    for the data); connection errors, time-outs, 4xx and authentication problems are
    transient and retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def deliver_email(*, delivery_id: int) -> str:
    """Send one outbox e-mail with ``KBRIDGE_EMAIL_DELIVERY_BACKEND``, at most once.

    Claims the row (``pending``, or ``sending`` whose lease of
    ``EMAIL_DELIVERY_LEASE_SECONDS`` expired because its worker died), sends, and records
    ``sent``. Returns ``"sent"``, ``"already sent"`` (a re-run after the send was recorded:
    nothing is sent), ``"failed"`` (gave up earlier; nothing is sent) or ``"gone"``.
    Raises :class:`RetryLater` for a transient failure or while another worker holds the
    lease (the task runs again after a back-off); re-raises a permanent refusal.
    Every failure is kept in ``last_error``; ``attempts`` counts sends started.
    """
    now = timezone.now()
    claimed = EmailDelivery.objects.filter(
        Q(status=Status.PENDING) | Q(status=Status.SENDING, lease_until__lt=now),
        pk=delivery_id,
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now,
             next_attempt_at=None,
             lease_until=now + timedelta(seconds=settings.EMAIL_DELIVERY_LEASE_SECONDS))
    if not claimed:
        delivery = EmailDelivery.objects.filter(pk=delivery_id).first()
        if delivery is None:
            return "gone"
        if delivery.status == Status.SENT:
            return "already sent"
        if delivery.status == Status.FAILED:
            return "failed"  # a stale task; only an operator's resend queues it again
        raise RetryLater(f"delivery {delivery_id} is {delivery.status} "
                         f"(leased until {delivery.lease_until})")
    delivery = EmailDelivery.objects.get(pk=delivery_id)
    try:
        connection = get_connection(settings.KBRIDGE_EMAIL_DELIVERY_BACKEND,
                                    fail_silently=False)
        if connection.send_messages([deserialize_message(delivery.payload)]) != 1:
            raise smtplib.SMTPException("the mail backend accepted no message")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        EmailDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
            status=Status.PENDING, lease_until=None, last_error=error)
        if isinstance(exc, OSError) and not is_permanent(exc):
            raise RetryLater(error) from exc
        raise
    EmailDelivery.objects.filter(pk=delivery_id).update(
        status=Status.SENT, sent_at=timezone.now(), lease_until=None, last_error="")
    return "sent"


def schedule_email_retry(*, delivery_id: int, at: datetime) -> None:
    """Record when the next attempt of a delivery is due (shown to operators)."""
    EmailDelivery.objects.filter(pk=delivery_id).exclude(status=Status.SENT).update(
        next_attempt_at=at)


@transaction.atomic
def fail_email_delivery(*, delivery_id: int, error: str) -> None:
    """The delivery gave up (attempts exhausted, permanent refusal or worker lost): mark it
    ``failed`` so operators see it and can resend. A sent delivery is left alone."""
    changes = {"status": Status.FAILED, "lease_until": None, "next_attempt_at": None}
    rows = EmailDelivery.objects.filter(pk=delivery_id).exclude(status=Status.SENT)
    rows.filter(last_error="").update(last_error=error[:2000])
    rows.update(**changes)


@transaction.atomic
def resend_email(*, delivery: EmailDelivery, by) -> EmailDelivery:
    """Queue a failed delivery again (same message, same idempotency key).

    Raises ValidationError unless the delivery is ``failed`` (a sent one is never resent;
    a pending one is still being retried). Side effects: audit ``email.resent``; a new
    ``deliver_email`` task in this transaction.
    """
    from kbridge.core.tasks import deliver_email as deliver_task

    moved = EmailDelivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(
        status=Status.PENDING, next_attempt_at=None)
    if not moved:
        raise ValidationError(_("Only a failed e-mail can be sent again."))
    delivery.refresh_from_db()
    audit.record("email.resent", delivery, before={"status": Status.FAILED},
                 after={"status": delivery.status, "attempts": delivery.attempts,
                        "recipients": delivery.recipients}, actor=by)
    deliver_task.enqueue(delivery.pk)
    return delivery
