"""Read queries of tickets and check-in."""

from __future__ import annotations

from django.db.models import Count, Q

from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import STARTUP_ROLES
from kbridge.events.models import CheckIn, Event, Registration, Ticket

#: How many of the latest check-ins the door page lists (bounded: one query, any crowd).
RECENT_CHECK_INS = 20


def ticket_of(user, event: Event) -> Ticket | None:
    """The valid ticket of ``user``'s startup for ``event`` (its chosen registration's), with
    the registration and company loaded; None when it has none or it was revoked."""
    return (Ticket.objects.select_related("registration__organisation")
            .filter(event=event, revoked_at__isnull=True,
                    registration__status=Registration.Status.CHOSEN,
                    registration__organisation_id__in=organisation_ids(user, *STARTUP_ROLES))
            .order_by("id").first())


def recent_check_ins(event: Event, limit: int = RECENT_CHECK_INS) -> list[CheckIn]:
    """The latest ``limit`` check-ins of ``event``, newest first, with attendee, company and
    staff member loaded (one query)."""
    return list(CheckIn.objects.filter(event=event)
                .select_related("ticket__registration__organisation", "by")
                .order_by("-at", "-id")[:limit])


def check_in_counts(event: Event) -> dict[str, int]:
    """``{"tickets": valid tickets, "checked_in": of them checked in}`` (one query)."""
    return Ticket.objects.filter(event=event, revoked_at__isnull=True).aggregate(
        tickets=Count("id"), checked_in=Count("id", filter=Q(check_in__isnull=False)))
