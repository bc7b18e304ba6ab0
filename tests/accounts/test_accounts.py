"""Sign-up, e-mail verification, invitations, password reset, login limits, idle timeout."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kbridge.accounts.models import Invitation, Membership, Organisation, User
from kbridge.accounts.services import invite
from kbridge.core.models import AuditLog
from tests.factories import PASSWORD

LINK = re.compile(r"https?://[^\s]+")


def _signup_startup(client, **overrides):
    data = {"email": "ceo@neuron.example", "full_name": "김민준",
            "company_name_ko": "뉴런칩스", "company_name_en": "Neuron Chips",
            "password1": "npu-for-every-edge-2026", "password2": "npu-for-every-edge-2026",
            "privacy_consent": "on"}
    data.update(overrides)
    return client.post("/accounts/signup/startup/", data)


def test_startup_signup_creates_the_representative_and_sends_verification(
        db, client, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup_startup(client)
    assert response.status_code == 302
    user = User.objects.get(email="ceo@neuron.example")
    membership = user.memberships.get()
    assert (membership.role, membership.organisation.kind, membership.organisation.name_en) == (
        Membership.Role.STARTUP_REPRESENTATIVE, Organisation.Kind.STARTUP, "Neuron Chips")
    assert user.password.startswith("argon2")
    assert user.email_verified_at is None
    assert mail.outbox == []  # queued, not yet sent

    run_tasks()
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(0)
    client.get(link.replace("http://127.0.0.1:8000", ""))
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert AuditLog.objects.filter(action="account.email_verified").count() == 1


def test_signup_errors_keep_what_was_typed(db, client):
    response = _signup_startup(client, password2="something-else-entirely")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="뉴런칩스"' in html and 'value="ceo@neuron.example"' in html
    assert User.objects.count() == 0


def test_signup_rejects_an_address_in_use_case_insensitively(personas, client):
    response = _signup_startup(client, email=personas.startup_a.email.upper())
    assert response.status_code == 200
    assert User.objects.filter(email__iexact=personas.startup_a.email).count() == 1


def test_evaluator_signup_joins_an_existing_affiliation(personas, client):
    response = client.post("/accounts/signup/evaluator/", {
        "email": "prof2@kaist.example", "full_name": "박서연", "affiliation_name": "카이스트",
        "affiliation_type": "university", "password1": "expertise-matters-77",
        "password2": "expertise-matters-77", "privacy_consent": "on"})
    assert response.status_code == 302
    membership = User.objects.get(email="prof2@kaist.example").memberships.get()
    assert membership.role == Membership.Role.EVALUATOR
    assert membership.organisation.name_en == "KAIST"


@pytest.mark.parametrize("path, heading", [
    ("/accounts/signup/startup/", "<h1>창업기업으로 가입</h1>"),
    ("/accounts/signup/evaluator/", "<h1>평가위원으로 가입</h1>"),
])
def test_each_signup_page_names_who_signs_up(db, client, path, heading):
    assert heading in client.get(path).content.decode()


def test_bad_verification_link_is_explained(db, client):
    response = client.get("/accounts/verify/garbage:token/")
    assert response.status_code == 400
    assert "link" in response.content.decode() or "링크" in response.content.decode()


def test_invitation_flow_for_partner_staff(personas, client, run_tasks,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organisation=personas.partner_a_org, email="new@openai.example",
               role=Membership.Role.PARTNER, by=personas.operator)
    run_tasks()
    link = LINK.search(mail.outbox[0].body).group(0).replace("http://127.0.0.1:8000", "")
    response = client.post(link, {"full_name": "Sam Partner", "password1": "alliance-of-korea-1",
                                  "password2": "alliance-of-korea-1", "privacy_consent": "on"})
    assert response.status_code == 302
    user = User.objects.get(email="new@openai.example")
    assert user.memberships.get().organisation == personas.partner_a_org
    assert user.email_verified_at is not None
    # The link works once.
    assert client.get(link).status_code == 404
    assert Invitation.objects.get().accepted_at is not None
    assert list(AuditLog.objects.filter(action__startswith="invitation.")
                .values_list("action", flat=True).order_by("id")) == [
        "invitation.created", "invitation.accepted"]


def test_startups_cannot_be_invited_as_partner_staff(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invite(organisation=personas.startup_a_org, email="x@example.kr",
               role=Membership.Role.PARTNER, by=personas.operator)


def test_password_reset_mail_goes_through_the_queue(personas, client, run_tasks,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": personas.startup_a.email})
    assert mail.outbox == []
    run_tasks()
    body = mail.outbox[0].body
    path = re.search(r"http://127.0.0.1:8000(/accounts/password-reset/[^\s]+)", body).group(1)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"})
    assert response.status_code == 302
    personas.startup_a.refresh_from_db()
    assert personas.startup_a.check_password("a-brand-new-secret-42")


@pytest.mark.usefixtures("fresh_throttle_window")
def test_login_with_email_and_lockout_after_too_many_failures(personas, client, settings):
    # Throttled per account *and* client address (tests/accounts/test_throttling.py has more).
    settings.KBRIDGE_THROTTLE_RATES = {**settings.KBRIDGE_THROTTLE_RATES,
                                       "login-account-address": "3/15m"}
    email = personas.startup_a.email
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": email, "password": "wrong"}
                           ).status_code == 200
    locked = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 15 * 60
    other = client.post("/accounts/login/", {"username": personas.startup_b.email,
                                             "password": PASSWORD})
    assert other.status_code == 302
    elsewhere = client.post("/accounts/login/", {"username": email, "password": PASSWORD},
                            REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302


def test_idle_session_is_signed_out(personas, client, settings):
    import time_machine

    with time_machine.travel(0, tick=False) as traveller:
        traveller.move_to("2026-12-01T09:00:00+09:00")
        client.force_login(personas.operator)
        assert client.get("/audit/").status_code == 200
        traveller.move_to("2026-12-01T09:29:00+09:00")
        assert client.get("/audit/").status_code == 200
        traveller.move_to("2026-12-01T10:00:00+09:00")
        assert client.get("/audit/").status_code == 302
