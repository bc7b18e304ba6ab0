"""The selection of a track in the product: propose from the final ranking, re-check
duplicate funding, edit awards within cap and budget, draw at the line, confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbridge.core.models import AuditLog
from kbridge.engine import lottery
from kbridge.evaluation.models import Score
from kbridge.selection.models import Outcome, Selection, SelectionPolicy
from kbridge.selection.services import eligibility
from kbridge.selection.services import policy as policy_services
from kbridge.selection.services import selection as services
from tests.evaluation.feedback_world import ended_stage, submitted_sheet
from tests.factories import UserFactory
from tests.selection.world import applicant

CAP = 200_000_000


@pytest.fixture
def ranked(world, personas, submitted):
    """Five applications of track A (3 places, cap ₩200M), scored by five evaluators on an
    ended presentation stage: startup A's first, then B and C tied on 80 (C higher on 시장성),
    then D, then E. The call's rules: tie-break on 시장성, announcement tomorrow."""
    track = world.track_a
    track.quota, track.funding_cap_krw = 3, CAP
    track.save(update_fields=["quota", "funding_cap_krw"])
    stage = ended_stage(world.call)
    evaluators = [UserFactory(email=f"judge{i}@eval.example") for i in range(5)]
    apps = [submitted] + [applicant(world, n, brn=brn) for n, brn in
                          [(1, "1208147521"), (2, None), (3, None), (4, None)]]
    totals = [90, 80, 80, 70, 60]
    for app, total in zip(apps, totals, strict=True):
        for evaluator in evaluators:
            submitted_sheet(stage, app, evaluator, total)
    market = stage.criteria.get(title_ko="시장성")
    Score.objects.filter(scoresheet__assignment__application=apps[2], criterion=market) \
        .update(level=5)
    SelectionPolicy.objects.create(call=world.call, tie_break_criterion="시장성",
                                   waitlist_length=1,
                                   announcement_at=timezone.now() + timedelta(days=1))
    return apps


def _statuses(track):
    return {o.application_id: (o.status, o.reason_code)
            for o in Outcome.objects.filter(selection__track=track)}


def test_propose_ranks_breaks_the_tie_by_the_named_criterion_and_waitlists(
        ranked, world, personas):
    selection = services.propose(track=world.track_a, by=personas.operator)
    a, b, c, d, e = ranked
    statuses = _statuses(world.track_a)
    assert statuses[a.pk] == ("selected", "within_quota")
    assert statuses[c.pk] == ("selected", "within_quota")  # 시장성 5 beats 4
    assert statuses[b.pk] == ("selected", "within_quota")
    assert statuses[d.pk] == ("waitlisted", "below_line")
    assert statuses[e.pk] == ("not_selected", "below_line")
    assert selection.cutoff_score is not None and float(selection.cutoff_score) == 80.0
    assert selection.budget_krw == 3 * CAP


def test_over_budget_is_refused_with_a_clear_message(ranked, world, personas):
    services.propose(track=world.track_a, by=personas.operator, budget_krw=500_000_000)
    # ₩500M: two awards of ₩200M fit, the third does not: the selection stops there.
    statuses = _statuses(world.track_a)
    assert sorted(s for s, _r in statuses.values()).count("selected") == 2
    assert ("not_selected", "over_budget") in statuses.values() or \
        ("waitlisted", "over_budget") in statuses.values()
    top = Outcome.objects.filter(selection__track=world.track_a, status="selected").first()
    with pytest.raises(ValidationError) as refused:
        services.set_award(outcome=top, by=personas.operator, amount_krw=CAP + 1,
                           reason="발표평가 결과에 따른 증액")
    assert "₩200,000,000" in " ".join(refused.value.messages) or "2억" in \
        " ".join(refused.value.messages)
    second = Outcome.objects.filter(selection__track=world.track_a, status="selected") \
        .exclude(pk=top.pk).first()
    services.set_award(outcome=second, by=personas.operator, amount_krw=150_000_000,
                       reason="사업비 계획 조정에 따른 감액")
    assert AuditLog.objects.get(action="selection.award_changed").after["award_krw"] == \
        150_000_000
    Selection.objects.filter(track=world.track_a).update(budget_krw=300_000_000)
    with pytest.raises(ValidationError) as over:  # 200M + 150M > 300M
        services.set_award(outcome=second, by=personas.operator, amount_krw=150_000_000,
                           reason="예산이 줄어든 뒤 같은 금액으로 저장")
    assert "budget" in " ".join(over.value.messages).lower() or "예산" in \
        " ".join(over.value.messages)


