"""Plain-text outputs are never HTML-escaped (issue 10, item 2).

Every text/plain output (receipts, e-mail subjects and bodies) shows what people typed, with
``& ' " < >`` in every user-supplied field it shows; headers never carry a line break.
"""

from __future__ import annotations

import pathlib

import pytest
from django.core.mail import EmailMessage

from kbridge.accounts import services as account_services
from kbridge.applications import services
from kbridge.core.mail import queue_email
from kbridge.core.models import EmailDelivery

NASTY = "R&D <랩스> \"O'Neil\" & Co"
SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "kbridge"


def _nasty_world(application, personas):
    org = application.applicant
    org.name_ko, org.name_en = f"{NASTY} ko", f"{NASTY} en"
    org.save()
    track = application.track
    track.name_ko, track.name_en = f"{NASTY} 트랙", f"{NASTY} track"
    track.save()
    partner = track.partner.organisation
    partner.name_ko, partner.name_en = f"{NASTY} partner", f"{NASTY} partner"
    partner.save()
    call = application.call
    call.title_ko, call.title_en = f"{NASTY} 공고", f"{NASTY} call"
    call.save()
    personas.startup_a.full_name = f"{NASTY} person"
    personas.startup_a.save()


def _assert_unescaped(text: str, *pieces: str):
    for entity in ("&amp;", "&lt;", "&gt;", "&#x27;", "&#39;", "&quot;"):
        assert entity not in text
    for piece in pieces:
        assert piece in text


def test_every_txt_template_turns_autoescape_off():
    """The one mechanism: each *.txt template wraps its output in {% autoescape off %}."""
    templates = sorted(SRC.glob("**/templates/**/*.txt"))
    assert templates
    for path in templates:
        text = path.read_text()
        body = text.split("%}", 1)[1] if text.startswith("{% load") else text
        assert body.startswith("{% autoescape off %}"), path
        assert text.rstrip().endswith("{% endautoescape %}"), path


def test_the_receipt_shows_every_field_as_typed(complete_draft, personas, client_for):
    _nasty_world(complete_draft, personas)
    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    text = services.receipt_text(submission)
    _assert_unescaped(text, f"{NASTY} ko", f"{NASTY} en", f"{NASTY} 트랙", f"{NASTY} 공고",
                      f"{NASTY} person", f"{NASTY} partner")
    response = client_for(personas.startup_a).get(
        f"/applications/{complete_draft.pk}/receipts/{submission.number}/", {"download": "1"})
    assert response["Content-Type"].startswith("text/plain")
    _assert_unescaped(response.content.decode(), f"{NASTY} ko", f"{NASTY} en",
                      f"{NASTY} person")


def test_the_receipt_speaks_the_readers_units_and_one_time_style(complete_draft, personas):
    """Pages, sizes and times in the reader's language: "2쪽, 1.2 KB" in Korean, the exact
    instant as "UTC 2026-11-30 19:49:06" beside KST, never a raw ISO timestamp with
    microseconds or "bytes, p." in a Korean text (issue 11)."""
    import re

    from django.utils import translation

    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    with translation.override("ko"):
        korean = services.receipt_text(submission)
    with translation.override("en"):
        english = services.receipt_text(submission)
    assert "쪽" in korean and " p." not in korean and "bytes" not in korean
    assert re.search(r"\(UTC \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)", korean)
    assert not re.search(r"T\d\d:\d\d:\d\d\.\d+", korean + english)
    assert re.search(r"\d+ pages?", english)


def test_the_receipt_email_is_not_escaped(complete_draft, personas):
    _nasty_world(complete_draft, personas)
    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    services.send_receipt(submission.pk)
    delivery = EmailDelivery.objects.get(idempotency_key=f"receipt:{submission.pk}")
    _assert_unescaped(delivery.payload["body"], f"{NASTY} ko", f"{NASTY} person")


def test_invitation_and_verification_mails_are_not_escaped(personas):
    org = personas.startup_a_org
    org.name_ko, org.name_en = f"{NASTY} ko", f"{NASTY} en"
    org.save()
    personas.startup_a.full_name = f"{NASTY} person"
    personas.startup_a.save()
    invitation = account_services.invite_startup_member(
        organisation=org, email="new@example.com", by=personas.startup_a)
    delivery = EmailDelivery.objects.get(idempotency_key=f"invitation:{invitation.pk}")
    _assert_unescaped(delivery.payload["subject"], f"{NASTY} ko")
    _assert_unescaped(delivery.payload["body"], f"{NASTY} ko", f"{NASTY} person")

    account_services.send_verification_email(personas.startup_a)
    verify = EmailDelivery.objects.exclude(pk=delivery.pk).get()
    _assert_unescaped(verify.payload["body"], f"{NASTY} person")


@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r", "\u2028", "\x85"])
def test_mail_headers_never_carry_a_line_break(db, breaker):
    message = EmailMessage(f"[K-Bridge] Invitation to Evil{breaker}Bcc: x@evil.example",
                           "body", "noreply@kbridge.local", ["a@example.com"],
                           headers={"X-Note": f"one{breaker}two"})
    delivery = queue_email(message, idempotency_key=f"hdr:{ord(breaker[-1])}")
    assert delivery.payload["subject"] == "[K-Bridge] Invitation to Evil Bcc: x@evil.example"
    assert delivery.payload["headers"]["X-Note"] == "one two"
    from kbridge.core.mail import deserialize_message

    deserialize_message(delivery.payload).message()  # no BadHeaderError


def test_company_names_refuse_line_breaks_in_the_profile_form(personas):
    from kbridge.applications.forms import ProfileForm

    form = ProfileForm(data={"name_ko": "가나\r\n다", "name_en": "A\nB", "is_pre_founder": "on"},
                       organisation=personas.startup_a_org)
    assert not form.is_valid()
    assert "name_ko" in form.errors and "name_en" in form.errors


def test_an_invitation_from_a_company_stored_with_a_line_break_still_sends(personas):
    """A row from before the rule (or a raw update): the subject is made one line in the
    outbox, so the mail worker can build the message."""
    from kbridge.core.mail import deserialize_message

    org = personas.startup_a_org
    type(org).objects.filter(pk=org.pk).update(name_ko="뉴로\r\n칩스", name_en="Neuro\nChips")
    org.refresh_from_db()
    invitation = account_services.invite_startup_member(
        organisation=org, email="new@example.com", by=personas.startup_a)
    delivery = EmailDelivery.objects.get(idempotency_key=f"invitation:{invitation.pk}")
    assert "\n" not in delivery.payload["subject"] and "\r" not in delivery.payload["subject"]
    assert "뉴로 칩스" in delivery.payload["subject"]
    deserialize_message(delivery.payload).message()


def test_names_refuse_line_breaks_at_the_model_too(personas):
    """Every service's full_clean uses the model's validators, not only the forms."""
    from django.core.exceptions import ValidationError

    org = personas.startup_a_org
    org.name_en = "Neuro\nChips"
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "name_en" in exc.value.message_dict
    personas.startup_a.full_name = "김\r\n철수"
    with pytest.raises(ValidationError) as exc:
        personas.startup_a.full_clean()
    assert "full_name" in exc.value.message_dict
