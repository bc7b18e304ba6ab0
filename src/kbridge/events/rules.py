"""Who may do what with events: predicates on role *and* on the event's state.

Shared predicates come first; each part (registration and choosing, tickets and check-in,
live Q&A, 1:1 meetings) appends its own below its heading. Objects resolve to their event with
:func:`event_of`, so one predicate serves an event and everything in it.
"""

from __future__ import annotations

import rules

from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import STARTUP_ROLES, agency_ids, partner_organisation_ids


def event_of(obj):
    """The event an events object belongs to: the object itself, or its ``event``
    attribute, or its ``registration.event``; None for anything else."""
    from kbridge.events.models import Event

    if isinstance(obj, Event):
        return obj
    event = getattr(obj, "event", None)
    if isinstance(event, Event):
        return event
    registration = getattr(obj, "registration", None)
    if registration is not None and isinstance(getattr(registration, "event", None), Event):
        return registration.event
    return None


@rules.predicate
def is_event_operator(user, obj) -> bool:
    """Operator staff of the agency that runs the event's program."""
    event = event_of(obj)
    return event is not None and event.program.operator_id in agency_ids(user)


@rules.predicate
def is_event_host(user, obj) -> bool:
    """Staff (or admin) of the event's host partner."""
    event = event_of(obj)
    return (event is not None and event.host_id is not None
            and event.host.organisation_id in partner_organisation_ids(user))


is_event_staff = is_event_operator | is_event_host


@rules.predicate
def event_is_published(user, obj) -> bool:
    from kbridge.events.models import Event

    event = event_of(obj)
    return event is not None and event.status == Event.Status.PUBLISHED


@rules.predicate
def is_attendee(user, obj) -> bool:
    """A member of a startup whose registration for the event was chosen."""
    from kbridge.events.models import Registration

    event = event_of(obj)
    if event is None or not getattr(user, "is_authenticated", False):
        return False
    return Registration.objects.filter(
        event=event, status=Registration.Status.CHOSEN,
        organisation_id__in=organisation_ids(user, *STARTUP_ROLES)).exists()


@rules.predicate
def is_registrant(user, obj) -> bool:
    """A member of the startup that registered (``obj`` is a Registration)."""
    organisation_id = getattr(obj, "organisation_id", None)
    return organisation_id is not None and organisation_id in organisation_ids(
        user, *STARTUP_ROLES)


# --- event pages ---------------------------------------------------------------------------


@rules.predicate
def is_event_organiser(user) -> bool:
    """Agency operators and partner staff: the people who run (or host) events."""
    return bool(agency_ids(user) or partner_organisation_ids(user))


rules.add_perm("events.list_events", is_event_organiser)

# Everyone reads a published event; its staff read a draft too.
rules.add_perm("events.view_event", event_is_published | is_event_staff)
# The agency creates, edits and publishes; the host partner reads the console.
rules.add_perm("events.manage_event", is_event_operator)
rules.add_perm("events.view_console", is_event_staff)


# --- tickets and check-in ------------------------------------------------------------------


@rules.predicate
def event_is_not_over(user, obj) -> bool:
    """The event has not ended more than a day ago (tickets and the door close after it)."""
    import datetime as dt

    from django.utils import timezone

    event = event_of(obj)
    return event is not None and event.ends_at + dt.timedelta(days=1) > timezone.now()


# A chosen startup's members read their ticket while the event is published.
rules.add_perm("events.view_ticket", event_is_published & is_attendee)
# The event's staff (the agency's operators and the host's staff) admit tickets at the door
# while it is published and not long over.
rules.add_perm("events.check_in", is_event_staff & event_is_published & event_is_not_over)
# --- attendees: registration and choosing attendees (docs/events.md) ----------------------
# The startup's representative acts for the company (registers, withdraws, answers an offer),
# as for applications (applications/rules.py); its members read the registration's status.


def _registration_state():
    from kbridge.events.models import Registration

    return Registration


@rules.predicate
def is_startup_representative(user) -> bool:
    """The representative of at least one startup."""
    from kbridge.accounts.models import Membership

    return bool(organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE))


@rules.predicate
def is_startup_person(user) -> bool:
    """A representative or member of at least one startup."""
    return bool(organisation_ids(user, *STARTUP_ROLES))


@rules.predicate
def is_registrant_representative(user, obj) -> bool:
    """The representative of the startup that registered (``obj`` is a Registration)."""
    from kbridge.accounts.models import Membership

    organisation_id = getattr(obj, "organisation_id", None)
    return organisation_id is not None and organisation_id in organisation_ids(
        user, Membership.Role.STARTUP_REPRESENTATIVE)


@rules.predicate
def registration_is_open(user, obj) -> bool:
    """Published, and now within [registration_opens_at, registration_closes_at)."""
    event = event_of(obj)
    return event is not None and event.registration_is_open()


@rules.predicate
def registration_has_closed(user, obj) -> bool:
    """Published, and now at or after ``registration_closes_at`` (the exact instant)."""
    from django.utils import timezone

    from kbridge.events.models import Event

    event = event_of(obj)
    return (event is not None and event.status == Event.Status.PUBLISHED
            and timezone.now() >= event.registration_closes_at)


def _lottery(event):
    from kbridge.events.models import EventLottery

    return EventLottery.objects.filter(event=event).first()


@rules.predicate
def review_is_open(user, obj) -> bool:
    """The fit review is neither confirmed nor overtaken by a committed lottery."""
    event = event_of(obj)
    return (event is not None and event.review_confirmed_at is None
            and _lottery(event) is None)