def test_duplicate_funding_found_in_an_import_makes_the_finalist_ineligible(
        ranked, world, personas):
    services.propose(track=world.track_a, by=personas.operator)
    b = ranked[1]
    csv = "사업자등록번호,기업명,사업명,연도\n120-81-47521,지원기업1,TIPS,2026\n".encode("cp949")
    eligibility.import_funding_list(program=world.program, by=personas.operator,
                                    file_name="tips.csv", data=csv)
    selection = Selection.objects.get(track=world.track_a)
    with pytest.raises(ValidationError) as refused:
        services.confirm(selection=selection, by=personas.operator)
    assert "지원기업1" in " ".join(refused.value.messages)
    services.propose(track=world.track_a, by=personas.operator)
    statuses = _statuses(world.track_a)
    assert statuses[b.pk] == ("not_selected", "ineligible")
    assert statuses[ranked[3].pk] == ("selected", "within_quota")  # D moves up
    services.confirm(selection=selection, by=personas.operator)
    assert AuditLog.objects.filter(action="selection.confirmed").count() == 1


def test_a_bad_funding_list_names_every_bad_line_and_stores_nothing(world, personas):
    data = ("사업자등록번호,사업명\n1208147521,TIPS\n123,TIPS\n1208147521,\n").encode()
    with pytest.raises(ValidationError) as refused:
        eligibility.import_funding_list(program=world.program, by=personas.operator,
                                        file_name="x.csv", data=data)
    text = " ".join(refused.value.messages)
    assert "3" in text and "4" in text
    assert not world.program.funding_imports.exists()
    with pytest.raises(ValidationError):
        eligibility.parse_funding_csv(b"company,year\nx,2020\n")


def test_a_tie_at_the_last_place_is_drawn_by_a_committed_lottery(ranked, world, personas):
    track = world.track_a
    track.quota = 2
    track.save(update_fields=["quota"])
    policy = world.call.selection_policy
    policy.tie_break_criterion = ""
    policy.save(update_fields=["tie_break_criterion"])
    selection = services.propose(track=track, by=personas.operator)
    a, b, c = ranked[:3]
    assert _statuses(track)[b.pk][1] == "lottery_pending"
    with pytest.raises(ValidationError):
        services.confirm(selection=selection, by=personas.operator)
    draw = services.commit_draw(selection=selection, by=personas.operator)
    assert draw.seed_sha256 == lottery.commitment(draw.seed)
    assert services.published_draw(draw)["seed"] is None  # secret until drawn
    assert len(draw.entrants) == 2 and draw.places == 1
    services.run_draw(draw=draw, by=personas.operator)
    draw.refresh_from_db()
    published = services.published_draw(draw)
    assert published["seed"] == draw.seed
    assert published["winners"] == lottery.draw(draw.seed, draw.entrants, 1)
    statuses = _statuses(track)
    winner = next(app for app in (b, c)
                  if services.receipt_numbers([app.pk])[app.pk] == draw.winners[0])
    loser = c if winner == b else b
    assert statuses[winner.pk] == ("selected", "lottery_won")
    assert statuses[loser.pk][1] == "lottery_lost"
    services.confirm(selection=selection, by=personas.operator)


def test_rules_freeze_at_the_deadline_and_timing_at_the_announcement(world, personas):
    world.call.deadline_at = timezone.now() - timedelta(days=1)
    world.call.save(update_fields=["deadline_at"])
    with pytest.raises(ValidationError) as refused:
        policy_services.save_policy(call=world.call, by=personas.operator,
                                    values={"lottery_at_line": True})
    assert "lottery_at_line" in refused.value.message_dict
    policy = policy_services.save_policy(
        call=world.call, by=personas.operator,
        values={"announcement_at": timezone.now() + timedelta(days=3)})
    assert policy.announcement_at is not None
    with pytest.raises(ValidationError):
        policy_services.save_policy(call=world.call, by=personas.operator,
                                    values={"announcement_at": world.call.deadline_at})
