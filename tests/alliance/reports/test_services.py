"""Milestone report services: the schedule set on acceptance, the draft and submission, the
operator's review, the tranches held until a report is approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kbridge.alliance.models import MilestoneReport, ReportReview, TrancheRelease
from kbridge.alliance.report_schedule import OUTCOME_YEARS
from kbridge.alliance.services import reports as services
from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.selection.models import Agreement
from kbridge.selection.services import agreements as agreement_services
from tests.alliance.reports.world import (
    FIGURES,
    accepted,
    filled,
    first_report,
    middle_tranche_date,
    submitted,
)

Status = MilestoneReport.Status


def _mails(fragment: str) -> list[EmailDelivery]:
    return list(EmailDelivery.objects.filter(idempotency_key__contains=fragment))


# --- the schedule ----------------------------------------------------------------------------


def test_accepting_the_agreement_schedules_its_reports(world, personas):
    """Through selection's own acceptance service: the signal schedules, in its transaction."""
    from tests.selection.agreement_world import upload_all

    agreement = accepted(world, personas, schedule=False)
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.OFFERED, accepted_by=None, accepted_at=None,
        accept_by=timezone.now() + dt.timedelta(days=3))
    upload_all(agreement, personas.startup_a)
    agreement_services.accept_agreement(agreement=agreement, by=personas.startup_a, ip=None)

    reports = list(agreement.milestone_reports.order_by("sequence"))
    assert [r.unlocks_tranche for r in reports] == [2] + [None] * (1 + OUTCOME_YEARS)
    assert reports[0].due_on == middle_tranche_date(agreement) - dt.timedelta(days=14)
    assert all(r.status == Status.DUE for r in reports)
    log = AuditLog.objects.get(action="alliance.reports_scheduled")
    assert log.actor == personas.startup_a
    assert log.tenant_id == personas.operator_org.pk


def test_scheduling_twice_creates_nothing_more_and_an_offered_agreement_gets_none(
        world, personas, agreement_a):
    before = list(agreement_a.milestone_reports.values_list("pk", "due_on"))
    assert services.schedule_reports(agreement=agreement_a) == []
    assert list(agreement_a.milestone_reports.values_list("pk", "due_on")) == before
    assert AuditLog.objects.filter(action="alliance.reports_scheduled").count() == 1

    offered = accepted(world, personas, startup="b", schedule=False)
    Agreement.objects.filter(pk=offered.pk).update(status=Agreement.Status.OFFERED)
    with pytest.raises(ValidationError):
        services.schedule_reports(agreement=offered)


def test_a_lost_report_is_put_back_without_touching_the_others(agreement_a, personas):
    report = first_report(agreement_a)
    filled(report, personas.startup_a)
    agreement_a.milestone_reports.filter(sequence=3).delete()
    created = services.schedule_reports(agreement=agreement_a)
    assert [r.sequence for r in created] == [3]
    report.refresh_from_db()
    assert report.jobs_created == FIGURES["jobs_created"]


# --- draft and submission --------------------------------------------------------------------


def test_a_member_saves_a_half_filled_draft_and_only_the_representative_submits(
        agreement_a, personas):
    report = first_report(agreement_a)
    services.save_report(report=report, by=personas.startup_a_member,
                         values={"jobs_created": 3, "revenue_krw": 10}, investments=[])
    report.refresh_from_db()
    assert (report.jobs_created, report.revenue_krw, report.employees) == (3, 10, None)
    assert report.status == Status.DUE
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report=report, by=personas.startup_a_member)
    assert refused.value.code == "not_representative"


def test_another_startup_cannot_write_the_report(agreement_a, personas):
    with pytest.raises(ValidationError):
        services.save_report(report=first_report(agreement_a), by=personas.startup_b,
                             values=FIGURES, investments=[])