@rules.predicate
def review_is_settled(user, obj) -> bool:
    """The fit review is confirmed, or the event has no places for it."""
    event = event_of(obj)
    return event is not None and (event.review_confirmed_at is not None
                                  or event.review_places == 0)


@rules.predicate
def lottery_not_committed(user, obj) -> bool:
    event = event_of(obj)
    return event is not None and _lottery(event) is None


@rules.predicate
def lottery_committed_not_drawn(user, obj) -> bool:
    event = event_of(obj)
    draw = _lottery(event) if event is not None else None
    return draw is not None and draw.drawn_at is None


@rules.predicate
def registration_awaits_review(user, obj) -> bool:
    """The registration (``obj``) is still registered, not yet decided."""
    return getattr(obj, "status", None) == _registration_state().Status.REGISTERED


@rules.predicate
def registration_may_be_withdrawn(user, obj) -> bool:
    """Before the event starts: a chosen or waitlisted registration, or a registered one
    unless a committed lottery holds it as an entrant until the draw."""
    from django.utils import timezone

    Registration = _registration_state()
    event = event_of(obj)
    if event is None or timezone.now() >= event.starts_at:
        return False
    if obj.status in (Registration.Status.CHOSEN, Registration.Status.WAITLISTED):
        return True
    return obj.status == Registration.Status.REGISTERED and not lottery_committed_not_drawn(
        user, obj)


@rules.predicate
def has_pending_offer(user, obj) -> bool:
    from kbridge.events.models import WaitlistOffer

    return WaitlistOffer.objects.filter(registration=obj,
                                        status=WaitlistOffer.Status.PENDING).exists()


# Registering: any startup's representative may reach the form of a published event; it
# submits while registration is open.
rules.add_perm("events.reach_registration", is_startup_representative & event_is_published)
rules.add_perm("events.register",
               is_startup_representative & event_is_published & registration_is_open)
rules.add_perm("events.view_my_registrations", is_startup_person)
rules.add_perm("events.withdraw_registration",
               is_registrant_representative & registration_may_be_withdrawn)
rules.add_perm("events.answer_offer", is_registrant_representative & has_pending_offer)
# The lottery page is public once the event is (its staff see a draft's).
rules.add_perm("events.view_lottery", event_is_published | is_event_staff)
# The fit review: the event's staff (the agency's operators and the host partner) mark
# registrations while the review is open; the agency's operator confirms it, then runs the
# lottery — each step only in its state.
rules.add_perm("events.review_registrations", is_event_staff)
rules.add_perm("events.review_registration",
               is_event_staff & registration_awaits_review & review_is_open)
rules.add_perm("events.choose_attendees", is_event_operator)
rules.add_perm("events.confirm_review",
               is_event_operator & registration_has_closed & review_is_open)
rules.add_perm("events.commit_lottery",
               is_event_operator & registration_has_closed & review_is_settled
               & lottery_not_committed)
rules.add_perm("events.draw_lottery", is_event_operator & lottery_committed_not_drawn)
rules.add_perm("events.act_for_registration", is_registrant_representative)
# --- 1:1 meetings --------------------------------------------------------------------------


@rules.predicate
def is_meeting_party(user, obj) -> bool:
    """A member of the request's startup, or the partner staff member it names."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (getattr(obj, "person_id", None) == user.pk
            or getattr(obj, "startup_id", None) in organisation_ids(user, *STARTUP_ROLES))


# Attendee startups and the host partner's staff use the meetings page of a published event.
rules.add_perm("events.use_meetings", event_is_published & (is_attendee | is_event_host))
# Requests: accept, decline, withdraw, cancel, the partner's must-meet, outcomes (the
# services check the request's state and the side).
rules.add_perm("events.act_on_meeting", event_is_published & is_meeting_party)
# The console: the event's staff read it; the agency's operator sets it up and schedules.
rules.add_perm("events.view_meetings_console", is_event_staff)
rules.add_perm("events.manage_meetings", is_event_operator)
# --- qna (live Q&A) ------------------------------------------------------------------------


@rules.predicate
def qna_is_open(user, obj) -> bool:
    """The event's Q&A takes questions and votes: published, and not closed by its staff."""
    event = event_of(obj)
    if event is None or event.status != event.Status.PUBLISHED:
        return False
    from kbridge.events.selectors_qna import settings_of

    return settings_of(event).open


@rules.predicate
def attends(user, obj) -> bool:
    """:func:`is_attendee` in one query when the user's memberships are not loaded yet: the
    live list is polled every few seconds by every attendee, so each query counts
    (bench/qna.py). Same answer as :func:`is_attendee` (tests/events/qna/test_rules.py)."""
    from kbridge.events.models import Registration

    event = event_of(obj)
    if event is None or not getattr(user, "is_authenticated", False):
        return False
    if hasattr(user, "_kbridge_memberships"):
        return is_attendee(user, obj)
    return Registration.objects.filter(
        event=event, status=Registration.Status.CHOSEN, organisation__memberships__user=user,
        organisation__memberships__role__in=STARTUP_ROLES).exists()


# Attendees read the live page of a published event; the event's staff read it too.
rules.add_perm("events.view_qna", (attends & event_is_published) | is_event_staff)
# Attendees post and vote while the Q&A is open (moderators moderate, they do not ask).
rules.add_perm("events.ask_question", attends & qna_is_open)
# The event's staff (the agency's operators and the host partner) moderate and present.
rules.add_perm("events.moderate_qna", is_event_staff)
