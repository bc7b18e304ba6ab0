"""Reads of registration and choosing attendees, each a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from kbridge.events import selectors
from kbridge.events.models import Event, EventLottery, FitReview, Registration, WaitlistOffer

S = Registration.Status


def pending_offer(registration: Registration | None) -> WaitlistOffer | None:
    if registration is None:
        return None
    return registration.offers.filter(status=WaitlistOffer.Status.PENDING).first()


def lottery_of(event: Event) -> EventLottery | None:
    return EventLottery.objects.filter(event=event).first()


def my_registrations(user) -> QuerySet[Registration]:
    """The user's startups' registrations, newest event first, with their pending offers
    (three queries for any number)."""
    return selectors.registrations_of(user).select_related("event__program").prefetch_related(
        Prefetch("offers", queryset=WaitlistOffer.objects.filter(
            status=WaitlistOffer.Status.PENDING), to_attr="pending_offers")
    ).order_by("-event__starts_at", "-pk")


def my_marks(event: Event, reviewer) -> dict[int, FitReview]:
    """The reviewer's own marks on the event's registrations, by registration id."""
    return {row.registration_id: row for row in FitReview.objects.filter(
        registration__event=event, reviewer=reviewer)}


def decided(event: Event) -> QuerySet[Registration]:
    """The event's registrations that are no longer waiting for a decision."""
    return (Registration.objects.filter(event=event).exclude(status=S.REGISTERED)
            .select_related("organisation").order_by("status", "waitlist_position", "pk"))