def test_an_incomplete_report_is_refused_naming_each_missing_figure(agreement_a, personas):
    report = first_report(agreement_a)
    services.save_report(report=report, by=personas.startup_a,
                         values={"jobs_created": 0, "revenue_krw": 0}, investments=[])
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report=report, by=personas.startup_a)
    assert set(refused.value.message_dict) == {"employees", "overseas_revenue_krw",
                                               "patents_filed", "patents_granted", "narrative"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"overseas_revenue_krw": 900_000_000}, "overseas_revenue_krw"),
    ({"merger_acquisition": "acquirer"}, "merger_detail"),
])
def test_inconsistent_figures_are_refused(agreement_a, personas, changes, field):
    report = first_report(agreement_a)
    filled(report, personas.startup_a, **changes)
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report=report, by=personas.startup_a)
    assert list(refused.value.message_dict) == [field]


@pytest.mark.parametrize(("days", "why"), [(-1, "outside"), (10_000, "future")])
def test_an_investment_outside_the_period_or_in_the_future_is_refused(agreement_a, personas,
                                                                      days, why):
    report = first_report(agreement_a)
    closed_on = (report.period_starts_on + dt.timedelta(days=days) if days < 0
                 else timezone.localdate() + dt.timedelta(days=1))
    filled(report, personas.startup_a, investments=[
        {"round": "seed", "amount_krw": 100_000_000, "investor": "카카오벤처스",
         "closed_on": closed_on}])
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report=report, by=personas.startup_a)
    message = refused.value.message_dict["investments"][0]
    assert ("미래" if why == "future" else "기간") in message


def test_submission_records_the_history_the_audit_and_a_receipt(agreement_a, personas):
    report = submitted(first_report(agreement_a), personas)
    assert report.status == Status.SUBMITTED
    assert report.submitted_by == personas.startup_a
    assert list(report.reviews.values_list("action", flat=True)) == ["submitted"]
    assert report.investments.get().amount_krw == 3_000_000_000
    assert AuditLog.objects.filter(action="alliance.report_submitted",
                                   tenant_id=personas.operator_org.pk).count() == 1
    mail = _mails(f"report-submitted:{report.pk}:1")
    assert [m.recipients for m in mail] == [[personas.startup_a.email]]
    with pytest.raises(ValidationError) as again:
        services.submit_report(report=report, by=personas.startup_a)
    assert again.value.code == "state"
    with pytest.raises(ValidationError):
        services.save_report(report=report, by=personas.startup_a, values=FIGURES,
                             investments=[])


# --- review ----------------------------------------------------------------------------------


def test_return_needs_a_comment_and_the_startup_fixes_and_resubmits(agreement_a, personas):
    report = submitted(first_report(agreement_a), personas)
    with pytest.raises(ValidationError) as empty:
        services.return_report(report=report, by=personas.operator, comment="  \n ")
    assert "comment" in empty.value.message_dict

    services.return_report(report=report, by=personas.operator,
                           comment="해외 매출 증빙을 첨부해 주세요.")
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (Status.RETURNED,
                                                      "해외 매출 증빙을 첨부해 주세요.")
    mail = _mails(f"report-returned:{report.pk}:")
    assert len(mail) == 1 and "해외 매출 증빙을 첨부해 주세요." in mail[0].payload["body"]

    filled(report, personas.startup_a, overseas_revenue_krw=100_000_000)
    services.submit_report(report=report, by=personas.startup_a)
    services.approve_report(report=report, by=personas.operator)
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    assert list(report.reviews.values_list("action", flat=True)) == [
        "submitted", "returned", "submitted", "approved"]
    assert len(_mails(f"report-submitted:{report.pk}:")) == 2


def test_state_rules_a_returned_or_approved_report_cannot_be_approved(agreement_a, personas):
    report = submitted(first_report(agreement_a), personas)
    services.return_report(report=report, by=personas.operator, comment="수정 필요")
    with pytest.raises(ValidationError, match="보완 요청"):
        services.approve_report(report=report, by=personas.operator)
    services.submit_report(report=report, by=personas.startup_a)
    services.approve_report(report=report, by=personas.operator)
    with pytest.raises(ValidationError, match="이미 승인"):
        services.approve_report(report=report, by=personas.operator)
    with pytest.raises(ValidationError, match="이미 승인"):
        services.return_report(report=report, by=personas.operator, comment="다시")
    with pytest.raises(ValidationError) as after:
        services.submit_report(report=report, by=personas.startup_a)
    assert after.value.code == "state"
    due = agreement_a.milestone_reports.get(sequence=2)
    with pytest.raises(ValidationError, match="제출되지"):
        services.approve_report(report=due, by=personas.operator)


