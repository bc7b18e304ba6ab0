"""Scoring services: drafts never lose work, submission rules, the weighted total, locking and
the operator's audited unlock (evaluation/services/scoring.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kbridge.core.models import AuditLog
from kbridge.evaluation.models import Scoresheet
from kbridge.evaluation.services import scoring

GOOD = "시제품 검증이 끝났고 고객사 두 곳과 PoC를 진행 중입니다."  # 30+ characters


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _keys(evaluation):
    return [str(c.pk) for c in evaluation.criteria]


def save(evaluation, by, *, levels=None, reasons=None, comment=None, version=None, editor="tab1",
         now=None):
    sheet = evaluation.assignment.scoresheet
    sheet.refresh_from_db()
    return scoring.save_scoresheet(
        assignment=evaluation.assignment, by=by, levels=levels or {}, reasons=reasons or {},
        comment=comment, base_version=sheet.version if version is None else version,
        editor=editor, now=now)


def complete(evaluation, by, levels=("5", "3")):
    a, b = _keys(evaluation)
    return save(evaluation, by, levels={a: levels[0], b: levels[1]},
                reasons={a: GOOD, b: GOOD + " 협업 적합성도 높습니다."}, comment="좋습니다")


def test_a_draft_keeps_what_was_typed_cleaned_and_counts_versions(evaluation, personas):
    a, b = _keys(evaluation)
    sheet = save(evaluation, personas.evaluator, levels={a: "4", b: ""},
                 reasons={a: "기술\u200b력이\r\n좋음", b: "  "}, comment="총평")
    assert sheet.version == 2 and sheet.saved_at is not None
    content = scoring.payload(sheet, evaluation.criteria)
    assert content == {"levels": {a: 4, b: None}, "reasons": {a: "기술력이\n좋음", b: "  "},
                       "comment": "총평"}
    # The same data again is no change (an idle tab autosaving is harmless).
    assert save(evaluation, personas.evaluator, levels={a: "4"}, version=1,
                editor="other").version == 2


def test_another_tab_cannot_overwrite_but_a_tab_own_saves_in_flight_can(evaluation, personas):
    a, _b = _keys(evaluation)
    save(evaluation, personas.evaluator, reasons={a: "first"}, editor="tab1")  # v1 → v2
    # tab1's next autosave still started from v1 (its previous answer not back yet): fine.
    assert save(evaluation, personas.evaluator, reasons={a: "second"}, version=1,
                editor="tab1").version == 3
    with pytest.raises(scoring.ScoresheetConflict):
        save(evaluation, personas.evaluator, reasons={a: "from tab2"}, version=1, editor="tab2")
    sheet = Scoresheet.objects.get(pk=evaluation.assignment.scoresheet.pk)
    assert scoring.payload(sheet, evaluation.criteria)["reasons"][a] == "second"


def test_a_level_off_the_scale_or_a_reason_over_the_limit_saves_nothing(evaluation, personas):
    a, b = _keys(evaluation)
    with pytest.raises(ValidationError) as exc:
        save(evaluation, personas.evaluator, levels={a: "6", b: "2"},
             reasons={b: "x" * (scoring.REASON_MAX_CHARS + 1)})
    assert exc.value.message_dict == {
        f"level_{a}": ["Choose a level from 1 to 5."],
        f"reason_{b}": [f"At most 5,000 characters; this has {scoring.REASON_MAX_CHARS + 1:,}."]}
    sheet = Scoresheet.objects.get(pk=evaluation.assignment.scoresheet.pk)
    assert sheet.version == 1 and not sheet.scores.exists()


def test_submission_names_what_is_missing_per_criterion_and_keeps_the_draft(evaluation,
                                                                           personas):
    a, b = _keys(evaluation)
    # min_reason_length is 20 in the fixture: "짧은 이유" is 5 characters; trailing spaces and
    # a zero-width space do not count.
    sheet = save(evaluation, personas.evaluator, levels={a: "4"},
                 reasons={a: "  짧은 이유\u200b   ", b: GOOD})
    with pytest.raises(scoring.ScoresheetIncomplete) as exc:
        scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                                  version=sheet.version)
    assert exc.value.errors == {
        f"reason_{a}": ["Write at least 20 characters: 15 more characters needed (5 so far)."],
        f"level_{b}": ["Choose a level from 1 to 5."],
    }
    sheet.refresh_from_db()
    assert sheet.status == "draft" and sheet.total is None
    assert scoring.payload(sheet, evaluation.criteria)["reasons"][a] == "  짧은 이유   "


def test_one_character_missing_is_said_in_the_singular(evaluation, personas):
    a, b = _keys(evaluation)
    sheet = save(evaluation, personas.evaluator, levels={a: "4", b: "4"},
                 reasons={a: "가" * 19, b: GOOD})
    with pytest.raises(scoring.ScoresheetIncomplete) as exc:
        scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                                  version=sheet.version)
    assert exc.value.errors[f"reason_{a}"] == [
        "Write at least 20 characters: 1 more character needed (19 so far)."]


def test_submission_stores_the_weighted_total_and_is_audited(evaluation, personas):
    sheet = complete(evaluation, personas.evaluator)
    sheet = scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                                      version=sheet.version)
    # weights 60 / 40, scale 1–5, levels 5 and 3: 100 · (60 · 1 + 40 · 0.5) / 100 = 80.
    assert sheet.status == "submitted" and sheet.total == Decimal("80.00")
    a, _b = _keys(evaluation)
    assert sheet.submitted_scores["levels"][a] == 5
    log = AuditLog.objects.get(action="scoresheet.submitted")
    assert log.actor == personas.evaluator and log.after["total"] == "80.00"
    assert log.after[f"level[{a}]"] == 5 and log.after[f"reason[{a}]"] == GOOD
    # A double click: the same content again is the same submission, no second audit row.
    scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                              version=sheet.version)
    assert AuditLog.objects.filter(action__startswith="scoresheet.").count() == 1


def test_a_submitted_scoresheet_is_final_for_the_evaluator(evaluation, personas):
    a, _b = _keys(evaluation)
    sheet = complete(evaluation, personas.evaluator)
    scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                              version=sheet.version)
    with pytest.raises(scoring.ScoresheetLocked) as exc:
        save(evaluation, personas.evaluator, levels={a: "1"})
    assert "You have submitted this scoresheet" in exc.value.messages[0]
    assert not personas.evaluator.has_perm("evaluation.change_scoresheet", evaluation.assignment)


def test_everything_locks_when_the_stage_ends(evaluation, personas):
    a, _b = _keys(evaluation)
    sheet = complete(evaluation, personas.evaluator)
    later = evaluation.stage.closes_at + timedelta(seconds=1)
    with pytest.raises(scoring.ScoresheetLocked) as exc:
        save(evaluation, personas.evaluator, reasons={a: "late change"}, now=later)
    assert "scores are locked and nothing was changed" in exc.value.messages[0]
    with pytest.raises(scoring.ScoresheetLocked):
        scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                                  version=sheet.version, now=later)
    sheet.refresh_from_db()
    assert sheet.status == "draft" and sheet.version == 2
    assert scoring.payload(sheet, evaluation.criteria)["reasons"][a] == GOOD


def test_the_stage_closed_early_by_the_operator_locks_too(evaluation, personas):
    a, _b = _keys(evaluation)
    evaluation.stage.closed_at = timezone.now() - timedelta(minutes=1)
    evaluation.stage.save(update_fields=["closed_at"])
    evaluation.assignment.refresh_from_db()
    with pytest.raises(scoring.ScoresheetLocked):
        save(evaluation, personas.evaluator, reasons={a: "x"})
    assert not personas.evaluator.has_perm("evaluation.score", evaluation.assignment)


def test_unlock_needs_a_reason_and_a_future_end(evaluation, personas):
    sheet = evaluation.assignment.scoresheet
    later = evaluation.stage.closes_at + timedelta(hours=1)
    with pytest.raises(ValidationError) as exc:
        scoring.unlock_scoresheet(scoresheet=sheet, by=personas.operator, reason="  ",
                                  until=later - timedelta(hours=2), now=later)
    assert set(exc.value.message_dict) == {"reason", "until"}
    # A draft in an open stage needs no unlock.
    with pytest.raises(ValidationError):
        scoring.unlock_scoresheet(scoresheet=sheet, by=personas.operator, reason="typo")
    assert not AuditLog.objects.filter(action="scoresheet.unlocked").exists()


def test_unlock_then_resubmission_is_audited_with_the_difference(evaluation, personas):
    a, b = _keys(evaluation)
    sheet = complete(evaluation, personas.evaluator)
    scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                              version=sheet.version)
    later = evaluation.stage.closes_at + timedelta(hours=1)
    scoring.unlock_scoresheet(scoresheet=sheet, by=personas.operator,
                              reason="평가위원 요청: 오기 정정", now=later)
    sheet.refresh_from_db()
    assert sheet.unlocked_until == later + timedelta(hours=24)
    log = AuditLog.objects.get(action="scoresheet.unlocked")
    assert log.actor == personas.operator and log.after["reason"] == "평가위원 요청: 오기 정정"

    sheet = save(evaluation, personas.evaluator, levels={a: "4"},
                 reasons={a: GOOD + " 다만 양산 계획이 불명확합니다."}, now=later)
    # Until it is submitted again, what others see is still the earlier submission.
    sheet.refresh_from_db()
    assert sheet.status == "submitted" and sheet.submitted_scores["levels"][a] == 5
    scoring.submit_scoresheet(assignment=evaluation.assignment, by=personas.evaluator,
                              version=sheet.version, now=later)
    sheet.refresh_from_db()
    # 100 · (60 · 0.75 + 40 · 0.5) / 100 = 65.
    assert sheet.total == Decimal("65.00") and sheet.submitted_scores["levels"][a] == 4
    log = AuditLog.objects.get(action="scoresheet.resubmitted")
    assert log.before == {f"level[{a}]": 5, f"reason[{a}]": GOOD, "total": "80.00"}
    assert log.after[f"level[{a}]"] == 4 and log.after["total"] == "65.00"
    assert f"level[{b}]" not in log.after and log.after["unlocked_until"]
    # When the unlock ends, the sheet locks again.
    with pytest.raises(scoring.ScoresheetLocked):
        save(evaluation, personas.evaluator, levels={a: "1"}, now=later + timedelta(days=2))
