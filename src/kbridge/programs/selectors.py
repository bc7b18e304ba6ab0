from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids
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
    return Program.objects.filter(
        operator_id__in=organisation_ids(user, Membership.Role.OPERATOR)
    ).select_related("operator")


def tracks_for_partner(user) -> QuerySet[Track]:
    return (
        Track.objects.filter(
            partner__organisation_id__in=organisation_ids(user, Membership.Role.PARTNER)
        )
        .select_related("call__program", "partner__organisation")
        .order_by("-call__deadline_at", "position")
    )
