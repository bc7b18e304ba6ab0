"""The ticket page and the staff check-in page (kbridge.events.views.tickets)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.core.text import clean_text
from kbridge.events import ticket_codes
from kbridge.events.models import CheckIn, Event, Registration
from kbridge.events.services import tickets as services
from tests.events.tickets.world import payload

pytestmark = pytest.mark.django_db


def _ticket_url(event):
    return f"/events/{event.pk}/ticket/"


def _door(event):
    return f"/manage/events/{event.pk}/check-in/"


def test_the_attendee_sees_the_qr_code_typed_code_and_time_in_kst(client, event_world, ticket_a,
                                                                 personas):
    client.force_login(personas.startup_a_member)
    response = client.get(_ticket_url(event_world.event))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="ticket-qr"' in html
    assert ticket_codes.display_short_code(ticket_a.short_code) in html
    assert "14:00" in html and "18:00" in html and "서울 코엑스 그랜드볼룸" in html
    assert ticket_a.registration.attendee_name in html


def test_the_svg_is_the_signed_payload(client, event_world, ticket_a, personas):
    client.force_login(personas.startup_a)
    html = client.get(_ticket_url(event_world.event)).content.decode()
    assert ticket_codes.qr_svg(payload(ticket_a)) in html


@pytest.mark.parametrize("persona", ["startup_b", "operator", "partner_a", "evaluator"])
def test_nobody_else_has_a_ticket_page(client, event_world, ticket_a, personas, persona):
    client.force_login(personas.by_name(persona))
    assert client.get(_ticket_url(event_world.event)).status_code == 404


def test_a_revoked_ticket_or_a_cancelled_event_has_no_page(client, event_world, ticket_a,
                                                          personas):
    client.force_login(personas.startup_a)
    Event.objects.filter(pk=event_world.event.pk).update(status=Event.Status.CANCELLED)
    assert client.get(_ticket_url(event_world.event)).status_code == 404
    Event.objects.filter(pk=event_world.event.pk).update(status=Event.Status.PUBLISHED)
    Registration.objects.filter(pk=ticket_a.registration_id).update(
        status=Registration.Status.WITHDRAWN)
    services.revoke_ticket(ticket_a.registration)
    assert client.get(_ticket_url(event_world.event)).status_code == 404


def test_the_door_page_offers_the_scanner_and_allows_webassembly_only_there(
        client, event_world, personas):
    client.force_login(personas.partner_a)
    response = client.get(_door(event_world.event))
    html = response.content.decode()
    assert response.status_code == 200
    assert "vendor/barcode-detector/ponyfill.js" in html and "kbridge/js/check-in.js" in html
    assert "vendor/zxing-wasm/zxing_reader.wasm" in html and "cdn" not in html.lower()
    policy = response["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in policy and "'unsafe-eval'" not in policy.replace(
        "'wasm-unsafe-eval'", "")
    other = client.get(_ticket_url(event_world.event))  # 404 page, but any other page:
    assert "wasm-unsafe-eval" not in client.get("/events/")["Content-Security-Policy"]
    assert other.status_code == 404


def test_the_scanner_files_are_served(client, event_world, personas, settings):
    from django.contrib.staticfiles import finders

    from kbridge.events.services.tickets import check_scanner_installed, scanner_installed

    assert settings.KBRIDGE_QR_SCANNER and scanner_installed()
    assert check_scanner_installed() == []
    assert finders.find("vendor/barcode-detector/ponyfill.js")
    assert finders.find("vendor/zxing-wasm/zxing_reader.wasm")


def test_without_npm_the_door_offers_typed_codes_only(client, event_world, personas,
                                                      settings, tmp_path):
    """No node_modules (a demo machine without npm): typed codes only, and check --deploy
    fails."""
    from django.core import checks

    from kbridge.events.services.tickets import check_scanner_installed

    settings.STATICFILES_DIRS = [p for p in settings.STATICFILES_DIRS
                                 if not (isinstance(p, tuple) and p[0].startswith("vendor/"))]
    settings.KBRIDGE_QR_SCANNER = False
    assert [e.id for e in check_scanner_installed()] == ["kbridge.E101"]
    assert isinstance(check_scanner_installed()[0], checks.Error)
    client.force_login(personas.operator)
    html = client.get(_door(event_world.event)).content.decode()
    assert "ponyfill.js" not in html and 'name="code"' in html
    assert "npm ci" in html


def test_a_typed_code_is_admitted_then_refused_naming_the_first(client, event_world, ticket_a,
                                                               personas):
    client.force_login(personas.partner_a)
    url = _door(event_world.event) + "scan/"
    typed = " " + ticket_codes.display_short_code(ticket_a.short_code).lower()
    first = client.post(url, {"code": typed}, HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert first.status_code == 200 and 'data-answer="admitted"' in html
    assert ticket_a.registration.attendee_name in html
    assert "뉴로칩스" in html or ticket_a.registration.organisation.name_ko in html
    assert 'id="check-in-recent" hx-swap-oob="true"' in html
    row = CheckIn.objects.get()
    client.force_login(personas.operator)
    second = client.post(url, {"payload": payload(ticket_a)}, HTTP_HX_REQUEST="true")
    html = second.content.decode()
    kst = timezone.localtime(row.at, dt.timezone(dt.timedelta(hours=9))).strftime("%H:%M:%S")
    assert 'data-answer="refused"' in html and kst in html
    assert (personas.partner_a.full_name or personas.partner_a.email) in html
    assert CheckIn.objects.count() == 1


def test_without_javascript_the_answer_comes_on_the_page(client, event_world, ticket_a,
                                                         personas):
    client.force_login(personas.operator)
    response = client.post(_door(event_world.event) + "scan/", {"code": "ZZZZZ"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-answer="refused"' in html
    assert 'value="ZZZZZ"' in html  # what was typed is kept
    response = client.post(_door(event_world.event) + "scan/", {"code": ticket_a.short_code})
    html = response.content.decode()
    assert 'data-answer="admitted"' in html and 'value="' + ticket_a.short_code not in html


def test_an_overlong_payload_is_a_form_error_not_a_500(client, event_world, personas):
    client.force_login(personas.operator)
    response = client.post(_door(event_world.event) + "scan/", {"payload": "K" * 5000},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-answer="invalid"' in response.content.decode()


def test_the_door_closes_a_day_after_the_event(client, event_world, personas):
    event = event_world.event
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=2),
        registration_opens_at=timezone.now() - dt.timedelta(days=9),
        registration_closes_at=timezone.now() - dt.timedelta(days=4))
    client.force_login(personas.operator)
    assert client.get(_door(event)).status_code == 404


def test_the_console_links_the_door(client, event_world, personas):
    client.force_login(personas.partner_a)
    html = client.get(f"/manage/events/{event_world.event.pk}/").content.decode()
    assert _door(event_world.event) in html


NASTY = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["\x00", "a\x00b", "첫 줄\r\n둘째", "\u202e", "<script>alert(1)</script>",
                     "ＡＢＣＤＥ－１２３４５", "x" * 1_001, "KBT1:1:a:b"]))


@settings(derandomize=True, deadline=None, max_examples=30,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=NASTY, given_payload=NASTY)
def test_any_typed_text_is_answered_never_a_500(client, event_world, personas, code,
                                                given_payload):
    """The check-in form (CheckInForm, the shared cleaning layer) with whatever a person or a
    broken scanner sends: an answer, what was typed shown again cleaned, nothing admitted."""
    client.force_login(personas.operator)
    response = client.post(f"/manage/events/{event_world.event.pk}/check-in/scan/",
                           {"code": code, "payload": given_payload})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-answer="refused"' in html or 'data-answer="invalid"' in html
    cleaned = clean_text(code).strip()
    if cleaned and len(cleaned) <= 40 and "\n" not in cleaned:
        assert escape(cleaned) in html
    assert not CheckIn.objects.exists()


def test_the_event_page_links_the_chosen_startups_ticket(client, event_world, ticket_a,
                                                        personas):
    client.force_login(personas.startup_a)
    assert _ticket_url(event_world.event) in client.get(
        f"/events/{event_world.event.pk}/").content.decode()
    client.force_login(personas.startup_b)  # registered, not chosen
    assert _ticket_url(event_world.event) not in client.get(
        f"/events/{event_world.event.pk}/").content.decode()
