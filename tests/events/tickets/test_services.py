"""Issuing, revoking and admitting tickets (kbridge.events.services.tickets)."""

from __future__ import annotations

import datetime as dt
import email

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbridge.core.mail import deserialize_message
from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.events import signals, ticket_codes
from kbridge.events.models import CheckIn, Registration, Ticket
from kbridge.events.services import tickets as services
from tests.events.tickets.world import issue, payload
from tests.events.world import BRN_C, make_event, register

pytestmark = pytest.mark.django_db


def _ticket_mail(ticket):
    return EmailDelivery.objects.get(idempotency_key__startswith=f"event-ticket:{ticket.pk}:")


def test_choosing_issues_one_ticket_and_mails_it_with_the_qr_png(event_world, personas):
    ticket = issue(event_world.registration_a, by=personas.operator)
    assert ticket.event == event_world.event and ticket.revoked_at is None
    assert len(ticket.code) >= 32 and len(ticket.short_code) == 10
    # A second signal (a retried choice) issues nothing new and mails nothing new.
    assert issue(event_world.registration_a) == ticket
    delivery = _ticket_mail(ticket)
    assert EmailDelivery.objects.filter(idempotency_key__startswith="event-ticket:").count() == 1
    assert delivery.recipients == [event_world.registration_a.attendee_email]
    message = deserialize_message(delivery.payload)
    assert ticket_codes.display_short_code(ticket.short_code) in message.body
    assert f"/events/{event_world.event.pk}/ticket/" in message.body
    assert "서울 코엑스 그랜드볼룸" in message.body  # Korean: the attendee's language
    assert "14:00" in message.body and "KST" in message.body
    # As the mail worker sends it: the HTML shows the QR code inline by its Content-ID.
    parsed = email.message_from_bytes(message.message().as_bytes())
    [image] = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{services.QR_CONTENT_ID}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == f"ticket-{ticket.short_code}.png"
    assert image.get_payload(decode=True) == ticket_codes.qr_png(payload(ticket))
    [html] = [part for part in parsed.walk() if part.get_content_type() == "text/html"]
    html_text = html.get_payload(decode=True).decode()
    assert f'src="cid:{services.QR_CONTENT_ID}"' in html_text
    assert ticket_codes.display_short_code(ticket.short_code) in html_text
    assert AuditLog.objects.filter(action="event.ticket_issued", object_id=str(ticket.pk)).exists()


def test_the_mail_is_in_english_for_an_english_speaking_attendee(event_world, personas):
    user = personas.startup_a
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    ticket = issue(event_world.registration_a)
    message = deserialize_message(_ticket_mail(ticket).payload)
    assert "COEX Grand Ballroom" in message.body
    assert "K-Startups meet OpenAI" in message.subject


def test_a_registration_not_chosen_gets_no_ticket(event_world):
    with pytest.raises(ValidationError):
        services.issue_ticket(event_world.registration_b)
    assert not Ticket.objects.filter(registration=event_world.registration_b).exists()


def test_release_revokes_and_a_new_choice_issues_new_codes(event_world, personas):
    registration = event_world.registration_a
    ticket = issue(registration)
    old_payload, old_short = payload(ticket), ticket.short_code
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.WITHDRAWN)
    signals.registration_released.send(sender=Registration, registration=registration)
    ticket.refresh_from_db()
    assert ticket.revoked_at is not None
    answer = services.check_in(event=registration.event, by=personas.operator,
                               payload=old_payload)
    assert not answer.admitted and answer.reason == "revoked"
    assert "취소" in answer.message or "cancelled" in answer.message
    # Chosen again (from the waitlist): a new ticket; the old QR code and typed code are dead.
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CHOSEN)
    again = issue(registration)
    assert again.pk == ticket.pk and again.revoked_at is None
    assert again.short_code != old_short and payload(again) != old_payload
    assert services.check_in(event=registration.event, by=personas.operator,
                             payload=old_payload).reason == "unknown"
    assert services.check_in(event=registration.event, by=personas.operator,
                             typed=old_short).reason == "unknown"
    assert services.check_in(event=registration.event, by=personas.operator,
                             typed=again.short_code).admitted
    assert EmailDelivery.objects.filter(idempotency_key__startswith="event-ticket:").count() == 2


