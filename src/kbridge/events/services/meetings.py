"""State changes of 1:1 meetings: the session, availability, requests (request, accept,
decline, withdraw, cancel, must-meet), scheduling runs and outcomes. One function per change;
each validates, writes and records an audit row.

Scheduling uses :mod:`kbridge.engine.scheduling` (no other solver): :func:`schedule` builds
the :class:`~kbridge.engine.scheduling.MeetingInstance` from the accepted requests, the
participants' availability and must-meets, and solves it in the request with
:data:`TIME_LIMIT` (docs/events.md explains why not on the worker). Once a schedule exists,
every later change (a cancellation, a meeting accepted late, a re-run) is a
:func:`~kbridge.engine.scheduling.reschedule` from the stored placements, so the fewest other
meetings move; the people whose meetings moved get an e-mail.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Organisation, User
from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import PARTNER_ROLES, STARTUP_ROLES, agency_ids
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.engine.scheduling import (
    Meeting,
    MeetingInstance,
    MeetingSchedule,
    Participant,
    Placement,
    Priority,
    SolveOptions,
    Table,
    reschedule,
    solve_meetings,
)
from kbridge.events import signals
from kbridge.events.models import (
    Event,
    MeetingBusySlot,
    MeetingOutcome,
    MeetingPlacement,
    MeetingRequest,
    MeetingRun,
    MeetingSession,
    Registration,
)
from kbridge.events.models.meetings import MESSAGE_MAX_CHARS, NOTE_MAX_CHARS

#: Seconds the solver may use per run, in the request. Measured (docs/events.md): 400
#: meetings of 100 startups and 20 staff over 24 slots and 20 tables are placed and proven
#: optimal (placed weight, fairness) in 0.4 s; the rest of the budget only shortens idle gaps.
TIME_LIMIT = 3.0
#: One search thread: the web server's cores serve other requests meanwhile.
SOLVE_OPTIONS = SolveOptions(time_limit=TIME_LIMIT, workers=1)

Status = MeetingRequest.Status


# --- who is who ------------------------------------------------------------------------------


def attendee_startups(event: Event):
    """Organisations whose registration for ``event`` is CHOSEN (queryset)."""
    return Organisation.objects.filter(event_registrations__event=event,
                                       event_registrations__status=Registration.Status.CHOSEN)


def host_staff(event: Event):
    """Users who are staff (or admin) of the event's host partner (queryset; empty without
    a host)."""
    if event.host_id is None:
        return User.objects.none()
    return User.objects.filter(memberships__organisation_id=event.host.organisation_id,
                               memberships__role__in=PARTNER_ROLES, is_active=True).distinct()


def side_of(user, request: MeetingRequest) -> str | None:
    """``"startup"`` or ``"partner"``: which side of the request ``user`` is on, or None."""
    if request.person_id == user.pk:
        return MeetingOutcome.Side.PARTNER
    if request.startup_id in organisation_ids(user, *STARTUP_ROLES):
        return MeetingOutcome.Side.STARTUP
    return None


def _is_operator(user, event: Event) -> bool:
    return event.program.operator_id in agency_ids(user)


def _locked(request: MeetingRequest) -> MeetingRequest:
    return MeetingRequest.objects.select_for_update(of=("self",)).select_related(
        "event__program", "event__host", "startup", "person").get(pk=request.pk)


def _change(request: MeetingRequest, status: str, by, action: str) -> MeetingRequest:
    before = request.status
    request.status = status
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(action, request, before={"status": before}, after={"status": status}, actor=by)
    return request


def requests_open(event: Event, now: dt.datetime | None = None) -> bool:
    """Meetings may be requested and answered: the event is published, it has a meeting
    session and the session has not started."""
    now = now or timezone.now()
    session = MeetingSession.objects.filter(event=event).first()
    return (event.status == Event.Status.PUBLISHED and session is not None
            and now < session.starts_at)


def session_started(session: MeetingSession | None, now: dt.datetime | None = None) -> bool:
    """The meeting session exists and has started (``starts_at <= now``): availability,
    requests, answers and must-meets are closed then."""
    return session is not None and session.starts_at <= (now or timezone.now())


def _placement(request: MeetingRequest) -> MeetingPlacement | None:
    """The request's placement (select_related or one query), or None."""
    return getattr(request, "placement", None)


