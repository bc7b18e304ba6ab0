"""1:1 meeting services: state rules, the instance built from the database, scheduling,
fewest moves on cancellation, outcomes only after the slot, the follow-up signal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kbridge.core.models import EmailDelivery
from kbridge.engine.scheduling import Priority
from kbridge.events import signals
from kbridge.events.models import (
    MeetingBusySlot,
    MeetingOutcome,
    MeetingPlacement,
    MeetingRequest,
    MeetingRun,
)
from kbridge.events.models.meetings import MESSAGE_MAX_CHARS
from kbridge.events.services import meetings as services
from tests.events.meetings import world as mw

pytestmark = pytest.mark.django_db
Status = MeetingRequest.Status


@pytest.fixture
def session(event_world):
    return mw.session(event_world.event)


def test_a_startup_asks_and_the_partner_accepts(event_world, personas, session):
    event = event_world.event
    r = services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="NPU 컴파일러 협업을 논의하고 싶습니다.")
    assert (r.status, r.direction) == (Status.REQUESTED, MeetingRequest.From.STARTUP)
    with pytest.raises(PermissionDenied):  # the side that asked cannot accept
        services.accept(request=r, by=personas.startup_a)
    with pytest.raises(ValidationError):  # one open request per pair
        services.request_meeting(event=event, by=personas.partner_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="협업 논의")
    services.accept(request=r, by=personas.partner_a)
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and r.decided_by == personas.partner_a
    with pytest.raises(ValidationError):
        services.decline(request=r, by=personas.partner_a)
    with pytest.raises(ValidationError):  # accepted: no longer withdrawn, only cancelled
        services.withdraw(request=r, by=personas.startup_a)


def test_a_partner_asks_and_the_startup_declines_or_the_partner_withdraws(
        event_world, personas, session):
    event = event_world.event
    r = services.request_meeting(event=event, by=personas.partner_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="협업 논의")
    assert r.direction == MeetingRequest.From.PARTNER
    with pytest.raises(PermissionDenied):
        services.decline(request=r, by=personas.partner_a)
    services.decline(request=r, by=personas.startup_a_member)
    r.refresh_from_db()
    assert r.status == Status.DECLINED
    again = services.request_meeting(event=event, by=personas.partner_a,
                                     startup=personas.startup_a_org, person=personas.partner_a,
                                     message="협업 논의")
    with pytest.raises(PermissionDenied):
        services.withdraw(request=again, by=personas.startup_a)
    services.withdraw(request=again, by=personas.partner_a)
    again.refresh_from_db()
    assert again.status == Status.WITHDRAWN


def test_who_may_be_asked(event_world, personas, session):
    event = event_world.event
    with pytest.raises(ValidationError):  # startup B is registered, not chosen
        services.request_meeting(event=event, by=personas.startup_b,
                                 startup=personas.startup_b_org, person=personas.partner_a,
                                 message="협업 논의")
    with pytest.raises(ValidationError):  # NVIDIA's staff do not host this event
        services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_b,
                                 message="협업 논의")
    with pytest.raises(PermissionDenied):  # asking on behalf of someone else
        services.request_meeting(event=event, by=personas.operator,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="협업 논의")
    with pytest.raises(ValidationError):
        services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="가" * (MESSAGE_MAX_CHARS + 1))


def test_requests_close_when_the_session_starts(event_world, personas, session):
    event = event_world.event
    r = services.request_meeting(event=event, by=personas.startup_a,
                                 startup=personas.startup_a_org, person=personas.partner_a,
                                 message="협업 논의")
    session.starts_at = timezone.now() - dt.timedelta(minutes=1)
    session.ends_at = timezone.now() + dt.timedelta(hours=1)
    session.save()
    assert not services.requests_open(event)
    with pytest.raises(ValidationError):
        services.accept(request=r, by=personas.partner_a)


def test_the_instance_is_built_from_accepted_requests_availability_and_must_meets(
        event_world, personas, session):
    event = event_world.event
    org2, rep2 = mw.attendee(event, 2)
    staff2 = mw.staff(event, 2)
    a = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a,
                    must_meet=True)
    b = mw.accepted(event, org2, staff2, rep2)
    MeetingRequest.objects.create(event=event, startup=org2, person=personas.partner_a,
                                  direction="startup", requested_by=rep2)  # only requested
    services.set_availability(event=event, by=staff2, person=staff2,
                              busy=[session.slot_start(0), session.slot_start(5)])
    instance, got_session, requests = services.build_instance(event)
    assert got_session == session and instance.n_slots == 6
    assert [t.id for t in instance.tables] == ["1", "2"]
    meetings = instance.meeting_map()
    assert set(meetings) == {str(a.pk), str(b.pk)}
    assert meetings[str(a.pk)].priority == Priority.MUST_MEET
    assert meetings[str(b.pk)].priority == Priority.MEET
    people = instance.participant_map()
    assert people[f"p{staff2.pk}"].available == frozenset({1, 2, 3, 4})
    assert people[f"s{personas.startup_a_org.pk}"].available is None
    with pytest.raises(ValidationError):  # not a slot start
        services.set_availability(event=event, by=staff2, person=staff2,
                                  busy=[session.slot_start(0) + dt.timedelta(minutes=5)])
    assert MeetingBusySlot.objects.filter(person=staff2).count() == 2


def test_schedule_places_everyone_at_distinct_times_per_person(event_world, personas, session):
    event = event_world.event
    startups = [mw.attendee(event, n) for n in range(2, 6)]
    reqs = [mw.accepted(event, org, personas.partner_a, rep) for org, rep in startups]
    run = services.schedule(event=event, by=personas.operator)
    assert (run.kind, run.placed, run.meetings, run.optimal) == ("schedule", 4, 4, True)
    placements = list(MeetingPlacement.objects.filter(request__in=reqs))
    assert len({p.starts_at for p in placements}) == 4  # partner_a meets one at a time
    assert all(1 <= p.table <= 2 for p in placements)
    assert all(p.ends_at - p.starts_at == dt.timedelta(minutes=20) for p in placements)


def test_unplaced_meetings_are_explained(event_world, personas):
    event = event_world.event
    mw.session(event, hours=1)  # 3 slots
    startups = [mw.attendee(event, n) for n in range(2, 6)]
    for org, rep in startups:
        mw.accepted(event, org, personas.partner_a, rep)
    run = services.schedule(event=event, by=personas.operator)
    assert run.placed == 3 and len(run.unplaced) == 1
    assert run.unplaced[0]["code"] == "participants_busy"


def _crowded(event, personas):
    """Two staff members and six startups, 12 meetings in 6 slots at 2 tables: full."""
    staff2 = mw.staff(event, 2)
    startups = [mw.attendee(event, n) for n in range(2, 8)]
    return [mw.accepted(event, org, person, rep)
            for org, rep in startups for person in (personas.partner_a, staff2)]


def test_a_cancellation_moves_no_other_meeting(event_world, personas, session):
    event = event_world.event
    reqs = _crowded(event, personas)
    services.schedule(event=event, by=personas.operator)
    before = {p.request_id: (p.starts_at, p.table) for p in MeetingPlacement.objects.all()}
    assert len(before) == 12
    rep = reqs[0].requested_by  # startup 2's representative
    cancelled, run = services.cancel(request=reqs[0], by=rep)
    assert cancelled.status == Status.CANCELLED
    assert run.kind == "reschedule" and run.moved == []
    after = {p.request_id: (p.starts_at, p.table) for p in MeetingPlacement.objects.all()}
    moves = sum(1 for rid, where in after.items() if before[rid] != where)
    assert moves == 0 and set(after) == set(before) - {reqs[0].pk}
    assert not EmailDelivery.objects.filter(idempotency_key__startswith="meeting-moved:").exists()
    # The other side of the cancelled meeting is told; the one who cancelled is not.
    told = {to for d in EmailDelivery.objects.filter(
        idempotency_key__startswith=f"meeting-cancelled:{reqs[0].pk}:") for to in d.recipients}
    assert reqs[0].person.email in told and rep.email not in told


def test_a_late_acceptance_is_placed_with_fewest_moves_and_movers_are_told(
        event_world, personas):
    """Two 30-minute slots. partner_a meets startup 2, staff2 meets startup 3 and startup A
    (one slot each). With partner_a–2 and staff2–3 in different slots, the late meeting of
    partner_a and startup 3 has no slot until one meeting moves: exactly one move (plus
    staff2's other meeting, which swaps with it, or partner_a's), and its people are told."""
    event = event_world.event
    mw.session(event, hours=1, slot_minutes=30, tables=2)
    staff2 = mw.staff(event, 2)
    (o2, r2), (o3, r3) = mw.attendee(event, 2), mw.attendee(event, 3)
    x = mw.accepted(event, o2, personas.partner_a, r2)
    y = mw.accepted(event, o3, staff2, r3)
    mw.accepted(event, personas.startup_a_org, staff2, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    px, py = MeetingPlacement.objects.get(request=x), MeetingPlacement.objects.get(request=y)
    if px.starts_at == py.starts_at:  # put them apart, as an operator's earlier run might
        other = MeetingPlacement.objects.exclude(pk__in=[px.pk, py.pk]).get()
        px.starts_at, px.ends_at = other.starts_at, other.ends_at
        px.table = 1 if other.table == 2 else 2
        px.save()
    before = {p.request_id: (p.starts_at, p.table) for p in MeetingPlacement.objects.all()}
    late = services.request_meeting(event=event, by=r3, startup=o3, person=personas.partner_a,
                                     message="협업 논의")
    services.accept(request=late, by=personas.partner_a)
    run = MeetingRun.objects.first()
    assert run.kind == "reschedule" and run.placed == 4
    after = {p.request_id: p.starts_at for p in MeetingPlacement.objects.all()}
    moved = {rid for rid in before if before[rid][0] != after[rid]}
    assert len(moved) == 1  # fewest: either partner_a–2 moves, or staff2's two swap (2)
    assert moved <= set(run.moved)
    told = {to for d in EmailDelivery.objects.filter(idempotency_key__startswith="meeting-moved:")
            for to in d.recipients}
    request = MeetingRequest.objects.get(pk=moved.pop())
    assert {request.person.email, f"ceo{request.startup.name_en[-1]}@startup"
            f"{request.startup.name_en[-1]}.example"} <= told


def test_outcome_only_after_the_slot_and_follow_up_is_signalled(event_world, personas, session):
    event = event_world.event
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    placement = MeetingPlacement.objects.get(request=r)
    with pytest.raises(ValidationError):
        services.record_outcome(request=r, by=personas.partner_a, result="held",
                                now=placement.ends_at - dt.timedelta(seconds=1))
    received = []

    def receiver(sender, meeting, by, **kwargs):
        received.append((sender, meeting.pk, by.pk))

    signals.meeting_followup.connect(receiver)
    try:
        services.record_outcome(request=r, by=personas.startup_a, result="held",
                                now=placement.ends_at)
        assert received == []
        services.record_outcome(request=r, by=personas.partner_a, result="follow_up",
                                note="PoC 제안", now=placement.ends_at)
    finally:
        signals.meeting_followup.disconnect(receiver)
    assert received == [(MeetingRequest, r.pk, personas.partner_a.pk)]
    sides = dict(MeetingOutcome.objects.filter(request=r).values_list("side", "result"))
    assert sides == {"startup": "held", "partner": "follow_up"}
    with pytest.raises(PermissionDenied):
        services.record_outcome(request=r, by=personas.partner_admin, result="held",
                                now=placement.ends_at)


def test_must_meet_by_the_partner_or_the_operator_only(event_world, personas, session):
    r = mw.accepted(event_world.event, personas.startup_a_org, personas.partner_a,
                    personas.startup_a)
    with pytest.raises(PermissionDenied):
        services.set_must_meet(request=r, by=personas.startup_a, must_meet=True)
    services.set_must_meet(request=r, by=personas.partner_a, must_meet=True)
    services.set_must_meet(request=r, by=personas.operator, must_meet=False)
    r.refresh_from_db()
    assert r.must_meet is False


def test_a_session_change_keeps_the_placed_meetings_on_the_grid(event_world, personas,
                                                                session):
    event = event_world.event
    mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    with pytest.raises(ValidationError):
        services.save_session(event=event, by=personas.operator, starts_at=session.starts_at,
                              ends_at=session.ends_at, slot_minutes=30, tables=2)


def test_the_bench_measures_the_products_options():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[3] / "bench" / "bench_event_meetings.py"
    spec = importlib.util.spec_from_file_location("bench_event_meetings", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.SOLVE_OPTIONS == services.SOLVE_OPTIONS


def test_a_startup_no_longer_chosen_drops_out_of_the_next_run(event_world, personas, session):
    event = event_world.event
    r = mw.accepted(event, personas.startup_a_org, personas.partner_a, personas.startup_a)
    services.schedule(event=event, by=personas.operator)
    assert MeetingPlacement.objects.filter(request=r).exists()
    event_world.registration_a.status = "withdrawn"
    event_world.registration_a.save()
    run = services.schedule(event=event, by=personas.operator)
    assert run.meetings == 0 and not MeetingPlacement.objects.filter(request=r).exists()
