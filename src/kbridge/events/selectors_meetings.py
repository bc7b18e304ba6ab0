"""Reads for 1:1 meetings, scoped to the requesting user. Every list is one query (with
``select_related``) or a bounded slice (:data:`DIRECTORY_LIMIT`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import STARTUP_ROLES
from kbridge.events.models import (
    Event,
    MeetingOutcome,
    MeetingRequest,
    MeetingSession,
    Registration,
)
from kbridge.events.services.meetings import attendee_startups, host_staff

#: Most entries a directory shows (the 2023 meetup had about 100 startups).
DIRECTORY_LIMIT = 300


def my_startup_ids(user, event: Event) -> list[int]:
    """The user's startups that attend ``event`` (CHOSEN), usually one."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Registration.objects.filter(
        event=event, status=Registration.Status.CHOSEN,
        organisation_id__in=organisation_ids(user, *STARTUP_ROLES)).values_list(
            "organisation_id", flat=True))


def is_host_staff(user, event: Event) -> bool:
    return host_staff(event).filter(pk=user.pk).exists()


def session_of(event: Event) -> MeetingSession | None:
    return MeetingSession.objects.filter(event=event).first()


def requests_for(user, event: Event, startup_ids: list[int], staff: bool) -> QuerySet:
    """Requests of the user's attendee startups and, for host staff, those naming the user;
    with the other side, the placement and the outcomes' sides prefetched."""
    q = Q(startup_id__in=startup_ids)
    if staff:
        q |= Q(person=user)
    return (MeetingRequest.objects.filter(q, event=event)
            .select_related("startup", "person", "placement", "requested_by")
            .prefetch_related("outcomes").order_by("-created_at", "-id"))


def all_requests(event: Event) -> QuerySet:
    return (MeetingRequest.objects.filter(event=event)
            .select_related("startup", "person", "placement").order_by("-created_at", "-id"))


def directory_people(event: Event):
    """The host partner's staff a startup may ask (bounded)."""
    return host_staff(event).order_by("full_name", "email")[:DIRECTORY_LIMIT]


def directory_startups(event: Event):
    """The attendee startups a partner may ask (bounded)."""
    return attendee_startups(event).order_by("name_ko", "pk")[:DIRECTORY_LIMIT]


def follow_ups(event: Event, startup_ids: list[int], user, staff: bool) -> QuerySet:
    """Outcomes "follow-up wanted" of the user's meetings (either side wanted it)."""
    q = Q(request__startup_id__in=startup_ids)
    if staff:
        q |= Q(request__person=user)
    return (MeetingOutcome.objects.filter(q, request__event=event,
                                          result=MeetingOutcome.Result.FOLLOW_UP)
            .select_related("request__startup", "request__person", "recorded_by")
            .order_by("-recorded_at"))


def partner_follow_ups(event: Event) -> QuerySet:
    """Every "follow-up wanted" of the event (the console's and the host's list)."""
    return (MeetingOutcome.objects.filter(request__event=event,
                                          result=MeetingOutcome.Result.FOLLOW_UP)
            .select_related("request__startup", "request__person", "recorded_by")
            .order_by("-recorded_at"))
