"""Delivery backends for tests only (``KBRIDGE_EMAIL_DELIVERY_BACKEND`` in a test)."""

from __future__ import annotations

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class SlowFileBackend(BaseEmailBackend):
    """A slow mail server whose deliveries can be counted from another process.

    Touches ``$KBRIDGE_TEST_MAIL_FILE.start`` when a send begins, sleeps
    ``$KBRIDGE_TEST_MAIL_SLEEP`` seconds, then appends one line per message (its Message-ID
    and subject) to ``$KBRIDGE_TEST_MAIL_FILE``: a line is a delivered e-mail.
    """

    def send_messages(self, email_messages) -> int:
        path = Path(os.environ["KBRIDGE_TEST_MAIL_FILE"])
        Path(f"{path}.start").touch()
        time.sleep(float(os.environ.get("KBRIDGE_TEST_MAIL_SLEEP", "0")))
        with path.open("a", encoding="utf-8") as out:
            for message in email_messages:
                out.write(f"{message.extra_headers.get('Message-ID')} {message.subject}\n")
                out.flush()
                os.fsync(out.fileno())
        return len(email_messages)


class FlakyBackend(LocmemBackend):
    """The mail server drops the connection ``failures`` times, then delivers to
    ``mail.outbox``. Set ``FlakyBackend.failures`` in the test; ``calls`` counts attempts."""

    failures = 0
    calls = 0

    def send_messages(self, email_messages) -> int:
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class RefusingBackend(BaseEmailBackend):
    """The mail server refuses every recipient for good (550)."""

    def send_messages(self, email_messages) -> int:
        raise smtplib.SMTPRecipientsRefused(
            {r: (550, b"5.1.1 no such user") for m in email_messages for r in m.recipients()})

