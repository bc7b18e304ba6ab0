from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django_tasks import task

from kbridge.core.mail import deserialize_message


@task(queue_name="email")
def deliver_email(payload: dict) -> int:
    """Send one queued message with the real delivery backend."""
    connection = get_connection(settings.KBRIDGE_EMAIL_DELIVERY_BACKEND, fail_silently=False)
    return connection.send_messages([deserialize_message(payload)])
