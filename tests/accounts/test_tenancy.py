"""The tenancy model (docs/decisions.md): an agency's staff reach only their own agency, the
partner companies it manages and what belongs to its programs; partner admins invite their own
colleagues; startup representatives their members. Issue 9, item 1."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kbridge.accounts import services, tenancy
from kbridge.accounts.models import Invitation, Membership, Organisation
from kbridge.core.models import AuditLog
from tests.factories import OrganisationFactory

Role = Membership.Role


@pytest.fixture
def kised_invitations(personas):
    """KISED's pending invitations: one for OpenAI staff, one for a startup A member."""
    staff = services.invite(organisation=personas.partner_a_org, email="pm@openai.example",
                            role=Role.PARTNER, by=personas.operator)
    member = services.invite_startup_member(organisation=personas.startup_a_org,
                                            email="cfo@neurochips.example",
                                            by=personas.startup_a)
    return staff, member


def test_second_agency_cannot_invite_itself_into_kised(personas, client_for):
    """The outside tester's takeover: a POST naming KISED's id with role=operator."""
    client = client_for(personas.operator_b)
    response = client.post("/accounts/invitations/", {
        "organisation": personas.operator_org.pk, "role": Role.OPERATOR,
        "email": "attacker@sba.example"})
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Invitation.objects.filter(email="attacker@sba.example").exists()


def test_the_service_refuses_the_takeover_too(personas):
    with pytest.raises(ValidationError):
        services.invite(organisation=personas.operator_org, email="attacker@sba.example",
                        role=Role.OPERATOR, by=personas.operator_b)
    with pytest.raises(ValidationError):
        services.invite(organisation=personas.partner_a_org, email="attacker@sba.example",
                        role=Role.PARTNER_ADMIN, by=personas.operator_b)
    assert Invitation.objects.count() == 0


def test_second_agency_reads_nothing_of_kised_after_trying(world, personas, submitted,
                                                          client_for):
    client = client_for(personas.operator_b)
    client.post("/accounts/invitations/", {"organisation": personas.operator_org.pk,
                                           "role": Role.OPERATOR, "email": "x@sba.example"})
    attachment = submitted.attachments.first()
    for url in [f"/manage/programs/{world.program.pk}/",
                f"/manage/calls/{world.call.pk}/applications/?export=csv",
                f"/manage/applications/{submitted.pk}/",
                f"/applications/{submitted.pk}/files/{attachment.pk}/download/",
                f"/applications/{submitted.pk}/receipts/1/"]:
        assert client.get(url).status_code == 404, url
    assert world.program.name_ko not in client.get("/manage/programs/").content.decode()


def test_invitation_list_shows_only_the_agencys_own(personas, kised_invitations, client_for):
    page = client_for(personas.operator_b).get("/accounts/invitations/").content.decode()
    assert "pm@openai.example" not in page
    assert "cfo@neurochips.example" not in page
    page = client_for(personas.operator).get("/accounts/invitations/").content.decode()
    assert "pm@openai.example" in page
    # Startup members' addresses belong to the startup, not on the agency's page.
    assert "cfo@neurochips.example" not in page


def test_revoking_another_agencys_invitation_answers_404(personas, kised_invitations,
                                                         client_for):
    staff, member = kised_invitations
    for invitation in (staff, member):
        response = client_for(personas.operator_b).post(
            f"/accounts/invitations/{invitation.pk}/revoke/")
        assert response.status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


def test_representative_revokes_own_member_invitation(personas, kised_invitations, client_for):
    _staff, member = kised_invitations
    assert client_for(personas.startup_b).post(
        f"/accounts/invitations/{member.pk}/revoke/").status_code == 404
    response = client_for(personas.startup_a).post(f"/accounts/invitations/{member.pk}/revoke/")
    assert response["Location"] == "/startup/members/"
    member.refresh_from_db()
    assert member.revoked_at is not None


def test_audit_log_is_scoped_to_the_agency(world, personas, submitted, client_for):
    receipt_row = AuditLog.objects.get(action="application.submitted")
    assert receipt_row.tenant_id == personas.operator_org.pk
    receipt_number = receipt_row.after["receipt"]
    assert receipt_number in client_for(personas.operator).get(
        "/audit/?action=application").content.decode()
    page = client_for(personas.operator_b).get("/audit/?action=application").content.decode()
    assert receipt_number not in page
    assert 'data-action="application.submitted"' not in page


