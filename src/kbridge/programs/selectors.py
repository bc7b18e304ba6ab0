from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kbridge.accounts.models import Organisation
from kbridge.accounts.tenancy import (
    agency_ids,
    partner_organisation_ids,
    partner_organisations_of_agency,
)
from kbridge.programs.models import Call, Program, SupportItem, Track


def public_calls(when=None) -> dict[str, QuerySet[Call]]:
    when = when or timezone.now()
    base = Call.objects.select_related("program").prefetch_related(
        Prefetch("tracks", queryset=Track.objects.select_related("partner__organisation"))
    )
    return {
        "open": base.open_at(when).order_by("deadline_at"),
        "upcoming": base.upcoming_at(when).order_by("opens_at"),
        "closed": base.closed_at(when).order_by("-deadline_at")[:10],
    }


def call_detail_queryset() -> QuerySet[Call]:
    return Call.objects.select_related("program").prefetch_related(
        Prefetch(
            "tracks",
            queryset=Track.objects.select_related("partner__organisation").prefetch_related(
                Prefetch("support_items", queryset=SupportItem.objects.order_by("pk"))
            ),
        )
    )


def programs_for_operator(user) -> QuerySet[Program]:
    """Programs run by the user's agencies (tenancy: never another agency's)."""
    return Program.objects.filter(operator_id__in=agency_ids(user)).select_related("operator")


def partner_choices_for(program: Program) -> QuerySet[Organisation]:
    """Partner organisations the program's agency manages and the program does not have yet."""
    return partner_organisations_of_agency({program.operator_id}).exclude(
        partnerships__program=program)


def tracks_for_partner(user) -> QuerySet[Track]:
    """Tracks of the partner companies the user works for."""
    return (
        Track.objects.filter(partner__organisation_id__in=partner_organisation_ids(user))
        .select_related("call__program", "partner__organisation")
        .order_by("-call__deadline_at", "position")
    )
