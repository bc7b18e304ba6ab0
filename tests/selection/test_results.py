"""Results with reasons (issue 14, item 4) and the partners' interest (item 7): the services
and reads. The announcement instant is a boundary to the second; every applicant's member gets
one e-mail (Korean and English) however often the announcement runs; rank bands never name
another applicant's rank; reasons are anonymised and a conflicted evaluator never appears."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.evaluation.models import Conflict, Scoresheet
from kbridge.selection import selectors
from kbridge.selection.models import Outcome, PartnerInterest
from kbridge.selection.services import results
from tests.factories import MembershipFactory, UserFactory
from tests.selection.world import decided as make_decided

SECOND = dt.timedelta(seconds=1)


def _result_mails():
    return EmailDelivery.objects.filter(idempotency_key__startswith="selection:result:")


# --- announced ---------------------------------------------------------------------------


def test_announced_from_the_announcement_instant_to_the_second(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    at = d.policy.announcement_at
    assert not results.is_announced(d.selection, at - SECOND)
    assert results.is_announced(d.selection, at)
    assert results.is_announced(d.selection, at + SECOND)


def test_a_draft_selection_is_never_announced(decided):
    decided.selection.status = "draft"
    decided.selection.save(update_fields=["status"])
    assert not results.is_announced(decided.selection)
    assert not results.announced_selections().exists()


def test_a_call_without_an_announcement_instant_announces_nothing(decided):
    decided.policy.announcement_at = None
    decided.policy.save(update_fields=["announcement_at"])
    decided.selection.refresh_from_db()
    assert not results.is_announced(decided.selection)
    assert results.announce_due() == 0


# --- rank bands ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rank", "ranked", "band"), [
    (1, 1, "top10"), (1, 6, "top10"), (2, 6, "10-25"), (3, 6, "25-50"), (4, 6, "50-75"),
    (6, 6, "75-100"), (10, 100, "top10"), (11, 100, "10-25"), (25, 100, "10-25"),
    (26, 100, "25-50"), (51, 100, "50-75"), (76, 100, "75-100"), (100, 100, "75-100"),
])
def test_rank_band_is_the_share_of_applications_ranked_above(rank, ranked, band):
    assert results.rank_band(rank, ranked).key == band


@pytest.mark.parametrize(("rank", "ranked"), [(0, 5), (6, 5), (1, 0)])
def test_a_rank_outside_the_track_has_no_band(rank, ranked):
    with pytest.raises(ValueError):
        results.rank_band(rank, ranked)


# --- the applicant's result ---------------------------------------------------------------------


def test_before_the_announcement_nothing_of_the_outcome_is_read(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    result = selectors.result_for_applicant(submitted)
    assert not result.announced
    assert result.announcement_at == d.policy.announcement_at
    assert (result.outcome, result.band, result.criteria, result.reasons) == (None, None, [], [])


def test_after_the_announcement_the_result_has_scores_band_and_anonymised_reasons(decided,
                                                                                  submitted):
    result = selectors.result_for_applicant(submitted)
    assert result.announced and result.outcome == decided.outcomes[0]
    assert result.band.key == "top10" and result.ranked == 6
    assert result.selection.cutoff_score == Decimal("85.00")
    # Five counted evaluators, numbered 1…5, no name anywhere in what is returned.
    assert [r.number for r in result.reasons] == [1, 2, 3, 4, 5]
    assert all(r.scores and all(s.reason for s in r.scores) for r in result.reasons)
    # Every evaluator gave level 4 of 1–5 on both criteria of weight 50: 37.50 points each.
    assert [(c.mean_level, c.mean_points, c.evaluators) for c in result.criteria] == [
        (Decimal("4.00"), Decimal("37.50"), 5), (Decimal("4.00"), Decimal("37.50"), 5)]


def test_a_conflicted_evaluator_is_absent_from_reasons_and_criterion_means(decided, submitted):
    conflicted = decided.evaluators[1]
    sheet = Scoresheet.objects.get(assignment__application=submitted,
                                   assignment__evaluator=conflicted,
                                   assignment__stage=decided.stage)
    sheet.scores.update(level=1, reason="CONFLICTED EVALUATOR'S REASON")
    Conflict.objects.create(evaluator=conflicted, application=submitted,
                            source="declared", detail="co-founder")
    result = selectors.result_for_applicant(submitted)
    assert len(result.reasons) == 4
    assert sheet.pk not in {r.scoresheet.pk for r in result.reasons}
    assert all(s.reason != "CONFLICTED EVALUATOR'S REASON"
               for r in result.reasons for s in r.scores)
    assert [c.evaluators for c in result.criteria] == [4, 4]
    assert [c.mean_level for c in result.criteria] == [Decimal("4.00")] * 2


def test_an_application_outside_the_selection_has_no_outcome_after_the_announcement(
        decided, world, personas):
    from tests.selection.world import applicant

    late = applicant(world, 99)
    result = selectors.result_for_applicant(late)
    assert result.announced and result.outcome is None


# --- e-mails -----------------------------------------------------------------------------------


def test_confirming_schedules_the_announcement_at_its_instant(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    results.schedule_announcement(d.selection)
    task = DBTaskResult.objects.get(task_path__endswith="tasks_results.announce_results")
    assert task.run_after == d.policy.announcement_at
    assert task.args_kwargs["args"] == [d.selection.pk, d.policy.announcement_at.isoformat()]


def test_a_draft_selection_schedules_nothing(decided):
    decided.selection.status = "draft"
    results.schedule_announcement(decided.selection)
    assert not DBTaskResult.objects.filter(
        task_path__endswith="tasks_results.announce_results").exists()


def test_nothing_is_mailed_one_second_before_the_announcement(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    assert results.announce_due(d.policy.announcement_at - SECOND) == 0
    assert not _result_mails().exists()


def test_each_member_of_each_applicant_is_mailed_once_even_if_run_twice(world, personas,
                                                                        submitted):
    d = make_decided(world, personas, submitted, announced=False)
    at = d.policy.announcement_at
    # Startup A has a representative and a member; the five others a representative each.
    assert results.announce_due(at + SECOND) == 7
    assert results.announce_due(at + 2 * SECOND) == 0
    assert _result_mails().count() == 7
    assert AuditLog.objects.filter(action="selection.results_announced").count() == 1
    to_a = {tuple(m.recipients) for m in _result_mails().filter(
        idempotency_key__startswith=f"selection:result:{d.selection.pk}:{d.outcomes[0].pk}:")}
    assert to_a == {(personas.startup_a.email,), (personas.startup_a_member.email,)}


def test_a_missed_run_is_caught_up_and_a_new_member_gets_the_mail_too(decided, personas):
    # The task at the instant never ran (worker down): the next run sends everything due.
    assert results.announce_due() == 7
    newcomer = MembershipFactory(organisation=personas.startup_a_org, role="startup_member",
                                 user=UserFactory(email="new@neurochips.example")).user
    assert results.announce_due() == 1
    assert _result_mails().filter(recipients=[newcomer.email]).count() == 1


def test_the_mail_states_the_result_in_korean_and_english_and_links_the_page(decided,
                                                                           personas):
    results.announce_due()
    delivery = _result_mails().get(recipients=[personas.startup_a.email])
    subject, body = delivery.payload["subject"], delivery.payload["body"]
    assert "선정" in subject and "Selected" in subject
    assert "지원금" in body and "Award" in body and "200,000,000" in body
    assert f"/applications/{decided.applications[0].pk}/result/" in body
    waitlisted = _result_mails().get(recipients=["ceo2@applicant2.example"])
    assert "예비" in waitlisted.payload["subject"] and "Waitlisted" in waitlisted.payload["subject"]
    assert "Waitlist position: 1" in waitlisted.payload["body"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_results_at_the_instant_and_only_once(world, personas, submitted,
                                                                  run_tasks):
    d = make_decided(world, personas, submitted, announced=False)
    results.schedule_announcement(d.selection)
    results.schedule_announcement(d.selection)  # confirmed twice: still one e-mail each
    run_tasks()
    assert [m for m in mail.outbox if "Result of" in m.subject] == []
    with time_machine.travel(d.policy.announcement_at + SECOND, tick=False):
        run_tasks()
    assert sorted(m.to[0] for m in mail.outbox if "Result of" in m.subject) == sorted(
        [personas.startup_a.email, personas.startup_a_member.email]
        + [f"ceo{n}@applicant{n}.example" for n in range(1, 6)])


# --- consent ---------------------------------------------------------------------------------


def test_consent_is_recorded_with_an_audit_row_and_can_be_withdrawn(decided, personas):
    outcome = decided.outcomes[0]
    results.set_publish_consent(outcome=outcome, consent=True, by=personas.startup_a)
    results.set_publish_consent(outcome=outcome, consent=True, by=personas.startup_a)
    results.set_publish_consent(outcome=outcome, consent=False, by=personas.startup_a)
    assert [r.action for r in AuditLog.objects.filter(action__startswith="selection.publish")
            .order_by("pk")] == ["selection.publish_consent_given",
                                 "selection.publish_consent_withdrawn"]
    outcome.refresh_from_db()
    assert outcome.publish_consent is False


def test_only_a_selected_and_announced_outcome_may_consent(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    with pytest.raises(ValidationError):
        results.set_publish_consent(outcome=d.outcomes[0], consent=True, by=personas.startup_a)
    with time_machine.travel(d.policy.announcement_at + SECOND, tick=False), \
            pytest.raises(ValidationError):
        results.set_publish_consent(outcome=d.outcomes[2], consent=True, by=personas.startup_a)


def test_the_public_results_list_only_consenting_selected_startups(decided, personas):
    assert selectors.public_results(decided.selection.track.call_id).tracks[0].others == 2
    Outcome.objects.filter(pk=decided.outcomes[0].pk).update(publish_consent=True)
    Outcome.objects.filter(pk=decided.outcomes[4].pk).update(publish_consent=True)  # not selected
    track = selectors.public_results(decided.selection.track.call_id).tracks[0]
    assert [o.application for o in track.shown] == [decided.applications[0]]
    assert track.others == 1


def test_no_public_results_before_the_announcement_or_for_a_draft_call(world, personas,
                                                                       submitted):
    d = make_decided(world, personas, submitted, announced=False)
    at = d.policy.announcement_at
    assert selectors.public_results(world.call.pk, at - SECOND) is None
    assert selectors.public_results(world.call.pk, at) is not None
    assert selectors.public_results(world.draft_call.pk, at + SECOND) is None


# --- partners' interest ------------------------------------------------------------------------


def test_interest_is_one_per_partner_and_application_editable_and_removable(decided,
                                                                            personas):
    application = decided.applications[1]
    org = personas.partner_a_org
    first = results.record_interest(application=application, organisation=org,
                                    note="  데모데이 초청 검토  ", by=personas.partner_a)
    assert first.note == "데모데이 초청 검토"
    again = results.record_interest(application=application, organisation=org,
                                    note="Pilot with our team", by=personas.partner_admin)
    assert again.pk == first.pk and again.note == "Pilot with our team"
    assert PartnerInterest.objects.count() == 1
    assert results.remove_interest(application=application, organisation=org,
                                   by=personas.partner_a)
    assert not results.remove_interest(application=application, organisation=org,
                                       by=personas.partner_a)
    assert [r.action for r in AuditLog.objects.filter(action__startswith="selection.interest")
            .order_by("pk")] == ["selection.interest_recorded", "selection.interest_changed",
                                 "selection.interest_removed"]


def test_a_note_over_the_limit_is_refused_not_cut(decided, personas):
    with pytest.raises(ValidationError) as exc:
        results.record_interest(application=decided.applications[0],
                                organisation=personas.partner_a_org, note="가" * 501,
                                by=personas.partner_a)
    assert "500" in exc.value.messages[0] and "501" in exc.value.messages[0]
    assert not PartnerInterest.objects.exists()
    results.record_interest(application=decided.applications[0],
                            organisation=personas.partner_a_org, note="가" * 500,
                            by=personas.partner_a)


def test_another_partner_cannot_record_interest_in_the_track(decided, personas):
    with pytest.raises(ValidationError):
        results.record_interest(application=decided.applications[0],
                                organisation=personas.partner_b_org, by=personas.partner_b)


def test_the_database_keeps_one_interest_per_partner_and_application(decided, personas):
    kwargs = {"application": decided.applications[0], "organisation": personas.partner_a_org,
              "recorded_by": personas.partner_a}
    PartnerInterest.objects.create(**kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerInterest.objects.create(**kwargs)


def test_interests_for_selection_are_the_tracks_for_the_operator(decided, personas):
    results.record_interest(application=decided.applications[2],
                            organisation=personas.partner_a_org, note="관심",
                            by=personas.partner_a)
    interests = selectors.interests_for_selection(decided.selection)
    assert {pk: [(i.organisation, i.note) for i in rows] for pk, rows in interests.items()} == {
        decided.applications[2].pk: [(personas.partner_a_org, "관심")]}


def test_results_announced_predicate_follows_the_clock(world, personas, submitted):
    d = make_decided(world, personas, submitted, announced=False)
    outcome = d.outcomes[0]
    assert not personas.startup_a.has_perm("selection.consent_to_publish", outcome)
    with time_machine.travel(d.policy.announcement_at + SECOND, tick=False):
        assert personas.startup_a.has_perm("selection.consent_to_publish", outcome)
        assert not personas.startup_a_member.has_perm("selection.consent_to_publish", outcome)
    assert timezone.now() < d.policy.announcement_at


def test_the_evaluation_page_holds_the_deciding_stage_s_reasons_until_the_announcement(
        world, personas, submitted, client_for):
    """The applicant's evaluation page (evaluation app) shows reasons once a stage ends; for
    the stage a selection decides from, they wait for the announcement of the results."""
    import datetime as dt

    from django.utils import timezone

    from kbridge.evaluation.ranking import has_published_reasons
    from tests.selection.world import decided as make_decided

    d = make_decided(world, personas, submitted, announced=False)
    client = client_for(personas.startup_a)
    url = f"/applications/{submitted.pk}/evaluation/"
    assert not has_published_reasons(submitted.pk)
    assert "평가위원 1" not in client.get(url).content.decode()
    d.policy.announcement_at = timezone.now() - dt.timedelta(seconds=1)
    d.policy.save(update_fields=["announcement_at"])
    assert has_published_reasons(submitted.pk)
    assert "평가위원 1" in client.get(url).content.decode()
