"""Drafts, submission at the deadline, idempotency, versions, withdrawal and extensions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from kbridge.applications import services
from kbridge.applications.models import Application, Submission
from kbridge.core.models import AuditLog
from tests.applications.conftest import complete_answers
from tests.factories import ApplicationFactory, TrackFactory, kst

# --- starting ---------------------------------------------------------------------------------

def test_only_the_representative_starts_an_application(world, personas):
    from kbridge.accounts.models import Membership
    from tests.factories import MembershipFactory

    member = MembershipFactory(organisation=personas.startup_a_org,
                               role=Membership.Role.STARTUP_MEMBER).user
    with pytest.raises(ValidationError):
        services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                                   by=member)
    application = services.start_application(track=world.track_a,
                                             applicant=personas.startup_a_org,
                                             by=personas.startup_a)
    assert application.status == Application.Status.DRAFT
    assert AuditLog.objects.filter(action="application.started").count() == 1


def test_one_application_per_program(world, personas):
    first = services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                                       by=personas.startup_a)
    # Starting again on the same track reopens the same draft.
    assert services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                                      by=personas.startup_a) == first
    from django.utils import translation

    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services.start_application(track=world.track_b, applicant=personas.startup_a_org,
                                   by=personas.startup_a)
    assert "only one track per program" in exc.value.messages[0]
    assert "API" in exc.value.messages[0]  # names the existing application
    services.withdraw_application(application=first, by=personas.startup_a)
    second = services.start_application(track=world.track_b, applicant=personas.startup_a_org,
                                        by=personas.startup_a)
    assert second.track == world.track_b


def test_the_database_enforces_one_live_application(world, personas):
    from django.db import IntegrityError, transaction

    ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(track=world.track_b, applicant=personas.startup_a_org)


def test_programs_that_allow_several_applications_key_by_track(world, personas):
    world.program.one_application_per_program = False
    world.program.save()
    services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                               by=personas.startup_a)
    services.start_application(track=world.track_b, applicant=personas.startup_a_org,
                               by=personas.startup_a)
    assert Application.objects.filter(applicant=personas.startup_a_org).count() == 2


def test_applications_cannot_start_after_the_deadline(world, personas):
    world.call.deadline_at = kst(2020, 1, 1, 16)
    world.call.opens_at = kst(2019, 12, 1)
    world.call.save()
    with pytest.raises(services.SubmissionClosed):
        services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                                   by=personas.startup_a)


# --- drafts -----------------------------------------------------------------------------------

def test_draft_keeps_whatever_was_typed(draft, questions, personas):
    text_q, number_q = questions[0], questions[3]
    version = services.save_draft(
        application=draft, by=personas.startup_a,
        answers={str(text_q.pk): "x" * 3000, str(number_q.pk): "천만 원쯤"},
        declarations={}, base_version=draft.version)
    draft.refresh_from_db()
    assert version == draft.version == 2
    assert draft.answers[str(text_q.pk)] == "x" * 3000  # over the limit, kept
    assert draft.answers[str(number_q.pk)] == "천만 원쯤"  # not a number, kept
    assert draft.saved_at is not None


@pytest.mark.parametrize(("typed", "stored"), [
    ("350,000,000", 350_000_000), ("₩350,000,000", 350_000_000), ("350,000,000원", 350_000_000),
    ("３５０，０００，０００", 350_000_000), ("3억 5천만", 350_000_000), ("3억5000만원", 350_000_000),
    ("-5", -5), ("1.5", "1.5"), ("abc", "abc"),
])
def test_number_answers_are_read_as_people_write_amounts(typed, stored, draft, questions,
                                                         personas):
    """A number question reads amounts the way every money field does (issue 11, item 4);
    what it cannot read is kept as typed and reported at submission."""
    number_q = questions[3]
    services.save_draft(application=draft, by=personas.startup_a,
                        answers={str(number_q.pk): typed}, declarations={},
                        base_version=draft.version)
    draft.refresh_from_db()
    assert draft.answers[str(number_q.pk)] == stored


def test_two_tabs_cannot_overwrite_each_other(draft, questions, personas):
    key = str(questions[0].pk)
    services.save_draft(application=draft, by=personas.startup_a, answers={key: "tab A"},
                        declarations={}, base_version=1)
    with pytest.raises(services.DraftConflict):
        services.save_draft(application=draft, by=personas.startup_a, answers={key: "tab B"},
                            declarations={}, base_version=1)
    draft.refresh_from_db()
    assert draft.answers[key] == "tab A"
    # An idle tab sending what is already stored is not a conflict.
    assert services.save_draft(application=draft, by=personas.startup_a,
                               answers={key: "tab A"}, declarations={}, base_version=1) == 2


# --- submission -------------------------------------------------------------------------------

def test_submit_creates_a_receipt_with_hashes(complete_draft, personas):
    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.SUBMITTED
    assert submission.receipt_number == f"KB2026-{complete_draft.pk:06d}-01"
    assert len(submission.answers_sha256) == 64
    assert [f["pages"] for f in submission.files] == [3, 3]
    assert submission.profile["business_registration_number"] == "220-81-62517"
    row = AuditLog.objects.get(action="application.submitted")
    assert row.after["receipt"] == submission.receipt_number
    assert row.after["answers_sha256"] == submission.answers_sha256


def test_submitting_the_same_version_twice_returns_the_same_receipt(complete_draft, personas):
    first = services.submit_application(application=complete_draft, by=personas.startup_a,
                                        draft_version=complete_draft.version)
    again = services.submit_application(application=complete_draft, by=personas.startup_a,
                                        draft_version=complete_draft.version)
    assert first == again
    assert Submission.objects.count() == 1


def test_edits_before_the_deadline_make_a_new_version(complete_draft, questions, personas,
                                                      profile_a):
    first = services.submit_application(application=complete_draft, by=personas.startup_a,
                                        draft_version=complete_draft.version)
    version = services.save_draft(application=complete_draft, by=personas.startup_a,
                                  answers={str(questions[0].pk): "개정된 개요"},
                                  declarations={}, base_version=complete_draft.version)
    complete_draft.refresh_from_db()
    assert complete_draft.has_unsubmitted_changes
    # Editing the profile later never changes what was submitted.
    services.save_profile(organisation=profile_a.organisation, by=personas.startup_a,
                          team_size=99)
    second = services.submit_application(application=complete_draft, by=personas.startup_a,
                                         draft_version=version)
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.answers_sha256 != second.answers_sha256
    assert first.profile["team_size"] == 12
    assert second.profile["team_size"] == 99


def test_incomplete_or_ineligible_drafts_are_refused_with_every_reason(draft, questions,
                                                                       personas):
    with pytest.raises(services.SubmissionInvalid) as exc:
        services.submit_application(application=draft, by=personas.startup_a,
                                    draft_version=draft.version)
    errors = exc.value.errors
    required = [f"q_{q.pk}" for q in questions if q.required]
    assert sorted(k for k in errors if k != "eligibility") == sorted(required)
    assert Submission.objects.count() == 0


def test_a_stale_page_cannot_submit(complete_draft, personas):
    with pytest.raises(services.DraftConflict):
        services.submit_application(application=complete_draft, by=personas.startup_a,
                                    draft_version=complete_draft.version - 1)


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, False), (1, False)])
def test_deadline_boundary_by_the_server_clock(complete_draft, personas, world, offset,
                                               accepted):
    deadline = kst(2027, 12, 15, 16, 0, 0)
    world.call.deadline_at = deadline
    world.call.save()
    with time_machine.travel(deadline + dt.timedelta(seconds=offset), tick=False):
        if accepted:
            submission = services.submit_application(
                application=complete_draft, by=personas.startup_a,
                draft_version=complete_draft.version)
            assert submission.submitted_at == deadline - dt.timedelta(seconds=1)
        else:
            with pytest.raises(services.SubmissionClosed):
                services.submit_application(application=complete_draft,
                                            by=personas.startup_a,
                                            draft_version=complete_draft.version)
            assert Submission.objects.count() == 0


def test_extension_for_one_applicant_moves_only_their_deadline(complete_draft, personas, world):
    deadline = kst(2027, 12, 15, 16)
    world.call.deadline_at = deadline
    world.call.save()
    with pytest.raises(ValidationError):
        services.grant_extension(call=world.call, by=personas.operator,
                                 deadline_at=deadline + dt.timedelta(hours=2), reason="  ",
                                 applicant=personas.startup_a_org)
    services.grant_extension(call=world.call, by=personas.operator,
                             deadline_at=deadline + dt.timedelta(hours=2),
                             reason="포털 장애로 업로드 실패(상담 기록 2027-12-15 15:40)",
                             applicant=personas.startup_a_org)
    other = ApplicationFactory(track=TrackFactory(call=world.call, partner=world.partner_b),
                               applicant=personas.startup_b_org)
    with time_machine.travel(deadline + dt.timedelta(hours=1), tick=False):
        services.submit_application(application=complete_draft, by=personas.startup_a,
                                    draft_version=complete_draft.version)
        with pytest.raises(services.SubmissionClosed):
            services.submit_application(application=other, by=personas.startup_b,
                                        draft_version=other.version)
    row = AuditLog.objects.get(action="call.deadline_extended")
    assert row.after["applicant"] == personas.startup_a_org.pk
    assert row.after["reason"].startswith("포털 장애")


def test_whole_call_extension(complete_draft, personas, world):
    deadline = kst(2027, 12, 15, 16)
    world.call.deadline_at = deadline
    world.call.save()
    services.grant_extension(call=world.call, by=personas.operator,
                             deadline_at=deadline + dt.timedelta(days=1),
                             reason="Ministry notice 2027-51: extended for all applicants")
    with time_machine.travel(deadline + dt.timedelta(hours=5), tick=False):
        services.submit_application(application=complete_draft, by=personas.startup_a,
                                    draft_version=complete_draft.version)


def test_withdrawal_is_audited(complete_draft, personas):
    services.withdraw_application(application=complete_draft, by=personas.startup_a,
                                  reason="다른 트랙에 지원")
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.withdraw_application(application=complete_draft, by=personas.startup_a)
    assert AuditLog.objects.get(action="application.withdrawn").after["reason"] == "다른 트랙에 지원"


def test_duplicate_funding_is_checked_against_the_programs_selections(complete_draft, world,
                                                                      personas):
    ApplicationFactory(track=TrackFactory(call=world.draft_call, partner=world.partner_b),
                       applicant=personas.startup_a_org, status=Application.Status.SELECTED,
                       exclusivity_key="earlier-round")
    with pytest.raises(services.SubmissionInvalid) as exc:
        services.submit_application(application=complete_draft, by=personas.startup_a,
                                    draft_version=complete_draft.version)
    assert len(exc.value.errors["eligibility"]) == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs real concurrent transactions (runs on PostgreSQL in CI)")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submits_create_exactly_one_submission(world, personas, questions,
                                                               profile_a):
    from django.db import connections

    draft = ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                               created_by=personas.startup_a)
    services.save_draft(application=draft, by=personas.startup_a,
                        answers=complete_answers(questions), declarations={},
                        base_version=draft.version)
    for q in questions:  # files are optional for this test
        if q.kind == "file":
            q.required = False
            q.save()
    draft.refresh_from_db()
    barrier = threading.Barrier(50)
    receipts, errors = [], []

    def submit():
        try:
            barrier.wait()
            receipts.append(services.submit_application(
                application=draft, by=personas.startup_a,
                draft_version=draft.version).receipt_number)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(receipts)) == 1 and len(receipts) == 50
    assert Submission.objects.filter(application=draft).count() == 1
    assert AuditLog.objects.filter(action="application.submitted").count() == 1


def test_a_tabs_own_saves_in_flight_are_not_conflicts(draft, questions, personas):
    key = str(questions[0].pk)
    # Tab A's autosave and its explicit save both start from version 1.
    assert services.save_draft(application=draft, by=personas.startup_a, answers={key: "A1"},
                               declarations={}, base_version=1, editor="tab-a") == 2
    assert services.save_draft(application=draft, by=personas.startup_a, answers={key: "A2"},
                               declarations={}, base_version=1, editor="tab-a") == 3
    # Tab B never saw A's changes: conflict, nothing overwritten.
    with pytest.raises(services.DraftConflict):
        services.save_draft(application=draft, by=personas.startup_a, answers={key: "B"},
                            declarations={}, base_version=1, editor="tab-b")
    # B reloads (version 3) and saves; now A's stale page conflicts in turn.
    assert services.save_draft(application=draft, by=personas.startup_a, answers={key: "B"},
                               declarations={}, base_version=3, editor="tab-b") == 4
    with pytest.raises(services.DraftConflict):
        services.save_draft(application=draft, by=personas.startup_a, answers={key: "A3"},
                            declarations={}, base_version=3, editor="tab-a")
    draft.refresh_from_db()
    assert draft.answers[key] == "B"


def test_the_receipt_is_emailed_through_the_task_queue(complete_draft, personas, run_tasks,
                                                       django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_application(
            application=complete_draft, by=personas.startup_a,
            draft_version=complete_draft.version)
    run_tasks()
    message = mail.outbox[-1]
    assert message.to == [personas.startup_a.email]
    assert submission.receipt_number in message.subject
    assert submission.answers_sha256 in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"{submission.receipt_number}.txt", "text/plain")


def test_the_receipt_task_is_written_in_the_submission_transaction(complete_draft, personas,
                                                                   django_capture_on_commit_callbacks):
    """No window between commit and enqueue where a crash could lose the receipt e-mail."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submit_application(application=complete_draft,
                                                 by=personas.startup_a,
                                                 draft_version=complete_draft.version)
    row = DBTaskResult.objects.get(task_path__endswith="email_receipt")
    assert row.args_kwargs["args"] == [submission.pk]


def test_no_withdrawal_once_the_call_s_results_are_announced(complete_draft, personas, world,
                                                             client_for):
    """From the announcement day (KST) the outcome stands: a selected company declines its
    agreement instead (issue 17's tester withdrew a selected application)."""
    import datetime as dt

    from django.utils import timezone

    world.call.announcement_on = timezone.localdate()
    world.call.save(update_fields=["announcement_on"])
    complete_draft.refresh_from_db()
    assert not complete_draft.may_withdraw
    with pytest.raises(ValidationError):
        services.withdraw_application(application=complete_draft, by=personas.startup_a)
    page = client_for(personas.startup_a).get(f"/applications/{complete_draft.pk}/")
    assert 'class="withdraw"' not in page.content.decode()
    world.call.announcement_on = timezone.localdate() + dt.timedelta(days=1)
    world.call.save(update_fields=["announcement_on"])
    complete_draft.refresh_from_db()
    assert complete_draft.may_withdraw