# --- who may do what, now (the services check these; the pages show only what they allow) -----
# Each takes the request (with ``event``; ``placement`` select_related on lists), the session
# (or None) and ``now``, and makes no query but the user's memberships (cached per request).


def may_set_availability(session: MeetingSession | None, now: dt.datetime | None = None) -> bool:
    """Availability can be changed while the session has not started."""
    return session is not None and not session_started(session, now)


def may_accept(user, request: MeetingRequest, session: MeetingSession | None,
               now: dt.datetime | None = None) -> bool:
    """The asked side, an open request, the event published and the session not started."""
    return (side_of(user, request) == _asked_side(request)
            and request.status == Status.REQUESTED
            and request.event.status == Event.Status.PUBLISHED
            and may_set_availability(session, now))


def may_decline(user, request: MeetingRequest) -> bool:
    """The asked side, while the request is open."""
    return side_of(user, request) == _asked_side(request) and request.status == Status.REQUESTED


def may_withdraw(user, request: MeetingRequest) -> bool:
    """The side that asked, while the request is open."""
    side = side_of(user, request)
    return (side is not None and side != _asked_side(request)
            and request.status == Status.REQUESTED)


def may_cancel(user, request: MeetingRequest, session: MeetingSession | None,
               now: dt.datetime | None = None, *, operator: bool | None = None) -> bool:
    """Either side (or the event's operator: ``operator`` True, or looked up when None) of an
    accepted meeting that has not started: a placed one before its slot starts, an unplaced
    one before the session ends."""
    now = now or timezone.now()
    if operator is None:
        operator = _is_operator(user, request.event)
    if not operator and side_of(user, request) is None:
        return False
    if request.status != Status.ACCEPTED:
        return False
    placement = _placement(request)
    if placement is not None:
        return now < placement.starts_at
    return session is None or now < session.ends_at


def may_set_must_meet(user, request: MeetingRequest, session: MeetingSession | None,
                      now: dt.datetime | None = None, *, operator: bool | None = None) -> bool:
    """The request's staff member (or the operator) of an open or accepted request, before
    the session starts (a must-meet only matters to the next scheduling run)."""
    if operator is None:
        operator = _is_operator(user, request.event)
    return ((operator or request.person_id == user.pk)
            and request.status in MeetingRequest.OPEN and not session_started(session, now))


def may_record_outcome(user, request: MeetingRequest, now: dt.datetime | None = None) -> bool:
    """A side of an accepted meeting whose slot has ended."""
    placement = _placement(request)
    return (side_of(user, request) is not None and request.status == Status.ACCEPTED
            and placement is not None and placement.ends_at <= (now or timezone.now()))


# --- the session and availability -------------------------------------------------------------


@transaction.atomic
def save_session(*, event: Event, by, starts_at: dt.datetime, ends_at: dt.datetime,
                 slot_minutes: int, tables: int) -> MeetingSession:
    """Create or change the event's meeting session. Raises ValidationError; refuses a change
    once a schedule exists that would put a placed meeting off the new grid (re-run after)."""
    session = MeetingSession.objects.filter(event=event).first() or MeetingSession(event=event)
    before = audit.snapshot(session) if session.pk else {}
    session.starts_at, session.ends_at = starts_at, ends_at
    session.slot_minutes, session.tables = slot_minutes, tables
    session.full_clean()
    placed = MeetingPlacement.objects.filter(request__event=event)
    for start, table in placed.values_list("starts_at", "table"):
        if session.slot_of(start) is None or table > tables:
            raise ValidationError(_("A scheduled meeting would fall outside the new slots or "
                                    "tables. Cancel those meetings first, or keep the grid."))
    session.save()
    audit.record("event.meeting_session_saved", session, before=before,
                 after=audit.snapshot(session), actor=by)
    return session


