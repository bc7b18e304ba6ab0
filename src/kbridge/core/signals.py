"""Signals of the core layer that domain apps listen to."""

from django.dispatch import Signal

#: Sent by ``python -m kbridge worker`` before it takes its first task, with
#: ``queues`` (the queue names it takes; ``"*"`` = all) and ``excluded`` (names it leaves).
#: Apps use it for work a worker must do once at start, e.g. the matching app starts a
#: switch to a newly configured embedding model.
worker_starting = Signal()


def takes_queue(queue: str, *, queues: list[str], excluded: list[str]) -> bool:
    """Whether a worker started with these options runs tasks of ``queue``."""
    return queue in queues or ("*" in queues and queue not in excluded)