def test_scan_admits_once_and_the_second_scan_names_the_first(event_world, personas):
    ticket = issue(event_world.registration_a)
    staff = personas.partner_a
    first = services.check_in(event=event_world.event, by=staff, payload=payload(ticket))
    assert first.admitted and first.ticket == ticket
    assert first.check_in.method == CheckIn.Method.SCAN and first.check_in.by == staff
    second = services.check_in(event=event_world.event, by=personas.operator,
                               typed=ticket_codes.display_short_code(ticket.short_code).lower())
    assert not second.admitted and second.reason == "already"
    assert second.check_in.pk == first.check_in.pk and second.check_in.by == staff
    kst = timezone.localtime(first.check_in.at, dt.timezone(dt.timedelta(hours=9)))
    name = staff.full_name or staff.email
    assert kst.strftime("%H:%M:%S") in second.message and name in second.message
    assert CheckIn.objects.count() == 1
    assert AuditLog.objects.filter(action="event.checked_in").count() == 1


@pytest.mark.parametrize(("given", "reason"), [
    ({}, "empty"), ({"payload": "hello"}, "malformed"), ({"typed": "ABC"}, "malformed"),
])
def test_refusals_without_a_ticket(event_world, personas, given, reason):
    answer = services.check_in(event=event_world.event, by=personas.operator, **given)
    assert not answer.admitted and answer.reason == reason and answer.ticket is None
    assert answer.message


def test_a_tampered_payload_and_a_typo_are_refused_with_their_reason(event_world, personas):
    ticket = issue(event_world.registration_a)
    tampered = payload(ticket)[:-2] + "xx"
    answer = services.check_in(event=event_world.event, by=personas.operator, payload=tampered)
    assert (answer.admitted, answer.reason) == (False, "signature")
    typo = ticket.short_code[:-1] + next(c for c in ticket_codes.ALPHABET
                                          if c != ticket.short_code[-1])
    answer = services.check_in(event=event_world.event, by=personas.operator, typed=typo)
    assert (answer.admitted, answer.reason) == (False, "check")
    assert not CheckIn.objects.exists()


def test_another_events_ticket_is_refused_at_this_door(event_world, world, personas):
    other = make_event(world, title_ko="다른 행사", title_en="Another event")
    registration = register(other, personas.startup_b_org, personas.startup_b, brn=BRN_C,
                            status=Registration.Status.CHOSEN)
    foreign = issue(registration)
    by = personas.operator
    assert services.check_in(event=event_world.event, by=by,
                             payload=payload(foreign)).reason == "other_event"
    # Its typed code names no ticket of this event.
    assert services.check_in(event=event_world.event, by=by,
                             typed=foreign.short_code).reason == "unknown"
    # A payload re-signed for this event cannot be made without the key; one that names this
    # event with another event's code is unknown here.
    relabelled = ticket_codes.sign_payload(event_world.event.pk, foreign.code)
    assert services.check_in(event=event_world.event, by=by,
                             payload=relabelled).reason == "other_event"
    assert services.check_in(event=other, by=by, payload=payload(foreign)).admitted


def test_the_ticket_page_the_mail_and_the_door_name_the_code_alike(client, event_world,
                                                                   personas):
    """One Korean term for the ten characters under the QR code: 입장 코드 ("entry code"),
    never 입력 코드 ("input code"), on the ticket page, in the e-mail and at the door."""
    ticket = issue(event_world.registration_a, by=personas.operator)
    message = deserialize_message(_ticket_mail(ticket).payload)
    parsed = email.message_from_bytes(message.message().as_bytes())
    [html] = [part for part in parsed.walk() if part.get_content_type() == "text/html"]
    client.force_login(personas.startup_a)
    page = client.get(f"/events/{event_world.event.pk}/ticket/",
                      HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    client.force_login(personas.partner_a)
    door = client.get(f"/manage/events/{event_world.event.pk}/check-in/",
                      HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    for text in (message.body, html.get_payload(decode=True).decode(), page, door):
        assert "입장 코드" in text and "입력 코드" not in text