@transaction.atomic
def set_availability(*, event: Event, by, busy: Iterable[dt.datetime],
                     organisation: Organisation | None = None,
                     person: User | None = None) -> list[dt.datetime]:
    """Replace the slots in which the startup ``organisation`` or the staff member ``person``
    cannot meet with ``busy`` (slot starts of the session). Raises ValidationError for an
    instant that is not a slot start."""
    if (organisation is None) == (person is None):
        raise ValueError("give exactly one of organisation and person")
    session = MeetingSession.objects.filter(event=event).first()
    if session is None:
        raise ValidationError(_("The meeting times are not set yet."))
    if not may_set_availability(session):
        raise ValidationError(_("The meeting session has started: availability can no "
                                "longer be changed."))
    starts = sorted(set(busy))
    if any(session.slot_of(s) is None for s in starts):
        raise ValidationError(_("Choose slots of the meeting session."))
    owner = {"organisation": organisation} if organisation else {"person": person}
    MeetingBusySlot.objects.filter(event=event, **owner).delete()
    MeetingBusySlot.objects.bulk_create(
        [MeetingBusySlot(event=event, starts_at=s, **owner) for s in starts])
    audit.record("event.meeting_availability_set", event, actor=by,
                 after={"who": f"startup {organisation.pk}" if organisation
                        else f"person {person.pk}", "busy": [s.isoformat() for s in starts]})
    return starts


# --- requests ---------------------------------------------------------------------------------


@transaction.atomic
def request_meeting(*, event: Event, by, startup: Organisation, person: User,
                    message: str = "") -> MeetingRequest:
    """``by`` asks for a 1:1 meeting between ``startup`` (an attendee) and ``person`` (the
    host partner's staff): from the startup when ``by`` is one of its members, else from the
    partner when ``by`` is ``person``. Raises ValidationError (closed, not a participant, an
    open request for the pair, an empty message or one longer than
    :data:`MESSAGE_MAX_CHARS`) or
    PermissionDenied (``by`` on neither side)."""
    if startup.pk in organisation_ids(by, *STARTUP_ROLES):
        direction = MeetingRequest.From.STARTUP
    elif person.pk == by.pk:
        direction = MeetingRequest.From.PARTNER
    else:
        raise PermissionDenied
    if not requests_open(event):
        raise ValidationError(_("Meeting requests are closed for this event."))
    if not attendee_startups(event).filter(pk=startup.pk).exists():
        raise ValidationError(_("Only startups chosen for the event can meet."))
    if not host_staff(event).filter(pk=person.pk).exists():
        raise ValidationError(_("Only the host partner's staff can be asked to meet."))
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("Write a short message."))
    if len(message) > MESSAGE_MAX_CHARS:
        raise ValidationError(_("Keep the message to %(max)d characters.")
                              % {"max": MESSAGE_MAX_CHARS})
    if MeetingRequest.objects.filter(event=event, startup=startup, person=person,
                                     status__in=MeetingRequest.OPEN).exists():
        raise ValidationError(_("There is already an open request between you."))
    try:
        with transaction.atomic():
            request = MeetingRequest.objects.create(
                event=event, startup=startup, person=person, direction=direction,
                requested_by=by, message=message)
    except IntegrityError as exc:  # a concurrent request for the same pair
        raise ValidationError(_("There is already an open request between you.")) from exc
    audit.record("event.meeting_requested", request, actor=by,
                 after={"startup": startup.pk, "person": person.pk, "direction": direction})
    return request


def _asked_side(request: MeetingRequest) -> str:
    return (MeetingOutcome.Side.PARTNER if request.direction == MeetingRequest.From.STARTUP
            else MeetingOutcome.Side.STARTUP)


@transaction.atomic
def accept(*, request: MeetingRequest, by) -> MeetingRequest:
    """The asked side accepts. When the event already has a schedule, the meeting is placed
    by a re-run that moves the fewest others (:func:`schedule`)."""
    request = _locked(request)
    if side_of(by, request) != _asked_side(request):
        raise PermissionDenied
    if request.status != Status.REQUESTED:
        raise ValidationError(_("Only an open request can be accepted."))
    if not requests_open(request.event):
        raise ValidationError(_("Meeting requests are closed for this event."))
    _change(request, Status.ACCEPTED, by, "event.meeting_accepted")
    if MeetingRun.objects.filter(event=request.event).exists():
        schedule(event=request.event, by=by, reason="accepted")
    return request


