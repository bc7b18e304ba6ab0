"""Who may register, review, confirm, commit and draw — by role and by the event's state."""

from __future__ import annotations

import pytest

from kbridge.events.models import Registration
from kbridge.events.services import attendees as services
from tests.events.attendees.world import close_registration, commit_earlier, startup


def test_registering_needs_a_representative_and_an_open_registration(event_world, personas):
    event = event_world.event
    _org, newcomer = startup()
    assert newcomer.has_perm("events.register", event)
    assert not personas.startup_a_member.has_perm("events.register", event)
    assert not personas.operator.has_perm("events.register", event)
    assert not newcomer.has_perm("events.register", event_world.draft_event)
    close_registration(event)
    assert not newcomer.has_perm("events.register", event)
    assert newcomer.has_perm("events.reach_registration", event)  # sees it is closed


def test_the_review_steps_follow_the_state(event_world, personas):
    event, b = event_world.event, event_world.registration_b
    for person in (personas.operator, personas.partner_a, personas.partner_admin):
        assert person.has_perm("events.review_registration", b)
    for person in (personas.partner_b, personas.operator_b, personas.startup_b):
        assert not person.has_perm("events.review_registrations", event)
    assert not personas.operator.has_perm("events.confirm_review", event)  # still open
    assert not personas.partner_a.has_perm("events.choose_attendees", event)
    close_registration(event)
    assert personas.operator.has_perm("events.confirm_review", event)
    assert not personas.operator.has_perm("events.commit_lottery", event)  # review first
    services.confirm_review(event=event, by=personas.operator)
    event.refresh_from_db()
    assert not personas.operator.has_perm("events.confirm_review", event)
    assert not personas.partner_a.has_perm("events.review_registration", b)
    assert personas.operator.has_perm("events.commit_lottery", event)
    assert not personas.operator.has_perm("events.draw_lottery", event)
    commit_earlier(event, personas.operator)
    assert personas.operator.has_perm("events.draw_lottery", event)
    assert not personas.operator.has_perm("events.commit_lottery", event)
    # An entrant of the committed lottery waits for the draw to withdraw.
    assert not personas.startup_b.has_perm("events.withdraw_registration", b)
    services.draw_lottery(event=event, by=personas.operator)
    assert not personas.operator.has_perm("events.draw_lottery", event)


@pytest.mark.parametrize(("persona", "may"), [("startup_a", True), ("startup_a_member", False),
                                              ("startup_b", False), ("operator", False)])
def test_only_the_representative_withdraws_for_the_company(event_world, personas, persona, may):
    registration = event_world.registration_a
    assert personas.by_name(persona).has_perm("events.withdraw_registration",
                                              registration) is may


def test_nobody_withdraws_a_decided_against_registration(event_world, personas):
    Registration.objects.filter(pk=event_world.registration_b.pk).update(
        status=Registration.Status.NOT_CHOSEN)
    event_world.registration_b.refresh_from_db()
    assert not personas.startup_b.has_perm("events.withdraw_registration",
                                           event_world.registration_b)
