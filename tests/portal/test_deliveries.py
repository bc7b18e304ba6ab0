"""Operators see the e-mail of their own programs that failed, and can send it again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from kbridge.accounts.models import Membership, Organisation
from kbridge.core.mail import queue_email
from kbridge.core.models import AuditLog, EmailDelivery
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

LIST = "/manage/deliveries/"


def _resend(delivery) -> str:
    return f"/manage/deliveries/{delivery.pk}/resend/"


@pytest.fixture
def failed(personas, run_tasks, settings):
    """Three failed e-mails: one of KISED's programs, one of a second agency, one account mail."""
    other_agency = OrganisationFactory(kind=Organisation.Kind.OPERATOR, name_en="Other Agency")
    other_operator = MembershipFactory(organisation=other_agency, role=Membership.Role.OPERATOR,
                                       user=UserFactory(email="op@other.example")).user

    def message(to):
        return EmailMessage(f"to {to}", "body", "f@kbridge.example", [to])

    kised = queue_email(message("ceo@neurochips.example"), idempotency_key="receipt:kised",
                        organisation=personas.operator_org)
    other = queue_email(message("ceo@other-startup.example"), idempotency_key="receipt:other",
                        organisation=other_agency)
    account = queue_email(message("someone@example.kr"))
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = "tests.core.mail_backends.RefusingBackend"
    run_tasks()
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"failed"}
    return {"kised": kised, "other": other, "account": account,
            "other_operator": other_operator}


def test_the_operator_sees_only_their_own_programs_failed_mail(failed, personas, client_for):
    response = client_for(personas.operator).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ceo@neurochips.example" in html
    assert "no such user" in html  # the server's answer, kept for the operator
    # ... under a translated sentence (the outside tester saw a raw Python exception).
    assert "메일 서버가 받는 사람 주소를 거부했습니다." in html
    assert "ceo@other-startup.example" not in html
    assert "someone@example.kr" not in html
    assert list(response.context["page"]) == [failed["kised"]]

    other = client_for(failed["other_operator"]).get(LIST)
    assert list(other.context["page"]) == [failed["other"]]


def test_another_agencys_operator_cannot_resend_it(failed, client_for):
    client = client_for(failed["other_operator"])
    assert client.post(_resend(failed["kised"])).status_code == 404
    assert client.post(_resend(failed["account"])).status_code == 404
    assert EmailDelivery.objects.get(pk=failed["kised"].pk).status == "failed"


@pytest.mark.parametrize("persona", ["partner_a", "evaluator", "startup_a"])
def test_other_people_get_404(persona, failed, personas, client_for):
    client = client_for(personas.by_name(persona))
    assert client.get(LIST).status_code == 404
    assert client.post(_resend(failed["kised"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(failed, client_for):
    client = client_for(None)
    assert client.get(LIST).status_code == 302
    assert client.post(_resend(failed["kised"])).status_code == 302
    assert EmailDelivery.objects.get(pk=failed["kised"].pk).status == "failed"


def test_an_administrator_sees_every_delivery_and_resends_account_mail(
        failed, client_for, run_tasks):
    admin = UserFactory(email="admin@kbridge.example", is_staff=True, is_superuser=True)
    client = client_for(admin)
    assert {d.pk for d in client.get(LIST).context["page"]} == {
        failed["kised"].pk, failed["other"].pk, failed["account"].pk}
    assert client.post(_resend(failed["account"])).status_code == 302
    run_tasks()
    assert [m.to for m in mail.outbox] == [["someone@example.kr"]]


def test_the_operator_resends_a_failed_receipt_and_it_is_delivered(
        failed, personas, client_for, run_tasks):
    client = client_for(personas.operator)
    response = client.post(_resend(failed["kised"]), follow=True)
    assert response.status_code == 200
    delivery = EmailDelivery.objects.get(pk=failed["kised"].pk)
    assert delivery.status == "pending"
    entry = AuditLog.objects.get(action="email.resent")
    assert (entry.actor, entry.object_id) == (personas.operator, str(delivery.pk))

    run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [["ceo@neurochips.example"]]

    # Sent mail is never resent: a second POST only explains why.
    again = client.post(_resend(delivery), follow=True)
    assert again.status_code == 200
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get(pk=delivery.pk).status == "sent"
    assert client.get(_resend(delivery)).status_code == 405