@transaction.atomic
def decline(*, request: MeetingRequest, by) -> MeetingRequest:
    """The asked side declines an open request."""
    request = _locked(request)
    if side_of(by, request) != _asked_side(request):
        raise PermissionDenied
    if request.status != Status.REQUESTED:
        raise ValidationError(_("Only an open request can be declined."))
    return _change(request, Status.DECLINED, by, "event.meeting_declined")


@transaction.atomic
def withdraw(*, request: MeetingRequest, by) -> MeetingRequest:
    """The side that asked takes back its open request."""
    request = _locked(request)
    if side_of(by, request) is None or side_of(by, request) == _asked_side(request):
        raise PermissionDenied
    if request.status != Status.REQUESTED:
        raise ValidationError(_("Only an open request can be withdrawn."))
    return _change(request, Status.WITHDRAWN, by, "event.meeting_withdrawn")


@transaction.atomic
def cancel(*, request: MeetingRequest, by) -> tuple[MeetingRequest, MeetingRun | None]:
    """Either side (or the event's operator) cancels an accepted meeting before it starts
    (:func:`may_cancel`: a placed one before its slot, an unplaced one before the session ends);
    both sides (but the one who cancelled) get an e-mail. If it was scheduled, the others are re-scheduled from the current placements so the fewest
    move (their people are told); returns the request and that run (None when unscheduled)."""
    request = _locked(request)
    if side_of(by, request) is None and not _is_operator(by, request.event):
        raise PermissionDenied
    if request.status != Status.ACCEPTED:
        raise ValidationError(_("Only an accepted meeting can be cancelled."))
    placement = MeetingPlacement.objects.filter(request=request).first()
    session = MeetingSession.objects.filter(event=request.event).first()
    if not may_cancel(by, request, session, operator=True):
        raise ValidationError(_("The meeting has already started."))
    _change(request, Status.CANCELLED, by, "event.meeting_cancelled")
    _tell(request, "cancelled", f"meeting-cancelled:{request.pk}",
          exclude=by.pk)
    if placement is None:
        return request, None
    placement.delete()
    return request, schedule(event=request.event, by=by, reason="cancelled")


@transaction.atomic
def set_must_meet(*, request: MeetingRequest, by, must_meet: bool) -> MeetingRequest:
    """The operator, or the partner staff member of the request, marks it must-meet (or not).
    Takes effect at the next scheduling run, so only before the session starts."""
    request = _locked(request)
    if request.person_id != by.pk and not _is_operator(by, request.event):
        raise PermissionDenied
    if request.status not in MeetingRequest.OPEN:
        raise ValidationError(_("Only an open or accepted request can be a must-meet."))
    if session_started(MeetingSession.objects.filter(event=request.event).first()):
        raise ValidationError(_("The meeting session has started: must-meets can no longer "
                                "be changed."))
    if request.must_meet != must_meet:
        request.must_meet = must_meet
        request.save(update_fields=["must_meet", "updated_at"])
        audit.record("event.meeting_must_meet", request, before={"must_meet": not must_meet},
                     after={"must_meet": must_meet}, actor=by)
    return request


# --- scheduling -------------------------------------------------------------------------------


def startup_key(organisation_id: int) -> str:
    return f"s{organisation_id}"


def person_key(user_id: int) -> str:
    return f"p{user_id}"


