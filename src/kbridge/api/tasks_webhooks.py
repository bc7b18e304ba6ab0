"""Webhook tasks: the fan-out of one event and the delivery of one payload (thin: ids in,
services do the work). Queue ``webhooks``, taken by the worker of every queue but e-mail."""

from __future__ import annotations

from django_tasks import task

from kbridge.core.worker import RetryLater, retry_policy


def _generation(args: list) -> int:
    return args[1] if len(args) > 1 and isinstance(args[1], int) else 0


def _failed(args: list, kwargs: dict, error: str) -> None:
    from kbridge.api.services_webhooks import fail_delivery

    if args and isinstance(args[0], int):
        fail_delivery(delivery_id=args[0], error=error, generation=_generation(args))


def _retrying(args: list, kwargs: dict, at) -> None:
    from kbridge.api.services_webhooks import schedule_retry

    if args and isinstance(args[0], int):
        schedule_retry(delivery_id=args[0], at=at, generation=_generation(args))


#: The back-off: 1, 2, 4 … 256 minutes, then every 8 hours; 17 attempts, the last one about
#: 64.5 hours (2.7 days) after the first, under 71 hours with the worker's 10 % jitter:
#: always within 3 days (tests/api/test_webhooks.py checks it).
RETRY = {"max_attempts": 17, "base_delay": 60, "max_delay": 8 * 3600}


@retry_policy(max_attempts=5, base_delay=30)
@task(queue_name="webhooks")
def fan_out_event(audit_id: int, site: str = "") -> int:
    """Make and queue the deliveries of one audited event (idempotent: run again after a
    database hiccup, such as a busy SQLite file); ``site`` is the address the event's links
    point at, taken where the event happened (``core.site.site_url``)."""
    from django.db import OperationalError

    from kbridge.api.services_webhooks import fan_out

    try:
        return fan_out(audit_id=audit_id, site=site)
    except OperationalError as exc:
        raise RetryLater(f"fan-out of audit row {audit_id}: {exc}") from exc


@retry_policy(**RETRY, on_failure=_failed, on_retry=_retrying)
@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int, generation: int = 0) -> str:
    """POST one webhook delivery; raises ``RetryLater`` until the receiver answers 2xx."""
    from kbridge.api.services_webhooks import deliver

    return deliver(delivery_id=delivery_id, generation=generation)