def test_audit_rows_name_their_agency(world, personas):
    from kbridge.programs import services as program_services

    program_services.update_track(track=world.track_a, by=personas.operator,
                                 quota=world.track_a.quota + 1)
    services.register_startup(email="new@startup.example", password="a-long-passphrase-1",
                              full_name="대표", company_name_ko="새기업", company_name_en="",
                              privacy_consent="2026-11-privacy-v1")
    assert AuditLog.objects.get(action="track.updated").tenant_id == personas.operator_org.pk
    # Accounts belong to no agency: only superusers read them, in the admin.
    assert AuditLog.objects.get(action="account.registered").tenant_id is None


def test_partner_admin_invites_own_colleagues_only(personas):
    invitation = services.invite(organisation=personas.partner_a_org, email="eng@openai.example",
                                 role=Role.PARTNER, by=personas.partner_admin)
    assert invitation.organisation == personas.partner_a_org
    with pytest.raises(ValidationError):
        services.invite(organisation=personas.partner_b_org, email="x@openai.example",
                        role=Role.PARTNER, by=personas.partner_admin)
    with pytest.raises(ValidationError):
        services.invite(organisation=personas.operator_org, email="x@openai.example",
                        role=Role.OPERATOR, by=personas.partner_admin)
    # Plain partner staff invite nobody.
    with pytest.raises(ValidationError):
        services.invite(organisation=personas.partner_a_org, email="y@openai.example",
                        role=Role.PARTNER, by=personas.partner_a)


def test_partner_admin_page_offers_only_their_company(personas, client_for):
    response = client_for(personas.partner_admin).get("/accounts/invitations/")
    choices = list(response.context["form"].fields["organisation"].queryset)
    assert choices == [personas.partner_a_org]
    assert client_for(personas.partner_a).get("/accounts/invitations/").status_code == 404


def test_operator_invites_into_agency_and_managed_partners(personas):
    offered = set(tenancy.staff_invitation_organisations(personas.operator))
    assert offered == {personas.operator_org, personas.partner_a_org, personas.partner_b_org}
    assert set(tenancy.staff_invitation_organisations(personas.operator_b)) == {
        personas.operator_b_org}
    services.invite(organisation=personas.partner_b_org, email="lead@nvidia.example",
                    role=Role.PARTNER_ADMIN, by=personas.operator)


def test_invited_partner_admin_gets_the_partner_console(world, personas, client):
    from tests.factories import PASSWORD

    invitation = services.invite(organisation=personas.partner_b_org, email="lead@nvidia.example",
                                 role=Role.PARTNER_ADMIN, by=personas.operator)
    user = services.accept_invitation(invitation=invitation, full_name="Lead",
                                      password=PASSWORD, privacy_consent="2026-11-privacy-v1")
    client.force_login(user)
    assert client.get("/manage/programs/partner/").status_code == 200
    assert client.get(f"/manage/programs/tracks/{world.track_b.pk}/edit/").status_code == 200
    assert client.get(f"/manage/programs/tracks/{world.track_a.pk}/edit/").status_code == 404


def test_partner_choices_are_the_agencys_own(world, personas, client_for):
    foreign = OrganisationFactory(kind=Organisation.Kind.PARTNER, name_ko="구글",
                                  name_en="Google", agency=personas.operator_b_org)
    mine = OrganisationFactory(kind=Organisation.Kind.PARTNER, name_ko="아마존",
                               name_en="AWS", agency=personas.operator_org)
    client = client_for(personas.operator)
    response = client.get(f"/manage/programs/{world.program.pk}/partners/add/")
    assert list(response.context["form"].fields["organisation"].queryset) == [mine]
    response = client.post(f"/manage/programs/{world.program.pk}/partners/add/", {
        "organisation": foreign.pk, "sub_program_ko": "x", "sub_program_en": "x"})
    assert response.status_code == 200
    assert not world.program.partners.filter(organisation=foreign).exists()


