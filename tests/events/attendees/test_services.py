"""Registration and choosing attendees: the services (events/services/attendees.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.engine import lottery as engine
from kbridge.engine.lottery.cli import main as lottery_cli
from kbridge.events import signals
from kbridge.events.models import EventLottery, FitReview, Registration, WaitlistOffer
from kbridge.events.services import attendees as services
from tests.events.attendees.world import close_registration, commit_earlier, numbers, startup
from tests.events.world import make_event

S = Registration.Status
BRN_C = "120-81-47521"  # valid, held by nobody in the world


def _answers(event_world, text="LLM 에이전트"):
    q1, q2 = event_world.questions
    return {str(q1.pk): text, str(q2.pk): "1"}


def _register(event, org, user, brn, answers=None, **kwargs):
    return services.register(event=event, organisation=org, by=user,
                             business_registration_number=brn,
                             attendee_name=user.full_name, attendee_email=user.email,
                             answers=answers or {}, **kwargs)


@pytest.fixture
def caught():
    """Every registration_chosen / registration_released signal, as (name, code)."""
    seen = []

    def chosen(sender, registration, **kwargs):
        seen.append(("chosen", registration.code))

    def released(sender, registration, **kwargs):
        seen.append(("released", registration.code))

    signals.registration_chosen.connect(chosen, dispatch_uid="test.chosen")
    signals.registration_released.connect(released, dispatch_uid="test.released")
    yield seen
    signals.registration_chosen.disconnect(dispatch_uid="test.chosen")
    signals.registration_released.disconnect(dispatch_uid="test.released")


# --- registration --------------------------------------------------------------------------


def test_register_stores_the_canonical_number_and_mails_a_receipt(event_world):
    org, user = startup()
    registration = _register(event_world.event, org, user, "1208147521",
                             _answers(event_world))
    assert registration.business_registration_number == BRN_C
    assert registration.status == S.REGISTERED
    assert registration.answers[str(event_world.questions[1].pk)] == "1"
    delivery = EmailDelivery.objects.get(idempotency_key__startswith="events:registered:")
    assert user.email in delivery.recipients
    assert "참가 신청 접수" in delivery.subject and "Registration received" in delivery.subject
    assert AuditLog.objects.filter(action="event.registered").exists()


def test_a_company_number_registers_once_and_the_refusal_names_nobody(event_world):
    org, user = startup("쌍둥이랩")
    with pytest.raises(ValidationError) as refused:
        _register(event_world.event, org, user, "220 81 62517", _answers(event_world))
    assert refused.value.code == "taken"
    text = " ".join(refused.value.messages)
    assert "Neuro Chips" not in text and "뉴로칩스" not in text  # startup A holds the number


def test_the_same_organisation_registers_once(event_world, personas):
    with pytest.raises(ValidationError) as refused:
        _register(event_world.event, personas.startup_b_org, personas.startup_b, BRN_C,
                  _answers(event_world))
    assert refused.value.code == "registered"


def test_a_race_on_the_number_gives_the_friendly_error_not_a_500(event_world):
    """Another account of the company registers the same number between our checks and our
    insert: the database constraint refuses ours, and the service says so in words."""
    first_org, first = startup()
    second_org, second = startup()

    def concurrent(sender, instance, **kwargs):
        if instance.organisation_id == second_org.pk and instance._state.adding:
            Registration.objects.create(
                event=instance.event, organisation=first_org, registered_by=first,
                business_registration_number=instance.business_registration_number,
                attendee_name="x", attendee_email=first.email)

    pre_save.connect(concurrent, sender=Registration, dispatch_uid="test.race")
    try:
        with pytest.raises(ValidationError) as refused:
            _register(event_world.event, second_org, second, BRN_C, _answers(event_world))
    finally:
        pre_save.disconnect(sender=Registration, dispatch_uid="test.race")
    assert refused.value.code == "taken"
    assert not Registration.objects.filter(organisation=second_org).exists()


def test_registration_closes_at_the_exact_second(event_world, time_machine):
    event = event_world.event
    org, user = startup()
    time_machine.move_to(event.registration_closes_at - dt.timedelta(seconds=1), tick=False)
    assert _register(event, org, user, BRN_C, _answers(event_world)).status == S.REGISTERED
    late_org, late = startup()
    time_machine.move_to(event.registration_closes_at, tick=False)
    with pytest.raises(ValidationError) as refused:
        _register(event, late_org, late, numbers(1)[0], _answers(event_world))
    assert refused.value.code == "closed"


@pytest.mark.parametrize(("number", "code"), [("220-81-62518", "brn"), ("12345", "brn")])
def test_an_invalid_number_is_refused(event_world, number, code):
    org, user = startup()
    with pytest.raises(ValidationError) as refused:
        _register(event_world.event, org, user, number, _answers(event_world))
    assert refused.value.code == code


def test_answers_are_checked(event_world):
    org, user = startup()
    q1, q2 = event_world.questions
    with pytest.raises(ValidationError):
        _register(event_world.event, org, user, BRN_C, {str(q1.pk): "x", str(q2.pk): "7"})
    with pytest.raises(ValidationError):
        _register(event_world.event, org, user, BRN_C, {str(q2.pk): "0"})
    with pytest.raises(ValidationError):
        _register(event_world.event, org, user, BRN_C,
                  {str(q1.pk): "가" * (q1.max_chars + 1), str(q2.pk): "0"})


def test_a_company_that_withdrew_registers_again(event_world, personas):
    registration = services.withdraw(registration=event_world.registration_b,
                                     by=personas.startup_b)
    assert registration.status == S.WITHDRAWN
    again = _register(event_world.event, personas.startup_b_org, personas.startup_b,
                      BRN_C, _answers(event_world, "다시"))
    assert again.pk == registration.pk and again.status == S.REGISTERED


# --- the fit review and the lottery ------------------------------------------------------------


@pytest.fixture
def crowd(event_world, personas):
    """Startup B and eight more registered; startup A (chosen in the world) stays chosen.
    The event: 5 places, 2 by the fit review, a waitlist of 3."""
    event = event_world.event
    event.capacity, event.review_places, event.waitlist_length = 5, 2, 3
    event.save()
    registrations = [event_world.registration_b]
    for number in numbers(8):
        org, user = startup()
        registrations.append(_register(event, org, user, number, _answers(event_world)))
    return registrations


def test_review_ranks_shortlists_then_mean_and_leaves_a_tie_to_the_lottery(
        event_world, crowd, personas):
    event = event_world.event
    first, second, third = crowd[1], crowd[2], crowd[3]
    services.review(registration=first, by=personas.operator, score=5, shortlisted=True)
    services.review(registration=second, by=personas.operator, score=4, shortlisted=False)
    services.review(registration=third, by=personas.partner_a, score=4, shortlisted=False)
    ranking = services.review_ranking(event)
    chosen = [row.registration for row in ranking.rows if row.chosen]
    assert chosen == [first]  # second and third tie at the line: the lottery decides
    assert ranking.tied == 2
    services.review(registration=third, by=personas.operator, score=3, shortlisted=False)
    ranking = services.review_ranking(event)
    assert [row.registration for row in ranking.rows if row.chosen] == [first, second]
    assert FitReview.objects.filter(registration=third).count() == 2  # one per reviewer


def test_confirm_review_waits_for_the_close_then_chooses(event_world, crowd, personas, caught):
    event = event_world.event
    services.review(registration=crowd[1], by=personas.operator, score=5, shortlisted=True)
    with pytest.raises(ValidationError):
        services.confirm_review(event=event, by=personas.operator)
    close_registration(event)
    chosen = services.confirm_review(event=event, by=personas.operator)
    assert [r.pk for r in chosen] == [crowd[1].pk]
    crowd[1].refresh_from_db()
    assert (crowd[1].status, crowd[1].chosen_via) == (S.CHOSEN, Registration.Via.REVIEW)
    assert caught == [("chosen", crowd[1].code)]
    with pytest.raises(ValidationError):
        services.confirm_review(event=event, by=personas.operator)
    with pytest.raises(ValidationError):
        services.review(registration=crowd[2], by=personas.operator, score=2,
                        shortlisted=False)


def _drawn(event_world, crowd, personas):
    event = event_world.event
    close_registration(event)
    services.confirm_review(event=event, by=personas.operator)  # nobody marked: none chosen
    commit_earlier(event, personas.operator)
    return services.draw_lottery(event=event, by=personas.operator)


def test_the_lottery_commits_before_it_draws_and_the_cli_reproduces_it(
        event_world, crowd, personas, caught, tmp_path, capsys):
    event = event_world.event
    close_registration(event)
    with pytest.raises(ValidationError):
        services.commit_lottery(event=event, by=personas.operator)  # review not confirmed
    services.confirm_review(event=event, by=personas.operator)
    draw = commit_earlier(event, personas.operator)
    published = services.published_lottery(draw)
    assert published["seed"] is None and published["winners"] is None
    assert published["entrants"] == sorted(r.code for r in crowd)
    assert published["places"] == 4  # 5 places, startup A already chosen
    assert engine.verify(draw.seed, published["seed_sha256"])
    with pytest.raises(ValidationError):
        services.withdraw(registration=crowd[0], by=personas.startup_b)  # an entrant, committed

    draw = services.draw_lottery(event=event, by=personas.operator)
    published = services.published_lottery(EventLottery.objects.get(pk=draw.pk))
    drawn = engine.order(published["seed"], published["entrants"])
    statuses = {r.code: (r.status, r.chosen_via, r.waitlist_position)
                for r in Registration.objects.filter(event=event)}
    assert [statuses[c] for c in drawn] == (
        [(S.CHOSEN, "lottery", None)] * 4
        + [(S.WAITLISTED, "", n) for n in (1, 2, 3)] + [(S.NOT_CHOSEN, "", None)] * 2)
    assert caught == [("chosen", code) for code in drawn[:4]]

    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    assert lottery_cli(["--entrants-file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "commitment: ok" in out and "published winners: ok" in out
    assert lottery_cli(["--seed", published["seed"], "--places", str(published["places"]),
                        "--commitment", published["seed_sha256"], *published["entrants"]]) == 0
    winners = capsys.readouterr().out.split("winners (")[1].split("draw order:")[0]
    assert winners.split("\n")[1:5] == published["winners"] == drawn[:4]
    assert services.draw_lottery(event=event, by=personas.operator).winners == draw.winners


# --- the waitlist --------------------------------------------------------------------------


def test_a_freed_place_is_offered_down_the_waitlist(event_world, crowd, personas, caught,
                                                    time_machine):
    event = event_world.event
    draw = _drawn(event_world, crowd, personas)
    by_position = {r.waitlist_position: r for r in Registration.objects.filter(
        event=event, status=S.WAITLISTED)}
    caught.clear()
    moment = timezone.now()
    services.withdraw(registration=event_world.registration_a, by=personas.startup_a, now=moment)
    assert caught == [("released", event_world.registration_a.code)]
    offer = WaitlistOffer.objects.get(status=WaitlistOffer.Status.PENDING)
    assert offer.registration == by_position[1]
    assert offer.respond_by == moment + dt.timedelta(hours=event.waitlist_offer_hours)
    [task] = DBTaskResult.objects.filter(
        task_path__endswith="tasks_attendees.expire_event_offers")
    assert task.run_after == offer.respond_by

    # The first declines: the place passes to the second.
    services.decline_offer(offer=offer, by=None)
    assert Registration.objects.get(pk=by_position[1].pk).status == S.WITHDRAWN
    second = WaitlistOffer.objects.get(status=WaitlistOffer.Status.PENDING)
    assert second.registration == by_position[2]

    # The second lets it expire: to the second, not before.
    assert services.expire_offers(second.respond_by - dt.timedelta(seconds=1)) == 0
    time_machine.move_to(second.respond_by, tick=False)
    with pytest.raises(ValidationError):
        services.accept_offer(offer=second, by=None)
    assert services.expire_offers() == 1
    assert services.expire_offers() == 0  # idempotent
    assert Registration.objects.get(pk=by_position[2].pk).status == S.NOT_CHOSEN
    third = WaitlistOffer.objects.get(status=WaitlistOffer.Status.PENDING)
    assert third.registration == by_position[3]

    caught.clear()
    registration = services.accept_offer(offer=third, by=None)
    assert (registration.status, registration.chosen_via) == (S.CHOSEN, "waitlist")
    assert caught == [("chosen", registration.code)]
    assert Registration.objects.filter(event=event, status=S.CHOSEN).count() == event.capacity
    assert draw.is_drawn


def test_a_waitlisted_startup_with_an_offer_withdraws_and_the_place_passes_on(
        event_world, crowd, personas):
    _drawn(event_world, crowd, personas)
    services.withdraw(registration=event_world.registration_a, by=personas.startup_a)
    offer = WaitlistOffer.objects.get(status=WaitlistOffer.Status.PENDING)
    services.withdraw(registration=offer.registration, by=None)
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.DECLINED
    assert AuditLog.objects.filter(action="event.offer_declined").count() == 1
    [following] = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.PENDING)
    assert following.registration.waitlist_position == 2


def test_no_offer_while_the_event_is_full(event_world, crowd, personas):
    _drawn(event_world, crowd, personas)
    # A waitlisted startup withdrawing frees no place.
    waiting = Registration.objects.filter(status=S.WAITLISTED).first()
    services.withdraw(registration=waiting, by=None)
    assert not WaitlistOffer.objects.exists()


def test_the_expiry_task_and_the_worker_catch_up(event_world, crowd, personas):
    from kbridge.events import tasks_attendees

    _drawn(event_world, crowd, personas)
    services.withdraw(registration=event_world.registration_a, by=personas.startup_a)
    offer = WaitlistOffer.objects.get()
    DBTaskResult.objects.all().delete()
    tasks_attendees.catch_up_on_worker_start(None, queues=["email"], excluded=[])
    assert not DBTaskResult.objects.exists()  # a mail-only worker does not run it
    tasks_attendees.catch_up_on_worker_start(None, queues=["*"], excluded=["email"])
    assert DBTaskResult.objects.filter(
        task_path__endswith="tasks_attendees.expire_event_offers").count() == 1
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        respond_by=timezone.now() - dt.timedelta(seconds=1))
    assert tasks_attendees.expire_event_offers.call() == 1


def test_an_event_without_review_places_goes_straight_to_the_lottery(world, personas):
    event = make_event(world, capacity=1, review_places=0, waitlist_length=0)
    org, user = startup()
    services.register(event=event, organisation=org, by=user, business_registration_number=BRN_C,
                      attendee_name="대표", attendee_email=user.email, answers={})
    close_registration(event)
    commit_earlier(event, personas.operator)
    draw = services.draw_lottery(event=event, by=personas.operator)
    assert draw.winners == [Registration.objects.get(event=event).code]


def test_the_draw_waits_for_the_announced_instant_after_the_commit(event_world, crowd,
                                                                   personas):
    """The commit announces the draw: refused before committed_at + DRAW_DELAY, at the
    service's ``now`` (not the row's creation clock)."""
    event = event_world.event
    close_registration(event)
    services.confirm_review(event=event, by=personas.operator)
    committed = timezone.now() - dt.timedelta(minutes=40)
    draw = services.commit_lottery(event=event, by=personas.operator, now=committed)
    assert draw.committed_at == committed
    assert services.published_lottery(draw)["committed_at"] == committed.isoformat()
    earliest = committed + services.DRAW_DELAY
    with pytest.raises(ValidationError) as refused:
        services.draw_lottery(event=event, by=personas.operator,
                              now=earliest - dt.timedelta(seconds=1))
    assert refused.value.code == "too_early"
    assert "KST" in refused.value.messages[0]
    assert not EventLottery.objects.get(pk=draw.pk).is_drawn
    drawn = services.draw_lottery(event=event, by=personas.operator, now=earliest)
    published = services.published_lottery(drawn)
    assert published["drawn_at"] == earliest.isoformat()
    assert published["committed_at"] < published["drawn_at"]
