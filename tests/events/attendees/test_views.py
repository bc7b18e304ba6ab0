"""Registration and choosing attendees: the pages (events/views/attendees.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kbridge.core.i18n import format_datetime
from kbridge.events.models import Event, EventLottery, FitReview, Registration
from kbridge.events.services import attendees as services
from kbridge.events.templatetags.events_attendees import ticket_url
from tests.events.attendees.world import close_registration, commit_earlier, numbers, startup
from tests.factories import StartupProfileFactory

S = Registration.Status
NUMBER = "120-81-47521"


def _post_data(event_world, text="NPU 위에서 도는 법률 에이전트", **extra):
    q1, q2 = event_world.questions
    return {"business_registration_number": NUMBER, "attendee_name": "김대표",
            "attendee_email": "ceo@new.example", f"answer_{q1.pk}": text,
            f"answer_{q2.pk}": "1", **extra}


def test_the_form_asks_the_fit_questions_with_the_profile_number_fixed(event_world,
                                                                       client_for):
    org, user = startup()
    StartupProfileFactory(organisation=org, representative=user,
                          business_registration_number=NUMBER)
    client = client_for(user)
    response = client.get(f"/events/{event_world.event.pk}/register/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "OpenAI 플랫폼으로 무엇을 만들고 있습니까?" in html and "AI 반도체" in html
    assert NUMBER in html and "disabled" in html
    # A number typed over the profile's is ignored: the company's own number is registered.
    data = _post_data(event_world, business_registration_number=numbers(1)[0])
    response = client.post(f"/events/{event_world.event.pk}/register/", data)
    assert response.status_code == 302
    assert Registration.objects.get(organisation=org).business_registration_number == NUMBER


def test_a_refused_registration_keeps_what_was_typed(event_world, client_for, time_machine):
    org, user = startup()
    client = client_for(user)
    url = f"/events/{event_world.event.pk}/register/"
    taken = client.post(url, _post_data(event_world, business_registration_number="220-81-62517"))
    html = taken.content.decode()
    assert taken.status_code == 200
    assert "이 사업자등록번호로 이미 이 행사에 참가 신청이 되어 있습니다" in html
    assert "뉴로칩스" not in html and "Neuro Chips" not in html
    assert "NPU 위에서 도는 법률 에이전트" in html
    # The close passes while the form is open: the POST at the instant is refused, kept.
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=30)
    Event.objects.filter(pk=event_world.event.pk).update(registration_closes_at=closes)
    client.get(url)
    time_machine.move_to(closes, tick=False)
    late = client.post(url, _post_data(event_world))
    assert late.status_code == 200
    assert "NPU 위에서 도는 법률 에이전트" in late.content.decode()
    assert not Registration.objects.filter(organisation=org).exists()


def test_a_member_cannot_register_and_a_registered_company_is_sent_back(event_world, personas,
                                                                       client_for):
    url = f"/events/{event_world.event.pk}/register/"
    assert client_for(personas.startup_a_member).get(url).status_code == 404
    assert client_for(personas.startup_b).get(url).status_code == 302


def test_register_then_withdraw_from_the_event_page(event_world, client_for):
    org, user = startup()
    client = client_for(user)
    page = client.get(f"/events/{event_world.event.pk}/").content.decode()
    assert f"/events/{event_world.event.pk}/register/" in page
    client.post(f"/events/{event_world.event.pk}/register/", _post_data(event_world))
    registration = Registration.objects.get(organisation=org)
    page = client.get(f"/events/{event_world.event.pk}/").content.decode()
    assert registration.code in page and f"/events/{event_world.event.pk}/withdraw/" in page
    assert 'data-confirm="참가 신청을 철회하시겠습니까?' in page  # asked before the step
    assert "스타트업" in page and ": 신청 완료." in page  # the status reads naturally
    mine = client.get("/events/mine/").content.decode()
    assert "K-스타트업, OpenAI를 만나다" in mine
    client.post(f"/events/{event_world.event.pk}/withdraw/")
    registration.refresh_from_db()
    assert registration.status == S.WITHDRAWN


def test_the_chosen_startup_sees_it_and_no_ticket_link_without_the_ticket_page(
        event_world, personas, client_for):
    page = client_for(personas.startup_a_member).get(
        f"/events/{event_world.event.pk}/").content.decode()
    assert 'data-registration-status="chosen"' in page
    assert ticket_url(event_world.event.pk) is None or ticket_url(event_world.event.pk) in page
    # The member sees the status but may not withdraw for the company.
    assert "/withdraw/" not in page


def test_the_fit_review_page_marks_and_the_operator_runs_the_choice(event_world, personas,
                                                                    client_for):
    event = event_world.event
    event.capacity, event.review_places = 3, 1
    event.save()
    org, user = startup()
    other = services.register(event=event, organisation=org, by=user,
                              business_registration_number=NUMBER, attendee_name="대표",
                              attendee_email=user.email,
                              answers={str(event_world.questions[0].pk): "로봇",
                                       str(event_world.questions[1].pk): "0"})
    partner = client_for(personas.partner_a)
    page = partner.get(f"/manage/events/{event.pk}/registrations/").content.decode()
    assert "Agents for law firms" in page and "AI 응용" in page  # startup B's answers
    b = event_world.registration_b
    response = partner.post(f"/manage/events/{event.pk}/registrations/{b.pk}/review/",
                            {f"r{b.pk}-score": "5", f"r{b.pk}-shortlisted": "on"})
    assert response.status_code == 302
    assert FitReview.objects.get(registration=b, reviewer=personas.partner_a).score == 5
    bad = partner.post(f"/manage/events/{event.pk}/registrations/{b.pk}/review/",
                       {f"r{b.pk}-score": "9"})
    assert bad.status_code == 302
    assert FitReview.objects.get(registration=b).score == 5
    # Partners review; only the operator confirms — and only after the close.
    assert partner.post(f"/manage/events/{event.pk}/review/confirm/").status_code == 404
    operator = client_for(personas.operator)
    operator.post(f"/manage/events/{event.pk}/review/confirm/")
    assert event.registrations.get(pk=b.pk).status == S.REGISTERED
    close_registration(event)
    operator.post(f"/manage/events/{event.pk}/review/confirm/")
    b.refresh_from_db()
    assert (b.status, b.chosen_via) == (S.CHOSEN, "review")

    lottery_url = f"/events/{event.pk}/lottery/"
    anonymous = Client()
    assert 'data-lottery="none"' in anonymous.get(lottery_url).content.decode()
    operator.post(f"/manage/events/{event.pk}/lottery/commit/")
    draw = EventLottery.objects.get(event=event)
    public = anonymous.get(lottery_url).content.decode()
    assert draw.seed_sha256 in public and draw.seed not in public
    assert other.code in public and "K-스타트업" in public
    published = anonymous.get(f"/events/{event.pk}/lottery.json").json()
    assert published["seed"] is None
    assert published["committed_at"] == draw.committed_at.isoformat()
    earliest = draw.committed_at + services.DRAW_DELAY
    assert published["draw_not_before"] == earliest.isoformat()
    when = format_datetime(earliest, "ko")
    assert f"추첨은 빨라도 {when}에 진행합니다" in public
    assert 'download="lottery.json"' in public and "draw.json" not in public
    # The draw right after the commit is refused, naming the earliest instant in KST.
    refused = operator.post(f"/manage/events/{event.pk}/lottery/draw/", follow=True)
    assert f"{when}부터 추첨할 수 있습니다" in refused.content.decode()
    assert not EventLottery.objects.get(event=event).is_drawn
    EventLottery.objects.filter(pk=draw.pk).update(
        committed_at=draw.committed_at - services.DRAW_DELAY)
    operator.post(f"/manage/events/{event.pk}/lottery/draw/")
    public = anonymous.get(lottery_url).content.decode()
    assert "lottery.json" in public and "draw.json" not in public
    assert draw.seed in public
    assert (f"kbridge-lottery --seed {draw.seed} --places 1 --commitment {draw.seed_sha256} "
            f"{other.code}") in public
    other.refresh_from_db()
    assert (other.status, other.chosen_via) == (S.CHOSEN, "lottery")


def test_an_offer_is_answered_from_the_event_page(event_world, personas, client_for):
    event = event_world.event
    event.capacity, event.review_places, event.waitlist_length = 1, 0, 5
    event.save()
    close_registration(event)
    commit_earlier(event, personas.operator)
    services.draw_lottery(event=event, by=personas.operator)  # startup B waits, A is chosen
    b = Registration.objects.get(pk=event_world.registration_b.pk)
    assert (b.status, b.waitlist_position) == (S.WAITLISTED, 1)
    Registration.objects.filter(pk=event_world.registration_a.pk).update(
        status=S.CHOSEN)
    services.withdraw(registration=event_world.registration_a, by=personas.startup_a)
    client = client_for(personas.startup_b)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f"/events/{event.pk}/offer/" in page
    assert 'value="decline" data-confirm="제안된 자리를 거절하시겠습니까?' in page
    client.post(f"/events/{event.pk}/offer/", {"action": "accept"})
    b.refresh_from_db()
    assert (b.status, b.chosen_via) == (S.CHOSEN, "waitlist")


@pytest.mark.parametrize("persona", ["startup_a", "startup_a_member", "startup_b"])
def test_my_events_lists_only_the_own_company(event_world, personas, client_for, persona):
    html = client_for(personas.by_name(persona)).get("/events/mine/").content.decode()
    assert "K-스타트업, OpenAI를 만나다" in html
    other = "딥랩스" if persona != "startup_b" else "뉴로칩스"
    assert other not in html


def test_the_operator_sets_the_waitlist_on_the_event_form(event_world, personas, client_for):
    event = event_world.event
    client = client_for(personas.operator)
    form = client.get(f"/manage/events/{event.pk}/edit/").context["form"]
    data = {name: form[name].value() if form[name].value() is not None else ""
            for name in form.fields}
    data.update(waitlist_length="7", waitlist_offer_hours="24")
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        data[name] = timezone.localtime(getattr(event, name)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/manage/events/{event.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert (event.waitlist_length, event.waitlist_offer_hours) == (7, 24)
    data["waitlist_offer_hours"] = "0"
    assert client.post(f"/manage/events/{event.pk}/edit/", data).status_code == 200


def test_irreversible_steps_ask_first_and_help_texts_say_the_limit_once(event_world, personas,
                                                                         client_for):
    event = event_world.event
    operator = client_for(personas.operator)
    close_registration(event)
    page = operator.get(f"/manage/events/{event.pk}/registrations/").content.decode()
    assert page.count("data-confirm=") == 1  # the review's confirmation (the commit waits)
    assert 'data-confirm="적합성 검토를 확정하시겠습니까?' in page
    services.confirm_review(event=event, by=personas.operator)
    page = operator.get(f"/manage/events/{event.pk}/registrations/").content.decode()
    assert 'data-confirm="추첨을 공약하시겠습니까?' in page
    commit_earlier(event, personas.operator)
    page = operator.get(f"/manage/events/{event.pk}/registrations/").content.decode()
    assert 'data-confirm="지금 추첨하시겠습니까?' in page

    org, user = startup()
    Event.objects.filter(pk=event.pk).update(registration_closes_at=timezone.now()
                                             + dt.timedelta(days=1))
    form = client_for(user).get(f"/events/{event.pk}/register/").content.decode()
    limit = event_world.questions[0].max_chars
    assert form.count(f"{limit:,}자") == 1, "the limit is said once"
