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
    """Move the event's registration window into the past (it closed a minute ago)."""
    now = timezone.now()
    type(event).objects.filter(pk=event.pk).update(
        registration_opens_at=now - dt.timedelta(days=3),
        registration_closes_at=now - dt.timedelta(minutes=1))
    event.refresh_from_db()
