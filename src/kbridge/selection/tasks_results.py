"""Background work of the results: the announcement e-mails (``services.results``).

``announce_results`` is queued by ``services.results.schedule_announcement`` to run at the
announcement instant. It sends whatever is due and not yet sent for every announced selection
(``announce_due``), not only its own: a run missed by a stopped worker is caught up by the
next one, and every e-mail has an idempotency key, so a second run or a re-run after a lost
worker sends nothing twice (core/worker.py: tasks run at least once).
"""

from __future__ import annotations

from django_tasks import task


@task(queue_name="email")
def announce_results(selection_id: int, announcement_at: str) -> int:
    """The result e-mails due at ``announcement_at`` (ISO, UTC; the instant the task was
    scheduled for, kept for the task list) — of selection ``selection_id`` and of any other
    announced selection not yet mailed. Returns how many e-mails were queued."""
    from kbridge.selection.services import results

    return results.announce_due()


@task(queue_name="email")
def announce_due_results() -> int:
    """Catch-up: the result e-mails of every announced selection not yet mailed (for a
    worker that starts after a missed announcement; see docs/selection.md, "Results")."""
    from kbridge.selection.services import results

    return results.announce_due()


def catch_up_on_worker_start(sender, queues, excluded, **kwargs) -> None:
    """``core.signals.worker_starting`` receiver: a worker that takes the e-mail queue queues
    one catch-up run. Connected by ``connect_worker_start`` (from ``SelectionConfig.ready``)."""
    from kbridge.core.signals import takes_queue
    from kbridge.selection.services import results

    # Only when some selection has been announced: a worker start queues no idle task.
    if takes_queue("email", queues=queues, excluded=excluded) and \
            results.announced_selections().exists():
        announce_due_results.enqueue()


def connect_worker_start() -> None:
    from kbridge.core.signals import worker_starting

    worker_starting.connect(catch_up_on_worker_start,
                            dispatch_uid="selection.results.catch_up")
