"""The demo command seeds a realistic program, and running it twice changes nothing."""

from django.core.management import call_command

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.programs.models import Call, Partner, Track


def test_seed_demo_creates_the_program_and_prints_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "operator@kbridge.demo" in out and "openai@kbridge.demo" in out
    assert "kbridge-demo-2026" in out
    # A second run prints the same logins (existing_logins) as the first.
    from kbridge.portal.demo import existing_logins

    for email in existing_logins().values():
        assert email in out, email

    kised = Organisation.objects.get(name_en="KISED")
    assert sorted(Partner.objects.filter(program__year=2026, program__operator=kised)
                  .values_list("organisation__name_en", flat=True)) == [
        "AWS", "Google", "Microsoft", "NVIDIA", "OpenAI"]
    # Every partner company record is managed by one agency (the tenancy model).
    assert not Organisation.objects.filter(kind="partner", agency__isnull=True).exists()
    open_call = Call.objects.get(program__year=2026, program__operator=kised,
                                 title_en__endswith="call for startups")
    assert open_call.is_open()
    assert sorted(open_call.tracks.filter(partner__organisation__name_en="OpenAI")
                  .values_list("name_en", flat=True)) == ["API track", "Collaboration track"]
    assert Membership.objects.filter(role=Membership.Role.STARTUP_REPRESENTATIVE,
                                     user__email__startswith="startup").count() == 120
    assert Membership.objects.filter(role=Membership.Role.EVALUATOR).count() == 30
    startup = Organisation.objects.filter(kind="startup").first()
    assert startup.description_ko and startup.description_en
    assert User.objects.get(email="startup001@kbridge.demo").check_password("kbridge-demo-2026")

    from kbridge.applications.models import Application, Submission
    from kbridge.applications.selectors import findings_for

    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "withdrawn"}
    drafts = list(Application.objects.filter(status="draft").select_related("call", "track"))
    assert any(findings_for(drafts).values()), "some drafts are ineligible"
    assert Submission.objects.count() >= 15

    _evaluation_has_something_for_every_role()
    _selection_is_announced_and_concluded(out)
    _events_are_seeded(out)
    _alliance_is_seeded(out)
    _texts_have_no_particle_placeholders()

    # A second agency shares the installation; its operator reaches nothing of KISED's.
    assert "operator2@kbridge.demo" in out
    second = Organisation.objects.get(name_en="Seoul Business Agency")
    assert Call.objects.get(program__operator=second).status == "draft"

    counts = (User.objects.count(), Track.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Track.objects.count()) == counts


def _events_are_seeded(out):
    """The 2023 meetup as it happened (334 registered, 100 chosen by fit review and a lottery
    anyone can re-run, a Q&A, a meeting day), an event running today, one taking
    registrations."""
    from django.db.models import Count
    from django.utils import timezone

    from kbridge.engine import lottery
    from kbridge.events.models import (
        Event,
        MeetingPlacement,
        Question,
        Registration,
        Vote,
    )

    meetup = Event.objects.get(title_en="K-Startups meet OpenAI", starts_at__year=2023)
    statuses = dict(meetup.registrations.values_list("status").annotate(n=Count("id")))
    assert sum(statuses.values()) == 334
    assert statuses["chosen"] == 100
    assert meetup.registrations.filter(chosen_via="review").count() == 30
    draw = meetup.lottery
    assert lottery.verify(draw.seed, draw.seed_sha256)
    assert lottery.draw(draw.seed, draw.entrants, draw.places) == draw.winners
    assert meetup.registrations.filter(chosen_via="waitlist").count() == 1
    assert meetup.check_ins.count() >= 90
    assert Question.objects.filter(event=meetup).count() == 16
    assert Vote.objects.filter(question__event=meetup).count() > 300
    assert Question.objects.filter(event=meetup, merged_into__isnull=False).count() == 2
    assert MeetingPlacement.objects.filter(request__event=meetup).count() >= 30
    now = timezone.now()
    today = Event.objects.get(title_en="GenAI Startup Day with AWS")
    assert today.starts_at <= now < today.ends_at
    assert today.registrations.filter(status=Registration.Status.CHOSEN).count() == 40
    upcoming = Event.objects.get(title_en="K-Startups meet NVIDIA")
    assert upcoming.registration_is_open(now)
    assert "startup (2023 meetup, lottery)" in out


PLACEHOLDERS = ("(을)", "(를)", "(이)", "(가)", "(은)", "(는)", "(과)", "(와)", "(으)")


