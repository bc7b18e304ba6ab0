"""Signals of the core layer that domain apps listen to."""

from django.dispatch import Signal

#: Sent by ``python -m kbridge worker`` before it takes its first task, with
#: ``queues`` (the queue names it takes; ``"*"`` = all) and ``excluded`` (names it leaves).
#: Apps use it for work a worker must do once at start, e.g. the matching app starts a
#: switch to a newly configured embedding model.
worker_starting = Signal()

#: Sent by :func:`kbridge.core.audit.record` right after it wrote an audit row, inside the
#: service's transaction, with ``row`` (the :class:`~kbridge.core.models.AuditLog`) and
#: ``obj`` (the model instance it describes). Upper apps turn decisions into their own
#: side effects from it (the API app queues webhook deliveries); a receiver must not write
#: outside the transaction, and should queue work for after the commit.
audit_recorded = Signal()


def takes_queue(queue: str, *, queues: list[str], excluded: list[str]) -> bool:
    """Whether a worker started with these options runs tasks of ``queue``."""
    return queue in queues or ("*" in queues and queue not in excluded)
