"""Appeals (이의신청), the services: the window in working days, the grounds' limits, one open
appeal per outcome, an answer by someone outside the panel that cites the rubric, and the
re-ranking of an upheld appeal with its audit trail (docs/selection.md, "Appeals").

The decided world (tests/selection/world.py): track A has 2 places and a waitlist of 2; final
scores 90, 85 (selected), 80, 75 (waitlisted 1 and 2), 70, 60 (not selected).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.core.workdays import add_working_days
from kbridge.evaluation.models import Assignment, Criterion
from kbridge.selection.models import Appeal, Outcome
from kbridge.selection.services import appeals as services
from tests.factories import MembershipFactory, UserFactory
from tests.selection.appeal_world import ANSWER, file
from tests.selection.world import decided as make_decided

KST = ZoneInfo("Asia/Seoul")


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def answer(appeal, by, *, upheld=False, text=ANSWER, criteria=None, score=None):
    stage = appeal.outcome.selection.stage
    return services.answer_appeal(
        appeal=appeal, by=by, upheld=upheld, answer=text,
        criteria=list(stage.criteria.all()[:1]) if criteria is None else criteria,
        corrected_score=score)


def code_of(excinfo) -> str:
    return excinfo.value.error_list[0].code


# --- the window -------------------------------------------------------------------------------


def test_the_window_ends_after_seven_working_days_skipping_weekends_and_chuseok(decided,
                                                                               personas):
    # Announced Friday 18 September 2026; the weekend and 추석 (24–26 September) do not count:
    # Mon 21, Tue 22, Wed 23, Mon 28, Tue 29, Wed 30, Thu 1 October.
    decided.policy.announcement_at = kst(2026, 9, 18, 10, 0)
    decided.policy.save()
    assert services.window_closes_at(decided.policy) == kst(2026, 10, 1, 23, 59, 59)
    with time_machine.travel(kst(2026, 10, 1, 23, 59, 58), tick=False):
        appeal = file(decided, 0)
    assert appeal.status == Appeal.Status.FILED
    with time_machine.travel(kst(2026, 10, 2, 0, 0, 0), tick=False), \
            pytest.raises(ValidationError) as excinfo:
        file(decided, 4)
    assert code_of(excinfo) == "closed"
    assert "2026" in excinfo.value.messages[0]


def test_no_appeal_before_the_announcement(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    with pytest.raises(ValidationError) as excinfo:
        file(d, 0)
    assert code_of(excinfo) == "not_announced"
    assert not Appeal.objects.exists()


def test_no_appeal_against_a_selection_still_in_draft(decided):
    decided.selection.status = "draft"
    decided.selection.save()
    with pytest.raises(ValidationError) as excinfo:
        file(decided, 0)
    assert code_of(excinfo) == "not_announced"


def test_the_answer_is_due_ten_working_days_after_filing(decided):
    decided.policy.announcement_at = kst(2026, 9, 18, 9, 0)
    decided.policy.save()
    with time_machine.travel(kst(2026, 9, 18, 15, 0), tick=False):
        appeal = file(decided, 0)
    assert services.ANSWER_WORKING_DAYS == 10
    assert appeal.due_at == add_working_days(kst(2026, 9, 18, 15, 0), 10)
    # 21, 22, 23, (추석 24–26), 28, 29, 30 Sep, 1, 2 Oct, (개천절's substitute Mon 5), 6, 7 Oct.
    assert appeal.due_at == kst(2026, 10, 7, 23, 59, 59)


# --- who and what ------------------------------------------------------------------------------


def test_a_member_of_the_startup_may_file_and_others_may_not(decided, personas):
    appeal = file(decided, 0, by=personas.startup_a_member)
    assert appeal.filed_by == personas.startup_a_member
    for outsider in (personas.startup_b, personas.operator):
        with pytest.raises(ValidationError) as excinfo:
            file(decided, 4, by=outsider)
        assert code_of(excinfo) == "not_member"


@pytest.mark.parametrize(("length", "ok"), [(29, False), (30, True), (5_000, True),
                                             (5_001, False)])
def test_grounds_have_30_to_5000_characters(decided, length, ok):
    grounds = ("가" * length)
    if ok:
        assert file(decided, 0, grounds=grounds).grounds == grounds
    else:
        with pytest.raises(ValidationError) as excinfo:
            file(decided, 0, grounds=grounds)
        assert code_of(excinfo) == ("too_short" if length < 30 else "too_long")
        assert f"{length:,}" in excinfo.value.messages[0]
        assert not Appeal.objects.exists()


def test_grounds_are_cleaned_and_counted_as_people_count(decided):
    # 29 characters and a CR LF (one line break) make 30; the NUL is removed, never counted.
    grounds = "가" * 14 + "\r\n" + "나" * 14 + "\x00" + "다"
    appeal = file(decided, 0, grounds=grounds)
    assert appeal.grounds == "가" * 14 + "\n" + "나" * 14 + "다"


def test_one_open_appeal_per_outcome_and_another_once_it_is_answered(decided, personas):
    first = file(decided, 0)
    with pytest.raises(ValidationError) as excinfo:
        file(decided, 0, by=personas.startup_a_member)
    assert code_of(excinfo) == "already_open"
    answer(first, personas.operator)
    second = file(decided, 0, by=personas.startup_a_member)
    assert Appeal.objects.filter(outcome=decided.outcomes[0]).count() == 2
    assert second.status == Appeal.Status.FILED


def test_filing_is_audited_and_mailed_to_the_programs_operators(decided, personas):
    colleague = UserFactory(email="colleague@kised.example", preferred_language="en")
    MembershipFactory(organisation=personas.operator_org, role="operator", user=colleague)
    appeal = file(decided, 0)
    row = AuditLog.objects.get(action="selection.appeal_filed")
    assert row.object_id == str(appeal.pk)
    assert row.tenant_id == personas.operator_org.pk
    assert row.actor == personas.startup_a
    mails = {d.recipients[0]: d for d in EmailDelivery.objects.filter(
        idempotency_key__startswith=f"appeal:filed:{appeal.pk}:")}
    assert set(mails) == {personas.operator.email, colleague.email}
    assert personas.operator_b.email not in mails
    korean = mails[personas.operator.email].payload["body"]
    english = mails[colleague.email].payload["body"]
    assert "이의신청" in mails[personas.operator.email].subject
    assert "appealed against its result" in english
    assert f"/manage/selection/appeals/{appeal.pk}/" in korean
    assert f"/manage/selection/appeals/{appeal.pk}/" in english


# --- the answer --------------------------------------------------------------------------------


def test_someone_who_evaluated_the_application_may_not_answer(decided, personas):
    appeal = file(decided, 0)
    # An operator of the agency who sat on the presentation panel of this application.
    MembershipFactory(organisation=personas.operator_org, role="operator",
                      user=personas.evaluator)
    assert Assignment.objects.filter(application=decided.applications[0],
                                     evaluator=personas.evaluator).exists()
    assert personas.evaluator.has_perm("selection.view_appeal", appeal)
    assert not personas.evaluator.has_perm("selection.answer_appeal", appeal)
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.evaluator)
    assert code_of(excinfo) == "on_panel"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED
    # Any stage of the call counts, not only the selection's.
    assert personas.operator.has_perm("selection.answer_appeal", appeal)


def test_an_evaluator_of_another_stage_of_the_call_may_not_answer_either(decided, personas,
                                                                       evaluation):
    appeal = file(decided, 0)
    document_stage = evaluation.stage  # the call's document stage, another stage
    colleague = UserFactory(email="reviewer@kised.example")
    MembershipFactory(organisation=personas.operator_org, role="operator", user=colleague)
    Assignment.objects.create(stage=document_stage, application=decided.applications[0],
                              evaluator=colleague)
    assert not colleague.has_perm("selection.answer_appeal", appeal)
    with pytest.raises(ValidationError):
        answer(appeal, colleague)


def test_another_agency_may_not_answer(decided, personas):
    appeal = file(decided, 0)
    assert not personas.operator_b.has_perm("selection.view_appeal", appeal)
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.operator_b)
    assert code_of(excinfo) == "not_operator"


def test_the_answer_must_cite_a_criterion_of_the_selection_stage(decided, personas,
                                                                evaluation):
    appeal = file(decided, 0)
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.operator, criteria=[])
    assert code_of(excinfo) == "no_criterion"
    other = Criterion.objects.exclude(stage=decided.stage).first()
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.operator, criteria=[other])
    assert code_of(excinfo) == "criterion"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED and appeal.answer == ""


@pytest.mark.parametrize(("length", "code"), [(49, "too_short"), (5_001, "too_long")])
def test_the_answer_has_50_to_5000_characters(decided, personas, length, code):
    appeal = file(decided, 0)
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.operator, text="가" * length)
    assert code_of(excinfo) == code


def test_an_answer_is_recorded_with_its_criteria_handler_and_response_time(decided,
                                                                          personas):
    decided.policy.announcement_at = kst(2026, 9, 18, 9, 0)
    decided.policy.save()
    with time_machine.travel(kst(2026, 9, 18, 15, 0), tick=False):
        appeal = file(decided, 0, by=personas.startup_a_member)
    market = decided.stage.criteria.get(title_en="Market")
    with time_machine.travel(kst(2026, 9, 29, 11, 0), tick=False):
        answered = answer(appeal, personas.operator, criteria=[market])
    assert answered.status == Appeal.Status.REJECTED
    assert answered.handler == personas.operator
    assert list(answered.criteria_cited.all()) == [market]
    # 21, 22, 23 Sep, (추석), 28, 29 Sep: five working days.
    assert services.working_days_taken(answered) == 5
    assert not services.is_overdue(answered)
    row = AuditLog.objects.get(action="selection.appeal_answered")
    assert row.after["status"] == "rejected" and row.after["criteria_cited"] == [market.pk]
    assert row.after["working_days"] == 5
    # The member who filed and the representative are told, each once.
    to = sorted(d.recipients[0] for d in EmailDelivery.objects.filter(
        idempotency_key__startswith=f"appeal:answered:{appeal.pk}:"))
    assert to == sorted([personas.startup_a_member.email, personas.startup_a.email])
    with pytest.raises(ValidationError) as excinfo:
        answer(answered, personas.operator)
    assert code_of(excinfo) == "answered"


def test_the_answer_mail_is_in_the_applicants_language(decided, personas):
    personas.startup_a.preferred_language = "en"
    personas.startup_a.save()
    appeal = file(decided, 0)
    answer(appeal, personas.operator, upheld=False)
    mail = EmailDelivery.objects.get(idempotency_key__startswith=f"appeal:answered:{appeal.pk}:")
    assert mail.subject == "[K-Bridge] Your appeal has been answered"
    assert "Decision: not upheld." in mail.payload["body"]
    assert "Market" in mail.payload["body"]
    assert ANSWER in mail.payload["body"]


def test_an_unanswered_appeal_past_its_due_time_is_overdue(decided):
    appeal = file(decided, 0)
    assert not services.is_overdue(appeal)
    assert not services.is_overdue(appeal, appeal.due_at)
    assert services.is_overdue(appeal, appeal.due_at + timedelta(seconds=1))


# --- re-ranking --------------------------------------------------------------------------------


def _state(d):
    return [(o.application_id, o.rank, o.status, o.waitlist_position)
            for o in Outcome.objects.filter(selection=d.selection).order_by("rank", "pk")]


def test_a_corrected_score_only_with_an_upheld_appeal(decided, personas):
    appeal = file(decided, 4)
    with pytest.raises(ValidationError) as excinfo:
        answer(appeal, personas.operator, upheld=False, score="80.50")
    assert code_of(excinfo) == "score_not_upheld"
    for bad in ("100.01", "-1", "80.555", "eighty"):
        with pytest.raises(ValidationError) as excinfo:
            answer(appeal, personas.operator, upheld=True, score=bad)
        assert code_of(excinfo) == "score"


def test_an_upheld_appeal_re_ranks_the_track_and_waitlists_the_appellant(decided, personas):
    apps = [a.pk for a in decided.applications]
    appeal = file(decided, 4)  # rank 5, 70.00, not selected
    answer(appeal, personas.operator, upheld=True, score="80.50")
    assert _state(decided) == [
        (apps[0], 1, "selected", None), (apps[1], 2, "selected", None),
        (apps[4], 3, "waitlisted", 1),  # first in line now
        (apps[2], 4, "waitlisted", 2), (apps[3], 5, "waitlisted", 3),  # nobody loses a place
        (apps[5], 6, "not_selected", None)]
    appellant = Outcome.objects.get(pk=decided.outcomes[4].pk)
    assert appellant.score == Decimal("80.50") and appellant.reason_code == "appeal_upheld"
    row = AuditLog.objects.get(action="selection.reranked_after_appeal")
    assert row.object_id == str(decided.selection.pk)
    assert row.tenant_id == personas.operator_org.pk
    before = {r["application"]: r["rank"] for r in row.before["ranks"]}
    after = {r["application"]: r["rank"] for r in row.after["ranks"]}
    assert before[apps[4]] == 5 and after[apps[4]] == 3
    assert before[apps[2]] == 3 and after[apps[2]] == 4
    assert row.after["appeal"] == appeal.pk
    moved = AuditLog.objects.filter(action="selection.outcome_reranked")
    assert {int(r.object_id) for r in moved} == {o.pk for o in decided.outcomes[2:5]}


def test_equal_scores_share_a_rank_and_the_earlier_rank_waits_first(decided, personas):
    apps = [a.pk for a in decided.applications]
    answer(file(decided, 4), personas.operator, upheld=True, score="80.00")
    assert _state(decided)[2:5] == [(apps[2], 3, "waitlisted", 1), (apps[4], 3, "waitlisted", 2),
                                    (apps[3], 5, "waitlisted", 3)]


def test_an_appellant_still_behind_the_waitlist_stays_not_selected(decided, personas):
    apps = [a.pk for a in decided.applications]
    answer(file(decided, 4), personas.operator, upheld=True, score="72.00")
    state = _state(decided)
    assert (apps[4], 5, "not_selected", None) in state
    assert Outcome.objects.get(pk=decided.outcomes[4].pk).reason_code == "appeal_upheld"


def test_an_appellant_above_the_line_takes_no_place_from_anyone(decided, personas):
    apps = [a.pk for a in decided.applications]
    answer(file(decided, 4), personas.operator, upheld=True, score="95.00")
    assert _state(decided)[:3] == [(apps[4], 1, "waitlisted", 1),
                                   (apps[0], 2, "selected", None),
                                   (apps[1], 3, "selected", None)]
    assert Outcome.objects.filter(selection=decided.selection, status="selected").count() == 2


def test_an_ineligible_appellant_is_re_ranked_but_stays_out(decided, personas):
    Outcome.objects.filter(pk=decided.outcomes[5].pk).update(reason_code="duplicate_funding")
    answer(file(decided, 5), personas.operator, upheld=True, score="88.00")
    outcome = Outcome.objects.get(pk=decided.outcomes[5].pk)
    assert (outcome.rank, outcome.status) == (2, "not_selected")


def test_an_upheld_appeal_without_a_corrected_score_changes_no_rank(decided, personas):
    before = _state(decided)
    answered = answer(file(decided, 4), personas.operator, upheld=True)
    assert answered.status == Appeal.Status.UPHELD
    assert _state(decided) == before
    assert not AuditLog.objects.filter(action="selection.reranked_after_appeal").exists()


def test_every_appeal_action_has_a_label():
    from kbridge.core.audit_display import ACTION_LABELS

    for action in ("selection.appeal_filed", "selection.appeal_answered",
                   "selection.reranked_after_appeal", "selection.outcome_reranked"):
        assert action in ACTION_LABELS


def test_an_upheld_appeal_above_the_line_is_offered_a_free_place_and_the_cutoff_follows(
        decided, personas):
    """The tester's upheld appeal (corrected to 99.5) left the startup waitlisted with no offer
    while a place was free, and the cut-off still named a startup that had left."""
    from decimal import Decimal

    from kbridge.selection.models import Offer, Outcome
    from kbridge.selection.services import appeals as appeal_services
    from kbridge.selection.services import waitlist
    from tests.selection.appeal_world import ANSWER, file

    # The second selected startup drops out and the first waitlisted declines: a place is free.
    offer = waitlist.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    waitlist.decline_offer(offer, _representative(offer))
    Offer.objects.filter(status="pending").update(status="expired")  # nobody holds it now
    Outcome.objects.filter(status="waitlisted").update(status="not_selected",
                                                       waitlist_position=None)
    decided.selection.refresh_from_db()
    assert decided.selection.cutoff_score == decided.outcomes[0].score  # not the leaver's
    appeal = file(decided, 4)
    appeal_services.answer_appeal(appeal=appeal, by=personas.operator, upheld=True,
                                  answer=ANSWER, criteria=[decided.stage.criteria.first()],
                                  corrected_score=Decimal("99.50"))
    appellant = Outcome.objects.get(pk=decided.outcomes[4].pk)
    assert appellant.reason_code == "appeal_upheld" and appellant.rank == 1
    assert appellant.offers.filter(status="pending").exists()


def _representative(offer):
    return offer.outcome.application.applicant.profile.representative
