"""The waitlist pages: the startup answers an offered place; the operator drops a startup.

The decided world (tests/selection/world.py): ranks 1–2 selected, ranks 3–4 waitlisted. An
offer is made by dropping rank 2, so rank 3's startup (``ceo2@applicant2.example``) is offered
the place.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kbridge.selection.models import Offer, Outcome
from kbridge.selection.services import waitlist as services
from tests.factories import MembershipFactory


@pytest.fixture
def offered(decided, personas):
    """The pending offer to rank 3 after rank 2 withdrew."""
    return services.drop_out(decided.outcomes[1], personas.operator, "withdrew")


def rep(application):
    return application.applicant.profile.representative


def offer_url(application) -> str:
    return f"/applications/{application.pk}/offer/"


def drop_url(outcome) -> str:
    return f"/manage/selection/outcomes/{outcome.pk}/drop/"


def test_the_representative_sees_the_award_and_the_deadline(decided, offered, client_for):
    response = client_for(rep(decided.applications[2])).get(offer_url(decided.applications[2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2억 원" in page
    assert "KST" in page
    assert 'name="answer"' in page


def test_accepting_selects_the_application_and_returns_to_it(decided, offered, client_for):
    application = decided.applications[2]
    response = client_for(rep(application)).post(offer_url(application), {"answer": "accept"})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.pk}/"
    outcome = Outcome.objects.get(application=application)
    assert (outcome.status, outcome.reason_code) == ("selected", "promoted")
    assert client_for(rep(application)).get(offer_url(application)).status_code == 404


def test_declining_passes_the_place_down(decided, offered, client_for):
    application = decided.applications[2]
    client_for(rep(application)).post(offer_url(application), {"answer": "decline"})
    assert Outcome.objects.get(application=application).reason_code == "declined_offer"
    assert Offer.objects.get(status="pending").outcome == decided.outcomes[3]


def test_no_answer_chosen_comes_back_with_the_error(decided, offered, client_for):
    application = decided.applications[2]
    response = client_for(rep(application)).post(offer_url(application), {"answer": "maybe"})
    assert response.status_code == 200
    assert "수락 또는 거절을 고르세요." in response.content.decode()
    assert Offer.objects.get(pk=offered.pk).status == "pending"


def test_a_member_who_is_not_the_representative_reads_but_cannot_answer(
        decided, offered, client_for):
    application = decided.applications[2]
    member = MembershipFactory(organisation=application.applicant, role="startup_member").user
    page = client_for(member).get(offer_url(application))
    assert page.status_code == 200
    assert 'name="answer"' not in page.content.decode()
    assert client_for(member).post(offer_url(application), {"answer": "accept"}).status_code == 404
    assert Offer.objects.get(pk=offered.pk).status == "pending"


def test_other_startups_and_late_answers_get_404(decided, offered, client_for, personas,
                                                 time_machine):
    application = decided.applications[2]
    assert client_for(personas.startup_a).get(offer_url(application)).status_code == 404
    assert client_for(rep(decided.applications[3])).get(offer_url(application)).status_code == 404
    time_machine.move_to(offered.respond_by + timedelta(seconds=1))
    response = client_for(rep(application)).post(offer_url(application), {"answer": "accept"})
    assert response.status_code == 404
    assert Offer.objects.get(pk=offered.pk).status == "pending"


def test_the_operator_drops_a_selected_startup_with_a_reason(decided, personas, client_for):
    outcome = decided.outcomes[0]
    client = client_for(personas.operator)
    assert client.get(drop_url(outcome)).status_code == 200
    response = client.post(drop_url(outcome), {"reason_code": "duplicate_funding",
                                               "detail": "2026 TIPS 선정"})
    assert response.status_code == 302
    assert response["Location"] == f"/manage/programs/calls/{decided.selection.track.call_id}/"
    outcome.refresh_from_db()
    assert (outcome.status, outcome.reason_code, outcome.detail) == (
        "dropped", "duplicate_funding", "2026 TIPS 선정")
    assert Offer.objects.get(status="pending").outcome == decided.outcomes[2]


def test_a_drop_without_a_reason_or_with_a_long_note_keeps_what_was_typed(
        decided, personas, client_for):
    outcome = decided.outcomes[0]
    client = client_for(personas.operator)
    response = client.post(drop_url(outcome), {"reason_code": "", "detail": "사유 메모"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "선정 포기·취소 사유를 고르세요." in page and "사유 메모" in page
    long_note = "가" * 501
    response = client.post(drop_url(outcome), {"reason_code": "withdrew", "detail": long_note})
    assert response.status_code == 200
    assert long_note in response.content.decode()
    assert Outcome.objects.get(pk=outcome.pk).status == "selected"


def test_only_selected_outcomes_of_the_program_operator_can_be_dropped(
        decided, personas, client_for):
    assert client_for(personas.operator_b).get(drop_url(decided.outcomes[0])).status_code == 404
    assert client_for(personas.operator).get(drop_url(decided.outcomes[2])).status_code == 404
    assert client_for(personas.startup_a).post(
        drop_url(decided.outcomes[0]), {"reason_code": "withdrew"}).status_code == 404
    assert Outcome.objects.get(pk=decided.outcomes[0].pk).status == "selected"