def test_a_new_partner_company_is_managed_by_the_agency(world, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/programs/{world.program.pk}/partners/add/", {
            "new_company_ko": "마이크로소프트", "new_company_en": "Microsoft",
            "sub_program_ko": "MS 스타트업 허브", "sub_program_en": "MS for Startups"})
    assert response.status_code == 302
    company = Organisation.objects.get(name_en="Microsoft")
    assert (company.kind, company.agency) == (Organisation.Kind.PARTNER, personas.operator_org)
    assert world.program.partners.filter(organisation=company).exists()
    assert AuditLog.objects.get(action="organisation.created").tenant_id == (
        personas.operator_org.pk)


def test_partner_form_needs_a_company(world, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/programs/{world.program.pk}/partners/add/",
        {"sub_program_ko": "x", "sub_program_en": "x"})
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors


def test_the_form_offers_only_roles_that_can_be_given(personas, client_for):
    form = client_for(personas.partner_admin).get("/accounts/invitations/").context["form"]
    assert [value for value, _label in form.fields["role"].choices] == [
        Role.PARTNER, Role.PARTNER_ADMIN]
    response = client_for(personas.operator).post("/accounts/invitations/", {
        "organisation": personas.operator_org.pk, "role": Role.PARTNER_ADMIN,
        "email": "x@kised.example"})
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_invitation_mail_belongs_to_the_agency_and_speaks_both_languages(personas):
    from kbridge.core.models import EmailDelivery

    services.invite(organisation=personas.partner_a_org, email="pm@openai.example",
                    role=Role.PARTNER, by=personas.partner_admin)
    delivery = EmailDelivery.objects.get(recipients=["pm@openai.example"])
    # KISED manages OpenAI's record: a failed invitation shows on KISED's outbox page.
    assert delivery.organisation == personas.operator_org
    body = delivery.payload["body"]
    assert "오픈AI" in body and "OpenAI" in body  # Korean first, then English
    assert body.index("오픈AI") < body.index("OpenAI")
    # A second invitation gets its own key; the same one is never queued twice.
    assert delivery.idempotency_key.startswith("invitation:")


def test_reset_links_use_the_site_url_not_the_host_header(personas, client, settings,
                                                         run_tasks):
    from django.core import mail

    settings.SITE_URL = "https://kbridge.example.kr"
    settings.ALLOWED_HOSTS = ["testserver", "kbridge.example.kr"]
    client.post("/accounts/password-reset/", {"email": personas.operator.email},
                HTTP_HOST="kbridge.example.kr:9999")
    run_tasks()
    assert "https://kbridge.example.kr/accounts/password-reset/" in mail.outbox[-1].body
    assert ":9999" not in mail.outbox[-1].body


def test_an_invitation_to_an_existing_account_asks_to_sign_in_first(personas, client):
    from kbridge.accounts.models import Invitation as Inv

    token, token_hash = Inv.new_token()
    Inv.objects.create(email=personas.partner_b.email, organisation=personas.partner_a_org,
                       role=Role.PARTNER, token_hash=token_hash, invited_by=personas.operator,
                       expires_at=personas.operator.date_joined.replace(year=2100))
    page = client.get(f"/accounts/invitation/{token}/").content.decode()
    assert f"/accounts/login/?next=%2Faccounts%2Finvitation%2F{token}%2F" in page
    assert 'name="password1"' not in page
    client.force_login(personas.partner_b)
    client.post(f"/accounts/invitation/{token}/")
    assert personas.partner_b.memberships.filter(organisation=personas.partner_a_org).exists()


def test_a_partner_admin_invites_into_its_own_company_without_choosing_it(personas,
                                                                          client_for):
    """The partner admin's page speaks to a company, not to an agency, and its only
    organisation is chosen already (a fresh tester got "This field is required")."""
    client = client_for(personas.partner_admin)
    html = client.get("/accounts/invitations/").content.decode()
    assert "회사 동료를 초대합니다" in html and "우리 기관 담당자" not in html
    org = personas.partner_a_org
    assert f'<option value="{org.pk}" selected>' in html
    response = client.post("/accounts/invitations/", {"email": "new@openai.example",
                                                      "organisation": org.pk,
                                                      "role": "partner"})
    assert response.status_code in (200, 302)
    from kbridge.accounts.models import Invitation

    assert Invitation.objects.filter(email="new@openai.example", organisation=org).exists()
