"""Reads of the portal pages, scoped to the user asking: the outbox (core.EmailDelivery)."""

from __future__ import annotations

from django.db.models import QuerySet

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids
from kbridge.core.models import EmailDelivery

UNDELIVERED = [EmailDelivery.Status.PENDING, EmailDelivery.Status.SENDING,
               EmailDelivery.Status.FAILED]


def deliveries_for(user) -> QuerySet[EmailDelivery]:
    """The outbox rows this user may see: a superuser all of them; operator staff those of
    their own operator organisations' programs (account mail has no organisation and is
    never among them); anyone else none. Newest first."""
    rows = EmailDelivery.objects.select_related("organisation").order_by("-created_at", "-id")
    if not user.is_authenticated:
        return rows.none()
    if user.is_superuser:
        return rows
    return rows.filter(organisation_id__in=organisation_ids(user, Membership.Role.OPERATOR))


def undelivered_for(user) -> QuerySet[EmailDelivery]:
    """``deliveries_for`` without the sent ones: failed, waiting for a retry, or being sent."""
    return deliveries_for(user).filter(status__in=UNDELIVERED)