def build_instance(event: Event) -> tuple[MeetingInstance, MeetingSession,
                                          dict[str, MeetingRequest]]:
    """The engine's instance for ``event``: one participant per startup and staff member of
    an accepted request (a startup no longer chosen, or someone who left the host partner,
    drops out) (available in every slot of the session except their busy ones), one
    meeting per accepted request (id = the request's id; must-meet → MUST_MEET), tables
    ``"1"`` … ``"n"``. Returns it with the session and request id → request. Raises
    ValidationError when the session is not set."""
    session = MeetingSession.objects.filter(event=event).first()
    if session is None:
        raise ValidationError(_("Set the meeting times first."))
    accepted = list(MeetingRequest.objects.filter(
        event=event, status=Status.ACCEPTED, startup__in=attendee_startups(event),
        person__in=host_staff(event)).select_related("startup", "person").order_by("pk"))
    n = session.n_slots
    busy: dict[str, set[int]] = {}
    for org_id, person_id, start in MeetingBusySlot.objects.filter(event=event).values_list(
            "organisation_id", "person_id", "starts_at"):
        key = startup_key(org_id) if org_id else person_key(person_id)
        slot = session.slot_of(start)
        if slot is not None:
            busy.setdefault(key, set()).add(slot)
    people: dict[str, str] = {}
    for r in accepted:
        people[startup_key(r.startup_id)] = str(r.startup)
        people[person_key(r.person_id)] = r.person.full_name or r.person.email
    participants = tuple(
        Participant(key, name, None if key not in busy else frozenset(range(n)) - busy[key])
        for key, name in sorted(people.items()))
    meetings = tuple(
        Meeting(str(r.pk), (startup_key(r.startup_id), person_key(r.person_id)),
                Priority.MUST_MEET if r.must_meet else Priority.MEET)
        for r in accepted)
    tables = tuple(Table(str(t), str(t)) for t in range(1, session.tables + 1))
    instance = MeetingInstance(n, participants, meetings, tables)
    return instance, session, {str(r.pk): r for r in accepted}


@transaction.atomic
def schedule(*, event: Event, by, reason: str = "run") -> MeetingRun:
    """Place the event's accepted meetings and store the run and the placements.

    The first run solves from scratch (:func:`~kbridge.engine.scheduling.solve_meetings`);
    later runs re-schedule from the current placements, so the fewest placed meetings move
    (:func:`~kbridge.engine.scheduling.reschedule`), and the people of each moved meeting
    get an e-mail with its new time. Meetings already started stay where they are (locked).
    Raises ValidationError without a session.
    """
    Event.objects.select_for_update().filter(pk=event.pk).first()  # one run at a time
    instance, session, requests = build_instance(event)
    current = {str(p.request_id): p for p in MeetingPlacement.objects.filter(
        request__event=event)}
    now = timezone.now()
    previous = [Placement(mid, session.slot_of(p.starts_at), str(p.table))
                for mid, p in current.items()
                if mid in requests and session.slot_of(p.starts_at) is not None]
    started = {p.meeting_id: p for p in previous if current[p.meeting_id].starts_at <= now}
    if started:
        instance = MeetingInstance(
            instance.n_slots, instance.participants,
            tuple(Meeting(m.id, m.participants, m.priority, m.length,
                          started[m.id].slot, started[m.id].table_id) if m.id in started else m
                  for m in instance.meetings), instance.tables)
    clock = time.perf_counter()
    rerun = MeetingRun.objects.filter(event=event).exists()
    result: MeetingSchedule = (reschedule(instance, previous, SOLVE_OPTIONS) if rerun
                               else solve_meetings(instance, SOLVE_OPTIONS))
    seconds = time.perf_counter() - clock
    moved = [m.meeting_id for m in result.changes.moved] if result.changes else []
    moved += [m.meeting_id for m in result.changes.table_changed] if result.changes else []
    run = MeetingRun.objects.create(
        event=event, kind=MeetingRun.Kind.RESCHEDULE if rerun else MeetingRun.Kind.SCHEDULE,
        reason=reason, created_by=by, meetings=len(instance.meetings),
        placed=len(result.placements), placed_weight=result.placed_weight,
        weight_bound=result.weight_bound, holes=result.holes, optimal=result.optimal,
        seconds=round(seconds, 3),
        stages=[{"name": s.name, "sense": s.sense, "objective": s.objective, "bound": s.bound,
                 "optimal": s.optimal, "seconds": round(s.seconds, 3), "solver": s.solver}
                for s in result.stages],
        unplaced=[{"request": int(e.meeting_id), "code": e.code, "params": _plain(e.params),
                   "text": e.text} for e in result.explanations],
        moved=[int(mid) for mid in moved], warnings=list(result.warnings))
    MeetingPlacement.objects.filter(request__event=event).delete()
    length = dt.timedelta(minutes=session.slot_minutes)
    MeetingPlacement.objects.bulk_create([
        MeetingPlacement(request=requests[p.meeting_id], run=run,
                         starts_at=session.slot_start(p.slot),
                         ends_at=session.slot_start(p.slot) + length, table=int(p.table_id))
        for p in result.placements])
    audit.record("event.meetings_scheduled", run, actor=by, after={
        "run": run.pk, "kind": run.kind, "reason": reason, "placed": run.placed,
        "meetings": run.meetings, "moved": run.moved})
    placements = {str(p.request_id): p for p in run.placements.all()}
    for mid in moved:
        _tell_moved(requests[mid], placements.get(mid), run)
    return run