@pytest.mark.parametrize("persona", ["operator_b", "partner_a", "startup_a"])
def test_only_the_programs_operator_reviews(agreement_a, personas, persona):
    report = submitted(first_report(agreement_a), personas)
    with pytest.raises(ValidationError) as refused:
        services.approve_report(report=report, by=personas.by_name(persona))
    assert refused.value.code == "not_operator"


# --- tranches --------------------------------------------------------------------------------


def _states(agreement):
    agreement = Agreement.objects.get(pk=agreement.pk)
    return [t.state for t in services.tranche_states(
        agreement, list(agreement.milestone_reports.all()),
        list(agreement.tranche_releases.all()))]


def test_tranche_two_is_held_until_its_report_is_approved_and_released_once(
        agreement_a, personas):
    assert _states(agreement_a) == ["ready", "held"]
    with pytest.raises(ValidationError, match="1번 보고서"):
        services.release_tranche(agreement=agreement_a, tranche=2, by=personas.operator)

    report = submitted(first_report(agreement_a), personas)
    assert _states(agreement_a) == ["ready", "held"]
    services.approve_report(report=report, by=personas.operator)
    assert _states(agreement_a) == ["ready", "ready"]

    first = services.release_tranche(agreement=agreement_a, tranche=2, by=personas.operator)
    again = services.release_tranche(agreement=agreement_a, tranche=2, by=personas.operator)
    assert first.pk == again.pk and first.amount_krw == 60_000_000
    assert TrancheRelease.objects.filter(agreement=agreement_a).count() == 1
    assert AuditLog.objects.filter(action="alliance.tranche_released").count() == 1
    assert len(_mails(f"tranche-released:{agreement_a.pk}:2")) == 1
    assert _states(agreement_a) == ["ready", "released"]


def test_tranches_of_an_agreement_not_accepted_stay_held(world, personas):
    agreement = accepted(world, personas, schedule=False)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.LAPSED)
    assert _states(agreement) == ["held", "held"]
    with pytest.raises(ValidationError):
        services.release_tranche(agreement=agreement, tranche=1, by=personas.operator)


@pytest.mark.parametrize(("persona", "tranche"), [("operator_b", 1), ("operator", 3)])
def test_no_tranche_for_another_agency_nor_past_the_last(agreement_a, personas, persona,
                                                         tranche):
    with pytest.raises(ValidationError):
        services.release_tranche(agreement=agreement_a, tranche=tranche,
                                 by=personas.by_name(persona))
    assert not TrancheRelease.objects.exists()


def test_approved_reports_only_are_final_a_review_leaves_reports_of_others_alone(
        world, personas, agreement_a):
    agreement_b = accepted(world, personas, startup="b")
    report = submitted(first_report(agreement_a), personas)
    services.approve_report(report=report, by=personas.operator)
    assert set(MilestoneReport.objects.filter(status=Status.APPROVED)) == {report}
    assert not ReportReview.objects.filter(report__agreement=agreement_b).exists()


def test_the_backfill_command_schedules_what_is_missing_once(world, personas):
    from io import StringIO

    from django.core.management import call_command

    agreement = accepted(world, personas, schedule=False)
    out = StringIO()
    call_command("schedule_reports", stdout=out)
    assert agreement.milestone_reports.count() == 2 + OUTCOME_YEARS
    assert f"Scheduled {2 + OUTCOME_YEARS} reports for 1 agreements." in out.getvalue()
    call_command("schedule_reports", stdout=out)
    assert agreement.milestone_reports.count() == 2 + OUTCOME_YEARS
