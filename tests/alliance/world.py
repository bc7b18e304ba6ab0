"""A small alliance on top of the shared world (tests/conftest.py): KISED's alliance, where
startup A is an active, listed member (its NPU profile) and OpenAI (partner A) an active,
unlisted one; a proposed collaboration of OpenAI with startup A and one of NVIDIA (partner B)
with startup B. Rows are written directly: the services are tested on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kbridge.alliance.models import AllianceMember, Collaboration
from kbridge.alliance.models.members import facets_of

Status = AllianceMember.Status
Kind = AllianceMember.Kind


def codes(error) -> set[str]:
    """The codes of a ValidationError, whether it is a message, a list or keyed by field
    (messages are in the page's language; codes are what tests compare)."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def member(agency, organisation, *, kind=Kind.SELECTED, status=Status.ACTIVE, listed=False,
           sectors=(), technologies=(), **profile) -> AllianceMember:
    """A membership row with its ``facets`` index, as the services write it."""
    return AllianceMember.objects.create(
        agency=agency, organisation=organisation, kind=kind, status=status, listed=listed,
        sectors=list(sectors), technologies=list(technologies),
        facets=facets_of(sectors, technologies),
        joined_at=timezone.now() if status == Status.ACTIVE else None, **profile)


def collaboration(partner, startup, *, stage=Collaboration.Stage.PROPOSED, title="PoC",
                  kind=Collaboration.Kind.POC, proposed_on=None, **extra) -> Collaboration:
    return Collaboration.objects.create(
        program=partner.program, partner=partner, startup=startup, kind=kind, stage=stage,
        title=title, proposed_on=proposed_on or dt.date(2026, 3, 2), **extra)


@dataclass
class AllianceWorld:
    member_a: AllianceMember  # startup A: active, listed
    member_partner_a: AllianceMember  # OpenAI: active, not listed
    collaboration_a: Collaboration  # OpenAI × startup A, proposed
    collaboration_b: Collaboration  # NVIDIA × startup B, proposed


def build(world, personas) -> AllianceWorld:
    agency = personas.operator_org
    member_a = member(agency, personas.startup_a_org, listed=True, sectors=["semiconductors"],
                      technologies=["NPU", "온디바이스 AI"],
                      headline_ko="엣지 디바이스용 저전력 NPU",
                      headline_en="Low-power NPUs for edge devices",
                      description_ko="1와트 이하로 온디바이스 AI 추론을 실행하는 반도체를 설계합니다.")
    member_partner_a = member(agency, personas.partner_a_org, kind=Kind.PARTNER)
    return AllianceWorld(
        member_a, member_partner_a,
        collaboration(world.partner_a, personas.startup_a_org, title="GPT API PoC"),
        collaboration(world.partner_b, personas.startup_b_org, title="Inception credits",
                      kind=Collaboration.Kind.CREDITS))


def matrix_ids(alliance: AllianceWorld, personas) -> dict[str, int]:
    """The ids tests/test_permissions_matrix.py's alliance rows name."""
    return {"agency": personas.operator_org.pk, "startup_b_org": personas.startup_b_org.pk,
            "member_a": alliance.member_a.pk, "member_partner_a": alliance.member_partner_a.pk,
            "collaboration_a": alliance.collaboration_a.pk,
            "collaboration_b": alliance.collaboration_b.pk}
