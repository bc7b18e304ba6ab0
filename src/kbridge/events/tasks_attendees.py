"""Background work of choosing attendees: the waitlist offers' expiry.

``expire_event_offers`` is queued for each offer's ``respond_by`` when the offer is made
(``services.attendees.offer_next``) and expires every pending offer then due, so a deadline is
acted on even if the worker was down at that moment (the next run, or the catch-up a starting
worker queues, does it), and a second run changes nothing (core/worker.py: tasks run at least
once).
"""

from __future__ import annotations

from django_tasks import task


@task()
def expire_event_offers() -> int:
    """Expire the event waitlist offers past their deadline and offer their places on."""
    from kbridge.events.services import attendees

    return attendees.expire_offers()


def catch_up_on_worker_start(sender, queues, excluded, **kwargs) -> None:
    """``core.signals.worker_starting`` receiver: a worker that takes the default queue
    queues one expiry run when some offer is pending (a worker start queues no idle task)."""
    from kbridge.core.signals import takes_queue
    from kbridge.events.services import attendees

    if takes_queue("default", queues=queues, excluded=excluded) and \
            attendees.pending_offers_exist():
        expire_event_offers.enqueue()


def connect_worker_start() -> None:
    from kbridge.core.signals import worker_starting

    worker_starting.connect(catch_up_on_worker_start,
                            dispatch_uid="events.attendees.catch_up")
