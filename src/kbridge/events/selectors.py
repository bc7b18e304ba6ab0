"""Reads for events, scoped to the requesting user (docs/architecture.md: selectors)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import STARTUP_ROLES, agency_ids, partner_organisation_ids
from kbridge.events.models import Event, Registration


def public_events() -> QuerySet[Event]:
    """Published events, soonest-starting last (newest first), with program and host."""
    return Event.objects.published().select_related("program", "host__organisation")


def events_for_staff(user) -> QuerySet[Event]:
    """Events the user runs: those of their agency's programs, and those their partner
    organisation hosts. Empty for everybody else."""
    return Event.objects.filter(
        Q(program__operator_id__in=agency_ids(user))
        | Q(host__organisation_id__in=partner_organisation_ids(user))
    ).select_related("program", "host__organisation")


def registration_of(user, event: Event) -> Registration | None:
    """The registration of (one of) the user's startups for ``event``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Registration.objects.filter(
        event=event, organisation_id__in=organisation_ids(user, *STARTUP_ROLES)
    ).select_related("organisation").first()


def registrations_of(user) -> QuerySet[Registration]:
    """Every registration of the user's startups (their "my events" list)."""
    return Registration.objects.filter(
        organisation_id__in=organisation_ids(user, *STARTUP_ROLES)
    ).select_related("event", "organisation")
