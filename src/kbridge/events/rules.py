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
