"""The Q&A's one-query attendee check answers what the shared ``is_attendee`` answers."""

from __future__ import annotations

import pytest

from kbridge.events.rules import attends, is_attendee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["operator", "partner_a", "startup_a", "startup_a_member",
                                  "startup_b", "evaluator", "anonymous"])
def test_attends_is_is_attendee(qna, personas, name):
    from django.contrib.auth.models import AnonymousUser

    from kbridge.accounts.models import User

    user = personas.by_name(name) or AnonymousUser()
    fresh = User.objects.get(pk=user.pk) if user.pk else user  # memberships not loaded
    for event in (qna.event_world.event, qna.event_world.draft_event):
        assert attends(fresh, event) == is_attendee(user, event)
