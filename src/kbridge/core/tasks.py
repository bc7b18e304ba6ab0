from __future__ import annotations

from django_tasks import task

from kbridge.core.worker import retry_policy


def _failed(args: list, kwargs: dict, error: str) -> None:
    from kbridge.core.services import fail_email_delivery

    if args and isinstance(args[0], int):
        fail_email_delivery(delivery_id=args[0], error=error)


def _retrying(args: list, kwargs: dict, at) -> None:
    from kbridge.core.services import schedule_email_retry

    if args and isinstance(args[0], int):
        schedule_email_retry(delivery_id=args[0], at=at)


# 14 attempts: after 1, 2, 4 … 128 minutes, then every 4 hours — about 24 hours in all.
@retry_policy(max_attempts=14, base_delay=60, max_delay=4 * 3600,
              on_failure=_failed, on_retry=_retrying)
@task(queue_name="email")
def deliver_email(delivery_id: int) -> str:
    """Send one outbox e-mail (``core.models.EmailDelivery``) unless it was sent already.

    A task queued before the outbox existed carries the serialised message itself; it is
    put in the outbox first.
    """
    from kbridge.core import services
    from kbridge.core.mail import deserialize_message, queue_email

    if isinstance(delivery_id, dict):
        import hashlib
        import json

        key = "legacy:" + hashlib.sha256(
            json.dumps(delivery_id, sort_keys=True).encode()).hexdigest()[:64]
        delivery_id = queue_email(deserialize_message(delivery_id), idempotency_key=key).pk
    return services.deliver_email(delivery_id=delivery_id)
