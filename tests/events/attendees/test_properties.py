"""A property of registration: the lottery holds one ticket per company number, however many
accounts (organisations signed up separately) the company registers from."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.events.models import Registration
from kbridge.events.services import attendees as services
from tests.events.attendees.world import close_registration, numbers, startup
from tests.events.world import make_event


@pytest.mark.django_db
@settings(derandomize=True, deadline=None, max_examples=15,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accounts=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4),
       spelling=st.sampled_from(["canonical", "digits", "spaced", "fullwidth"]))
def test_one_lottery_ticket_per_company_number(world, personas, accounts, spelling):
    companies = numbers(len(accounts))
    sid = transaction.savepoint()
    try:
        event = make_event(world, capacity=1, review_places=0)
        for number, count in zip(companies, accounts, strict=True):
            typed = {"canonical": number, "digits": number.replace("-", ""),
                     "spaced": number.replace("-", " "),
                     "fullwidth": number.translate(str.maketrans("0123456789-",
                                                                 "０１２３４５６７８９－"))}[spelling]
            for _account in range(count):
                org, user = startup()
                try:
                    services.register(event=event, organisation=org, by=user,
                                      business_registration_number=typed, attendee_name="대표",
                                      attendee_email=user.email, answers={})
                except ValidationError as error:
                    assert error.code == "taken"
        close_registration(event)
        draw = services.commit_lottery(event=event, by=personas.operator)
        assert len(draw.entrants) == len(companies)
        numbers_drawn = set(Registration.objects.filter(event=event).values_list(
            "business_registration_number", flat=True))
        assert numbers_drawn == set(companies)
    finally:
        transaction.savepoint_rollback(sid)
