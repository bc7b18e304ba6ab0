"""Alliance membership services: who joins how (selected on accepting the agreement, invited
and accepting, partners and operators by themselves), leaving, and the profile."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kbridge.alliance.models import AllianceMember
from kbridge.alliance.services import members as services
from kbridge.core.models import AuditLog, EmailDelivery
from tests.alliance.world import codes, member

Status, Kind = AllianceMember.Status, AllianceMember.Kind
pytestmark = pytest.mark.django_db


def test_a_selected_startup_joins_when_its_representative_accepts_the_agreement(
        world, personas, submitted):
    from kbridge.selection.services.agreements import accept_agreement
    from tests.selection import agreement_world
    from tests.selection.world import decided as make_decided

    agreement = agreement_world.offered(make_decided(world, personas, submitted), personas)
    agreement_world.upload_all(agreement, personas.startup_a)
    assert not AllianceMember.objects.exists()

    accept_agreement(agreement=agreement, by=personas.startup_a, ip="203.0.113.5")
    joined = AllianceMember.objects.get()
    assert (joined.agency, joined.organisation) == (personas.operator_org, personas.startup_a_org)
    assert (joined.kind, joined.status, joined.listed) == (Kind.SELECTED, Status.ACTIVE, False)
    assert AuditLog.objects.filter(action="alliance.member_joined").count() == 1
    # The double click is idempotent for the agreement, and so for the membership.
    accept_agreement(agreement=agreement, by=personas.startup_a, ip="203.0.113.5")
    assert AllianceMember.objects.count() == 1


def test_admitting_again_keeps_an_active_member_and_never_brings_back_one_that_left(personas):
    org, agency = personas.startup_a_org, personas.operator_org
    first = services.admit_selected_startup(agency=agency, organisation=org)
    assert services.admit_selected_startup(agency=agency, organisation=org) == first
    services.leave_alliance(member=first, by=personas.startup_a)
    assert services.admit_selected_startup(agency=agency, organisation=org) is None
    assert AllianceMember.objects.get().status == Status.LEFT


def test_partners_of_the_agencys_programs_and_its_operators_join_themselves(world, personas):
    partner = services.join_alliance(agency=personas.operator_org,
                                     organisation=personas.partner_a_org,
                                     by=personas.partner_admin)
    assert (partner.kind, partner.status, partner.listed) == (Kind.PARTNER, Status.ACTIVE, False)
    operator = services.join_alliance(agency=personas.operator_org,
                                      organisation=personas.operator_org, by=personas.operator)
    assert operator.kind == Kind.OPERATOR
    # Partner staff do not decide for the company; the admin does.
    with pytest.raises(PermissionDenied):
        services.join_alliance(agency=personas.operator_org, organisation=personas.partner_b_org,
                               by=personas.partner_b)
    # A second agency's alliance: OpenAI is no partner of its programs.
    with pytest.raises(ValidationError) as refused:
        services.join_alliance(agency=personas.operator_b_org,
                               organisation=personas.partner_a_org, by=personas.partner_admin)
    assert codes(refused.value) == {"not_entitled"}


def test_a_startup_without_an_agreement_joins_only_when_invited(personas):
    agency, org = personas.operator_org, personas.startup_b_org
    with pytest.raises(ValidationError):
        services.join_alliance(agency=agency, organisation=org, by=personas.startup_b)
    invited = services.invite_startup(agency=agency, organisation=org, by=personas.operator)
    assert (invited.kind, invited.status) == (Kind.INVITED, Status.INVITED)
    mail = EmailDelivery.objects.get(idempotency_key__startswith="alliance-invite:")
    assert mail.recipients == ["ceo@deeplabs.example"]
    with pytest.raises(ValidationError) as refused:
        services.invite_startup(agency=agency, organisation=org, by=personas.operator)
    assert codes(refused.value) == {"already"}

    joined = services.join_alliance(agency=agency, organisation=org, by=personas.startup_b)
    assert (joined.kind, joined.status) == (Kind.INVITED, Status.ACTIVE)
    assert joined.joined_at is not None


def test_only_the_agencys_operators_invite_and_only_startups(personas):
    with pytest.raises(PermissionDenied):
        services.invite_startup(agency=personas.operator_org,
                                organisation=personas.startup_b_org, by=personas.operator_b)
    with pytest.raises(ValidationError) as refused:
        services.invite_startup(agency=personas.operator_org,
                                organisation=personas.partner_a_org, by=personas.operator)
    assert codes(refused.value) == {"not_startup"}


def test_declining_an_invitation_and_inviting_again(personas):
    agency, org = personas.operator_org, personas.startup_b_org
    invited = services.invite_startup(agency=agency, organisation=org, by=personas.operator)
    services.leave_alliance(member=invited, by=personas.startup_b)
    assert AllianceMember.objects.get().status == Status.DECLINED
    with pytest.raises(ValidationError):  # declined: no longer an invitation to accept
        services.join_alliance(agency=agency, organisation=org, by=personas.startup_b)
    services.invite_startup(agency=agency, organisation=org, by=personas.operator)
    assert EmailDelivery.objects.filter(
        idempotency_key__startswith="alliance-invite:").count() == 2


def test_leaving_takes_the_member_out_of_the_directory_and_joining_again_starts_unlisted(
        world, personas):
    row = member(personas.operator_org, personas.partner_a_org, kind=Kind.PARTNER, listed=True)
    with pytest.raises(PermissionDenied):  # staff, not the admin
        services.leave_alliance(member=row, by=personas.partner_a)
    services.leave_alliance(member=row, by=personas.partner_admin)
    row.refresh_from_db()
    assert (row.status, row.listed) == (Status.LEFT, False) and row.left_at is not None
    with pytest.raises(ValidationError):
        services.leave_alliance(member=row, by=personas.partner_admin)
    again = services.join_alliance(agency=personas.operator_org,
                                   organisation=personas.partner_a_org, by=personas.partner_admin)
    assert (again.pk, again.status, again.listed, again.left_at) == (
        row.pk, Status.ACTIVE, False, None)


def test_the_profile_is_bilingual_its_filters_are_indexed_and_changes_audited(personas):
    row = member(personas.operator_org, personas.startup_a_org)
    services.update_profile(member=row, by=personas.startup_a, listed=True,
                            headline_ko="엣지 NPU", headline_en="Edge NPUs",
                            sectors=["ai", "semiconductors"], technologies=["NPU", "컴파일러"])
    row.refresh_from_db()
    assert row.facets == "|s:ai|s:semiconductors|t:npu|t:컴파일러|"
    entry = AuditLog.objects.get(action="alliance.member_profile_changed")
    assert entry.after["technologies"] == ["NPU", "컴파일러"] and entry.before["listed"] is False
    with pytest.raises(ValidationError):
        services.update_profile(member=row, by=personas.startup_a, sectors=["space"])
    with pytest.raises(PermissionDenied):  # a member of the startup reads, the representative decides
        services.update_profile(member=row, by=personas.startup_a_member, listed=False)
    with pytest.raises(PermissionDenied):
        services.update_profile(member=row, by=personas.startup_a, kind="partner")


def test_a_profile_changes_only_while_a_member(personas):
    row = member(personas.operator_org, personas.startup_a_org, status=Status.LEFT)
    with pytest.raises(ValidationError) as refused:
        services.update_profile(member=row, by=personas.startup_a, listed=True)
    assert codes(refused.value) == {"not_member"}