def _plain(value):
    """Explanation params as JSON (tuples and sets become lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def _recipients(request: MeetingRequest) -> list[User]:
    """The staff member and the startup's members who may use the meetings page."""
    members = User.objects.filter(memberships__organisation_id=request.startup_id,
                                  memberships__role__in=STARTUP_ROLES,
                                  is_active=True).distinct()
    return [request.person, *members]


def _tell(request: MeetingRequest, template: str, key: str, *,
          placement: MeetingPlacement | None = None, exclude: int | None = None) -> None:
    """E-mail both sides of ``request`` (but the user ``exclude``) in their language, from
    ``events/meetings/mail/<template>.txt`` (subject on its first line)."""
    for user in _recipients(request):
        if not user.email or user.pk == exclude:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            body = render_to_string(f"events/meetings/mail/{template}.txt", {
                "user": user, "meeting": request, "placement": placement, "event": request.event})
        subject, _sep, body = body.strip().partition("\n")
        queue_email(EmailMessage(subject.strip(), body.strip() + "\n",
                                 settings.DEFAULT_FROM_EMAIL, [user.email]),
                    idempotency_key=f"{key}:{user.pk}",
                    organisation=request.event.program.operator)


def _tell_moved(request: MeetingRequest, placement: MeetingPlacement | None,
                run: MeetingRun) -> None:
    """E-mail both sides of a meeting that a re-run moved (or dropped)."""
    _tell(request, "moved", f"meeting-moved:{run.pk}:{request.pk}", placement=placement)


# --- outcomes ---------------------------------------------------------------------------------


def slot_has_passed(request: MeetingRequest, now: dt.datetime | None = None) -> bool:
    """The meeting was placed and its slot has ended (``ends_at <= now``)."""
    placement = MeetingPlacement.objects.filter(request=request).first()
    return placement is not None and placement.ends_at <= (now or timezone.now())


@transaction.atomic
def record_outcome(*, request: MeetingRequest, by, result: str, note: str = "",
                   now: dt.datetime | None = None) -> MeetingOutcome:
    """``by``'s side records how the meeting went (held, no-show, follow-up wanted) once its
    slot has ended; recording again replaces that side's outcome. "Follow-up wanted" sends
    :data:`kbridge.events.signals.meeting_followup` (``meeting=request``, ``by=by``).
    Raises PermissionDenied (not a side) or ValidationError (not accepted, slot not over,
    unknown result, a note longer than :data:`NOTE_MAX_CHARS`: never cut silently)."""
    request = _locked(request)
    side = side_of(by, request)
    if side is None:
        raise PermissionDenied
    if request.status != Status.ACCEPTED or not slot_has_passed(request, now):
        raise ValidationError(_("Outcomes can be recorded after the meeting's slot ended."))
    if result not in MeetingOutcome.Result.values:
        raise ValidationError(_("Choose one of the options."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError(_("Keep the note to %(max)d characters.") % {"max": NOTE_MAX_CHARS})
    outcome, _created = MeetingOutcome.objects.update_or_create(
        request=request, side=side,
        defaults={"result": result, "note": note, "recorded_by": by})
    audit.record("event.meeting_outcome", outcome, actor=by,
                 after={"request": request.pk, "side": side, "result": result})
    if result == MeetingOutcome.Result.FOLLOW_UP:
        signals.meeting_followup.send(sender=MeetingRequest, meeting=request, by=by)
    return outcome