def _texts_have_no_particle_placeholders():
    """Every Korean sentence the demo builds picks its particles (core/josa.py): no
    "NPU을(를)" or "노바모션는" (or "구글는") in any text the seed writes. (Checked on the one
    full seed of the test above: a seed of its own cost CI two minutes.)"""
    from django.apps import apps
    from django.db import models

    from kbridge.alliance.models import AllianceMember
    from kbridge.core.josa import josa

    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("kbridge."):
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        for row in model.objects.values_list("pk", *fields):
            text = " ".join(str(value) for value in row[1:])
            found += [f"{model.__name__} {row[0]}: {p}" for p in PLACEHOLDERS if p in text]
    assert found == []
    subjects = [org.description_ko.split(" ", 1)[0]
                for org in Organisation.objects.filter(kind="startup")]
    assert all(s == josa(s[:-1], "은") for s in subjects)
    assert {s[-1] for s in subjects} == {"은", "는"}  # 딥실리콘은, 뉴로칩스는
    partners = [m.description_ko.split(" ", 1)[0] for m in AllianceMember.objects.filter(
        kind=AllianceMember.Kind.PARTNER).exclude(description_ko="")]
    assert partners and all(s == josa(s[:-1], "은") for s in partners)  # 구글은, 오픈AI는


def _alliance_is_seeded(out):
    """Issue 16: three cohorts reporting, the dashboard's totals the sums of the approved
    reports, one report in review, one returned with its comment, one due within 30 days,
    tranches released where their report is approved, collaborations at every stage, a
    listed directory with bilingual profiles, and the public page showing every cohort."""
    import datetime as dt

    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from kbridge.alliance import selectors_kpis
    from kbridge.alliance.models import (
        AllianceMember,
        Collaboration,
        FollowOnInvestment,
        MilestoneReport,
        TrancheRelease,
    )
    from kbridge.core.models import AuditLog
    from kbridge.portal.demo_alliance import RETURN_COMMENT
    from kbridge.selection.models import Agreement

    today = timezone.localdate()
    cohorts = set(Agreement.objects.filter(status="accepted").values_list(
        "outcome__application__program__year", flat=True))
    assert cohorts == {today.year - 3, today.year - 2, today.year - 1}
    approved = MilestoneReport.objects.filter(status="approved")
    operator = User.objects.get(email="operator@kbridge.demo")
    totals = selectors_kpis.kpi_totals(selectors_kpis.approved_reports_for(operator))
    sums = approved.aggregate(jobs=Sum("jobs_created"), revenue=Sum("revenue_krw"))
    assert (totals.reports, totals.jobs_created, totals.revenue_krw) == (
        approved.count(), sums["jobs"], sums["revenue"])
    assert totals.investment_krw == FollowOnInvestment.objects.filter(
        report__status="approved").aggregate(s=Sum("amount_krw"))["s"] > 0
    assert totals.mergers == 1 and totals.overseas_firms > 0
    assert {y for y, _k in selectors_kpis.kpis_by_year(approved)} >= {
        today.year - 3, today.year - 2, today.year - 1}
    returned = MilestoneReport.objects.get(status="returned")
    assert returned.review_comment == RETURN_COMMENT
    assert returned.reviews.filter(action="returned", comment=RETURN_COMMENT).exists()
    assert MilestoneReport.objects.filter(status="submitted").count() == 1
    assert MilestoneReport.objects.filter(
        status="due", due_on__gt=today, due_on__lte=today + dt.timedelta(days=30)).exists()
    assert not MilestoneReport.objects.filter(status="due", due_on__lt=today).exists()
    for release in TrancheRelease.objects.filter(tranche__gt=1):
        assert release.agreement.milestone_reports.get(
            unlocks_tranche=release.tranche).status == "approved"
    assert AuditLog.objects.filter(action="alliance.tranche_released").count() == \
        TrancheRelease.objects.count() > 0
    assert set(Collaboration.objects.values_list("stage", flat=True)) == {
        "proposed", "agreed", "running", "done", "dropped"}
    assert Collaboration.objects.filter(meeting_outcome__isnull=False).exclude(
        stage="proposed").exists()
    listed = AllianceMember.objects.filter(listed=True, status="active")
    assert listed.filter(kind="partner").count() == 5 and listed.filter(kind="selected").exists()
    assert all(m.headline_ko and m.headline_en and m.description_en for m in listed)
    cells = selectors_kpis.public_outcomes()
    assert {c.program.year for c in cells if not c.suppressed} == cohorts
    for label in ("startup (report returned)", "startup (report in review)",
                  "startup (report due soon)"):
        assert label in out
    client = Client()
    client.force_login(returned.submitted_by)
    assert RETURN_COMMENT in client.get(f"/alliance/reports/{returned.pk}/").content.decode()


