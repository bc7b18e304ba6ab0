"""Helpers for the attendees tests: more startups, valid company numbers, and an event whose
registration has closed."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation
from kbridge.applications.eligibility import canonical_brn, valid_brn
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

_serial = itertools.count(1)


def valid_numbers():
    """Valid (checksummed) business registration numbers, canonical, in a fixed order."""
    for head in itertools.count(101):
        for middle in (81, 86, 87):
            for tail in range(1000, 100000, 7919):
                for check in range(10):
                    digits = f"{head:03d}{middle:02d}{tail:04d}{check}"
                    if valid_brn(digits):
                        yield canonical_brn(digits)
                        break


def numbers(count: int) -> list[str]:
    return list(itertools.islice(valid_numbers(), count))


def startup(name: str | None = None, *, role=Membership.Role.STARTUP_REPRESENTATIVE):
    """A new startup organisation and its representative (or member): (organisation, user)."""
    n = next(_serial)
    org = OrganisationFactory(kind=Organisation.Kind.STARTUP, name_ko=name or f"스타트업{n}",
                              name_en=name or f"Startup {n}")
    user = MembershipFactory(organisation=org, role=role,
                             user=UserFactory(email=f"ceo{n}@startup{n}.example")).user
    return org, user


def close_registration(event) -> None:
    """Move the event's registration window into the past (it closed an hour ago, so that a
    lottery committed after the close may be drawn now: see :func:`commit_earlier`)."""
    now = timezone.now()
    type(event).objects.filter(pk=event.pk).update(
        registration_opens_at=now - dt.timedelta(days=3),
        registration_closes_at=now - dt.timedelta(hours=1))
    event.refresh_from_db()


def commit_earlier(event, by):
    """Commit the event's lottery ``DRAW_DELAY`` ago (after :func:`close_registration`), so
    that it may be drawn now."""
    from kbridge.events.services import attendees as services
    return services.commit_lottery(event=event, by=by,
                                   now=timezone.now() - services.DRAW_DELAY)


def decided_event(world, personas):
    """A second published event of the world whose registration has closed and whose lottery
    is drawn: startup B registered and was drawn (chosen)."""
    from kbridge.events.models import Registration
    from kbridge.events.services import attendees as services
    from tests.events.world import make_event

    event = make_event(world, title_ko="지난 밋업", title_en="Past meetup", capacity=10,
                       review_places=0)
    Registration.objects.create(
        event=event, organisation=personas.startup_b_org, registered_by=personas.startup_b,
        business_registration_number="120-81-47521", attendee_name="대표",
        attendee_email=personas.startup_b.email, answers={})
    close_registration(event)
    commit_earlier(event, personas.operator)
    services.draw_lottery(event=event, by=personas.operator)
    return event


def matrix_ids(event_world, world, personas) -> dict[str, int]:
    """The ids tests/test_permissions_matrix.py's attendees rows name."""
    return {"drawn_event": decided_event(world, personas).pk}
