"""E-mail goes through the task queue.

``EMAIL_BACKEND`` points at :class:`TaskQueueEmailBackend`: any code that sends mail with
Django's API (password reset, verification, receipts) only enqueues a task, after the current
transaction commits. The worker then delivers it with ``KBRIDGE_EMAIL_DELIVERY_BACKEND``
(console by default, SMTP when ``EMAIL_HOST`` is set). A slow or failing mail server therefore
never slows down or breaks a page, and a rolled-back change sends no mail.
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append([filename, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
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
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


class TaskQueueEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        from kbridge.core.tasks import deliver_email

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            payload = serialize_message(message)
            transaction.on_commit(lambda payload=payload: deliver_email.enqueue(payload))
            count += 1
        return count
