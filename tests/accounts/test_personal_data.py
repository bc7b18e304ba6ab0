"""Issue 11, item 6: consent at sign-up (PIPA Article 15), the data export and account
deletion."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from kbridge.accounts import consent, services
from kbridge.accounts.models import Consent, Invitation, Membership, User
from kbridge.applications.models import Application, Submission
from kbridge.core.models import AuditLog
from tests.factories import PASSWORD

VERSION = "2026-11-privacy-v1"
STARTUP = {"email": "ceo@neuron.example", "full_name": "김민준", "company_name_ko": "뉴런칩스",
           "company_name_en": "Neuron Chips", "password1": "npu-for-every-edge-2026",
           "password2": "npu-for-every-edge-2026"}


def test_the_sign_up_page_shows_the_four_items_of_the_notice(db, client):
    page = client.get("/accounts/signup/startup/").content.decode()
    notice = consent.current().ko
    for text in (notice.title, notice.purpose, notice.items, notice.retention, notice.refusal):
        assert text in page
    for heading in ("수집·이용 목적", "수집 항목", "보유 및 이용 기간", "동의를 거부할 권리"):
        assert heading in page
    english = client.get("/accounts/signup/evaluator/", HTTP_ACCEPT_LANGUAGE="en",
                         headers={"Cookie": "django_language=en"}).content.decode()
    assert escape(consent.current().en.refusal) in english


def test_sign_up_records_the_consent_with_its_version_and_time(db, client):
    before = timezone.now()
    response = client.post("/accounts/signup/startup/", {**STARTUP, "privacy_consent": "on"},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    given = Consent.objects.get()
    assert given.user == User.objects.get(email="ceo@neuron.example")
    assert (given.purpose, given.text_version, given.ip_address) == (
        "privacy", VERSION, "198.51.100.7")
    assert before <= given.given_at <= timezone.now()
    assert given.given_at.utcoffset() == dt.timedelta(0)
    assert AuditLog.objects.get(action="consent.given").after == {
        "purpose": "privacy", "version": VERSION}


@pytest.mark.parametrize("path, extra", [
    ("/accounts/signup/startup/", {}),
    ("/accounts/signup/evaluator/", {"affiliation_name": "카이스트",
                                     "affiliation_type": "university"}),
])
def test_without_consent_the_form_keeps_what_was_typed_and_says_why(db, client, path, extra):
    response = client.post(path, {**STARTUP, **extra})
    assert response.status_code == 200
    page = response.content.decode()
    assert "개인정보 수집·이용에 동의하려면 확인란을 선택하세요" in page
    assert 'value="ceo@neuron.example"' in page and 'value="김민준"' in page
    assert not User.objects.exists() and not Consent.objects.exists()


def test_the_services_refuse_an_account_without_the_current_consent(db):
    for version in ("", "2020-01-privacy-v0"):
        with pytest.raises(ValidationError):
            services.register_startup(email="a@b.example", password="npu-for-every-edge-2026",
                                      full_name="김", company_name_ko="회사", company_name_en="",
                                      privacy_consent=version)
    assert not User.objects.exists()


def test_accepting_an_invitation_as_a_new_person_asks_consent(personas, client):
    invitation = services.invite(organisation=personas.partner_a_org, email="new@openai.example",
                                 role="partner", by=personas.operator)
    token, token_hash = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    data = {"full_name": "Sam", "password1": "alliance-of-korea-1",
            "password2": "alliance-of-korea-1"}
    refused = client.post(f"/accounts/invitation/{token}/", data)
    assert refused.status_code == 200 and 'value="Sam"' in refused.content.decode()
    assert not User.objects.filter(email="new@openai.example").exists()
    assert client.post(f"/accounts/invitation/{token}/",
                       {**data, "privacy_consent": "on"}).status_code == 302
    assert Consent.objects.get().user.email == "new@openai.example"


def test_the_export_holds_my_data_and_nobody_elses(submitted, personas, client):
    services.record_consent(user=personas.startup_a, version=VERSION, ip_address="192.0.2.1")
    client.force_login(personas.startup_a)
    page = client.get("/accounts/my-data/").content.decode()
    assert VERSION in page
    response = client.get("/accounts/my-data/export/")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == personas.startup_a.email
    assert [m["organisation"] for m in data["memberships"]] == ["뉴로칩스"]
    assert [c["text_version"] for c in data["consents"]] == [VERSION]
    [application] = data["applications"]
    assert application["id"] == submitted.pk
    assert application["answers"] and application["attachments"][0]["file_name"]
    assert application["submissions"][0]["receipt_number"] == (
        submitted.submissions.get().receipt_number)
    assert any(row["action"] == "application.submitted" for row in data["activity"])
    # Codes for programs, labels for people (in the language of the page it came from).
    assert [m["role_label"] for m in data["memberships"]] == ["스타트업 대표"] or all(
        m["role_label"] and "_" not in m["role_label"] for m in data["memberships"])
    assert all(row["action_label"] and "." not in row["action_label"]
               for row in data["activity"])
    text = response.content.decode()
    for other in (personas.startup_b, personas.startup_a_member, personas.operator):
        assert other.email not in text and other.full_name not in text
    # Startup B's representative gets their own, without startup A's application.
    client.force_login(personas.startup_b)
    other = json.loads(client.get("/accounts/my-data/export/").content)
    assert other["applications"] == [] and personas.startup_a.email not in json.dumps(other)


def test_deletion_anonymises_the_account_and_keeps_submitted_applications(
        submitted, world, personas, client):
    from tests.factories import ApplicationFactory, OrganisationFactory

    user = personas.startup_b
    services.record_consent(user=user, version=VERSION, ip_address="192.0.2.9")
    draft = ApplicationFactory(track=world.track_a, applicant=personas.startup_b_org,
                               created_by=user)
    # Startup A's representative: a submitted application and a colleague's company.
    founder = personas.startup_a
    pending = services.invite(organisation=personas.partner_a_org, email=founder.email,
                              role="partner", by=personas.operator)
    client.force_login(user)
    wrong = client.post("/accounts/my-data/delete/", {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200 and User.objects.get(pk=user.pk).is_active
    response = client.post("/accounts/my-data/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.full_name, user.is_active, user.has_usable_password()) == (
        f"deleted-{user.pk}@deleted.invalid", "", False, False)
    assert user.deleted_at is not None and str(user) == "삭제된 사용자"
    assert not Membership.objects.filter(user=user).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert Consent.objects.get(user=user).ip_address == ""
    assert AuditLog.objects.get(action="account.deleted").after["applications"] == {
        "drafts_deleted": 1, "submitted_applications_kept": 0}
    # The session is over.
    assert client.get("/accounts/my-data/").status_code == 302

    summary = services.delete_account(user=founder)
    assert summary["invitations_deleted"] == 1
    assert not Invitation.objects.filter(pk=pending.pk).exists()
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert Submission.objects.get(application=submitted).submitted_by_id == founder.pk
    assert summary["applications"] == {"drafts_deleted": 0, "submitted_applications_kept": 1}
    assert OrganisationFactory._meta.model.objects.filter(pk=personas.startup_a_org.pk).exists()
