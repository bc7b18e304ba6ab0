"""Background work of selection.

``expire_offers`` is queued for each waitlist offer's deadline when the offer is made
(``services.waitlist.offer_next``) and expires every pending offer then past due, so a
deadline is acted on even if the worker was down at that moment (the next run catches it) and
a second run changes nothing (core/worker.py: tasks run at least once).
"""

from __future__ import annotations

from django_tasks import task


@task()
def expire_offers() -> int:
    """Expire the pending waitlist offers past their deadline and offer their places on."""
    from kbridge.selection.services import waitlist

    return waitlist.expire_offers()
