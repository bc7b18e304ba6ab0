"""E-mail goes through a durable outbox and the mail worker.

``EMAIL_BACKEND`` points at :class:`TaskQueueEmailBackend`: any code that sends mail with
Django's API (password reset, verification) only writes an
:class:`~kbridge.core.models.EmailDelivery` row and its ``deliver_email`` task, in the
current transaction. Services that send program mail call :func:`queue_email` directly to
give the row an idempotency key and the operator organisation it concerns. The mail worker
(``python -m kbridge worker --queue-name email``) then delivers it with
``KBRIDGE_EMAIL_DELIVERY_BACKEND`` (console by default, SMTP when ``EMAIL_HOST`` is set),
retrying transient failures with back-off (core/services.py, core/worker.py). A slow or
failing mail server never slows down or breaks a page, a rolled-back change sends no mail,
and a delivery recorded as sent is never sent again.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Model
from django_tasks_db.backend import DatabaseBackend

from kbridge.core.models import EmailDelivery
from kbridge.core.text import header_line


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    """The message as JSON for the outbox. Every header value built from people's input
    (the subject, extra headers) passes :func:`kbridge.core.text.header_line` here, the one
    path into the outbox: a line break can never reach the mail worker as a broken header."""
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            # An inline part (an image the HTML shows by ``cid:``): kept with its Content-ID.
            attachments.append([
                attachment.get_filename() or "",
                base64.b64encode(attachment.get_payload(decode=True)).decode(),
                attachment.get_content_type(),
                header_line(str(attachment.get("Content-ID", ""))).strip("<>")])
            continue
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append([filename, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": header_line(str(message.subject)),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {header_line(str(k)): header_line(str(v))
                    for k, v in message.extra_headers.items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def deserialize_message(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype, *inline in data["attachments"]:
        if inline and inline[0]:
            message.attach(inline_part(base64.b64decode(content), mimetype, filename, inline[0]))
        else:
            message.attach(filename, base64.b64decode(content), mimetype)
    return message


def inline_part(content: bytes, mimetype: str, filename: str, content_id: str) -> MIMEBase:
    """An attachment shown inside the message: the HTML alternative refers to it as
    ``<img src="cid:{content_id}">`` (``Content-Disposition: inline``). ``mimetype`` is
    ``type/subtype``, e.g. ``image/png``."""
    maintype, _sep, subtype = mimetype.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(content)
    encoders.encode_base64(part)
    part.add_header("Content-ID", f"<{content_id}>")
    part.add_header("Content-Disposition", "inline", filename=filename)
    return part


def message_id_for(key: str) -> str:
    """A Message-ID derived from the idempotency key: should a delivery ever be sent twice
    (the worker died after the server accepted it, before ``sent`` was recorded), mail
    clients see one message."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "kbridge.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def queue_email(message: EmailMessage, *, idempotency_key: str = "",
                organisation: Model | None = None) -> EmailDelivery:
    """Put one message in the outbox and queue its delivery, in the caller's transaction.

    ``idempotency_key`` (≤ 100 characters, e.g. ``receipt:42``) makes queueing idempotent:
    a key already in the outbox returns its existing row and queues nothing. Without one,
    a random key is used. ``organisation`` is the operator organisation (an
    ``accounts.Organisation``; core sits below accounts and names it only through the string
    reference of ``EmailDelivery.organisation``) whose staff may see and resend the delivery
    (None: administrators only). Raises ValueError for a message
    without recipients.
    """
    from kbridge.core.tasks import deliver_email

    if not message.recipients():
        raise ValueError("an e-mail needs at least one recipient")
    key = idempotency_key or f"mail:{uuid.uuid4().hex}"
    payload = serialize_message(message)
    payload["headers"].setdefault("Message-ID", message_id_for(key))
    with transaction.atomic():
        delivery, created = EmailDelivery.objects.get_or_create(
            idempotency_key=key,
            defaults={"organisation": organisation, "subject": payload["subject"][:300],
                      "recipients": message.recipients(), "payload": payload})
        if created:
            if isinstance(deliver_email.get_backend(), DatabaseBackend):
                # The task row commits with the delivery row: neither exists without the other.
                deliver_email.enqueue(delivery.pk)
            else:
                transaction.on_commit(lambda: deliver_email.enqueue(delivery.pk))
    return delivery


class TaskQueueEmailBackend(BaseEmailBackend):
    """Django e-mail backend that puts each message in the outbox (see the module doc)."""

    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            queue_email(message)
            count += 1
        return count