def _evaluation_has_something_for_every_role():
    """Issue 13: a call in document evaluation (assignments, some scores submitted, some
    not; a conflict detected and one declared) and last year's call with both stages done."""
    from django.utils import timezone

    from kbridge.evaluation.models import Assignment, Conflict, ReasonRating, Scoresheet, Stage

    now = timezone.now()
    current = Stage.objects.get(kind="document", opens_at__lte=now, closes_at__gt=now)
    assert current.is_open() and current.runs.filter(applied_at__isnull=False).exists()
    sheets = Scoresheet.objects.filter(assignment__stage=current)
    assert sheets.filter(status="submitted").exists() and sheets.filter(status="draft").exists()
    assert {c.source for c in Conflict.objects.filter(application__call=current.call)} == {
        "detected", "recusal"}
    evaluator = User.objects.get(email="evaluator01@kbridge.demo")
    mine = Scoresheet.objects.filter(assignment__stage=current, assignment__evaluator=evaluator)
    assert mine.filter(status="submitted").count() == 2 and mine.count() >= 4
    # Last year's call (the alliance demo's older cohorts have their own closed stages).
    past = Stage.objects.filter(closes_at__lt=now, call__program__year=now.year - 1)
    assert sorted(past.values_list("kind", flat=True)) == ["document", "presentation"]
    for stage in past:
        assert not Scoresheet.objects.filter(assignment__stage=stage, status="draft").exists()
    presentation = past.get(kind="presentation")
    assert presentation.panels.count() == 2 and presentation.shortlist.count() >= 12
    assert Assignment.objects.filter(stage=presentation, panel__isnull=True).count() == 0
    assert ReasonRating.objects.count() >= 5


def _selection_is_announced_and_concluded(out):
    """Issue 14: last year's call selected within budget and announced; a selected startup
    dropped for duplicate funding and its place taken by the waitlist; agreements accepted;
    an appeal answered and one waiting; each shown to the login the seed prints."""
    from django.test import Client
    from django.utils import timezone

    from kbridge.selection.models import (
        Agreement,
        Appeal,
        FundingRecord,
        Offer,
        Outcome,
        PartnerInterest,
        Selection,
    )

    last_year = timezone.localdate().year - 1  # the older cohorts are the alliance demo's
    selections = list(Selection.objects.filter(track__call__program__year=last_year)
                      .select_related("track__call__selection_policy"))
    assert len(selections) == 2 and all(s.is_confirmed for s in selections)
    policy = selections[0].track.call.selection_policy
    assert policy.announcement_at < timezone.now() and policy.waitlist_length == 3
    assert policy.tie_break_criterion in {c.title_ko for c in selections[0].stage.criteria.all()}
    for selection in selections:
        selected = selection.outcomes.filter(status="selected")
        assert selected.count() == selection.track.quota
        assert sum(o.award_krw for o in selected) <= selection.budget_krw
        assert selection.outcomes.filter(status="waitlisted").exists()

    dropped = Outcome.objects.get(status="dropped")
    assert dropped.reason_code == "duplicate_funding"
    assert FundingRecord.objects.filter(
        business_registration_number=dropped.application.applicant.profile
        .business_registration_number.replace("-", "")).exists()
    offer = Offer.objects.get()
    assert offer.status == "accepted" and offer.outcome.status == "selected"
    assert offer.outcome.reason_code == "promoted"

    agreements = Agreement.objects.filter(outcome__selection__in=selections)
    assert agreements.count() == Outcome.objects.filter(status="selected",
                                                        selection__in=selections).count()
    assert {a.status for a in agreements} == {"accepted"}
    assert all(a.documents.count() == 3 for a in agreements)

    answered = Appeal.objects.get(status="rejected")
    assert answered.answer and answered.criteria_cited.exists()
    assert Appeal.objects.filter(status="filed").count() == 1
    assert PartnerInterest.objects.count() == 1

    def page(email, url):
        client = Client()
        client.force_login(User.objects.get(email=email))
        return client.get(url)

    winner = Outcome.objects.filter(status="selected", reason_code="within_quota").order_by(
        "selection__track__position", "rank").select_related("application__created_by").first()
    email = winner.application.created_by.email
    assert email in out  # printed as "startup (selected last year)"
    assert page(email, f"/applications/{winner.application_id}/result/").status_code == 200
    assert page(email, f"/applications/{winner.application_id}/agreement/").status_code == 200
    waiting = Appeal.objects.get(status="filed").outcome.application
    assert waiting.created_by.email in out
    assert page(waiting.created_by.email,
                f"/applications/{waiting.pk}/appeal/").status_code == 200
    call_id = selections[0].track.call_id
    assert page("operator@kbridge.demo",
                f"/manage/selection/calls/{call_id}/").status_code == 200
    assert page("openai@kbridge.demo", "/partner/selection/").status_code == 200
