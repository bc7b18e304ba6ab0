"""Every page that lists things costs the same number of SQL queries with 1 item as with 3
(issue 10, item 7): no page runs a query per row.

Each case names a persona, the page's URL and a function that adds one more item of what the
page lists (and returns a text the page must then show, so the item is really on the page).
The test adds one item, requests the page once (a session's first request also touches the
session), counts the queries of a second request, adds two more items and counts again.
Where the shared world already holds one item of the kind, ``first`` says so and the world's
item is the "1".

``test_every_url_name_is_a_list_page_with_a_case_or_declared_not_one`` fails when a URL name
appears that is neither covered here nor declared "not a list page" below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone

from tests.evaluation.feedback_world import (
    add_published_reasons,
    add_ranked_application,
    ranking_url,
    reasons_url,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerFactory,
    ProgramFactory,
    QuestionFactory,
    StartupProfileFactory,
    SupportItemFactory,
    TrackFactory,
    UserFactory,
)
from tests.selection import appeal_world, results_world

_serial = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix}{next(_serial):04d}"


class Ctx:
    """The world, the personas, and the containers the cases fill (made on first use)."""

    def __init__(self, world, personas):
        self.world, self.personas = world, personas
        self._made: dict[str, object] = {}

    def once(self, key: str, make: Callable[[], object]):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    # --- containers ---------------------------------------------------------------------------

    @property
    def empty_call(self):
        """A published, open call of the world's program with no tracks yet."""
        return self.once("empty_call", lambda: CallFactory(
            program=self.world.program, title_ko="빈 공고", title_en="Empty call"))

    @property
    def empty_program(self):
        """A program of KISED's with no partners and no calls."""
        return self.once("empty_program", lambda: ProgramFactory(
            operator=self.personas.operator_org, year=2027))

    @property
    def empty_program_partner(self):
        return self.once("empty_program_partner", lambda: self.add_partner(self.empty_program))

    @property
    def empty_program_call(self):
        return self.once("empty_program_call", lambda: CallFactory(program=self.empty_program))

    @property
    def bare_track(self):
        """A track of partner A without support items."""
        return self.once("bare_track", lambda: TrackFactory(call=self.empty_call,
                                                            partner=self.world.partner_a))

    @property
    def profile_a(self):
        return self.once("profile_a", lambda: StartupProfileFactory(
            organisation=self.personas.startup_a_org, representative=self.personas.startup_a))

    @property
    def draft(self):
        """Startup A's draft application to partner A's track."""
        def make():
            self.profile_a  # noqa: B018 (made for its side effect)
            return ApplicationFactory(track=self.world.track_a,
                                      applicant=self.personas.startup_a_org,
                                      created_by=self.personas.startup_a)
        return self.once("draft", make)

    @property
    def submitted(self):
        """Startup A's submitted application with the standard questions and its files."""
        from kbridge.applications import services
        from tests.applications.conftest import complete_answers

        def make():
            questions = services.add_standard_questions(call=self.world.call,
                                                        by=self.personas.operator)
            application = self.draft
            services.save_draft(application=application, by=self.personas.startup_a,
                                answers=complete_answers(questions), declarations={},
                                base_version=application.version)
            for q in questions:
                if q.kind == "file":
                    self.attach(application, q)
            application.refresh_from_db()
            services.submit_application(application=application, by=self.personas.startup_a,
                                        draft_version=application.version)
            application.refresh_from_db()
            return application
        return self.once("submitted", make)

    # --- makers ---------------------------------------------------------------------------------

    def add_partner(self, program):
        name = _name("파트너")
        org = OrganisationFactory(kind="partner", name_ko=name, name_en=name,
                                  agency=self.personas.operator_org)
        return PartnerFactory(program=program, organisation=org, sub_program_ko=f"{name} 프로그램",
                              sub_program_en=f"{name} program")

    def add_track(self, call, partner=None) -> str:
        name = _name("트랙")
        track = TrackFactory(call=call, partner=partner or self.world.partner_a,
                             name_ko=name, name_en=name)
        SupportItemFactory(track=track, description_ko=f"{name} 크레딧",
                           description_en=f"{name} credits")
        return name

    def add_call(self, program, **dates) -> str:
        title = _name("공고")
        call = CallFactory(program=program, title_ko=title, title_en=title, **dates)
        partner = (self.world.partner_a if program == self.world.program
                   else self.empty_program_partner)
        self.add_track(call, partner)
        return title

    def add_startup(self, *, discoverable=False, name=None):
        name = name or _name("스타트업")
        org = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
        StartupProfileFactory(organisation=org, representative=UserFactory(),
                              discoverable=discoverable,
                              technology_keywords=["NPU", "edge AI", name])
        return org

    def add_application(self, *, track=None, status="submitted", name=None) -> str:
        org = self.add_startup(name=name)
        track = track or (self.world.track_a if next(_serial) % 2 else self.world.track_b)
        ApplicationFactory(track=track, applicant=org, status=status,
                           submitted_at=timezone.now() if status != "draft" else None)
        return org.name_ko

    def attach(self, application, question):
        from kbridge.applications import services
        from kbridge.applications.uploads import CheckedPDF
        from tests.applications.conftest import make_pdf

        data = make_pdf(2)
        name = f"{_name('file')}.pdf"
        services.attach_file(application=application, question=question,
                             by=self.personas.startup_a,
                             checked=CheckedPDF(data=data, size=len(data), pages=2,
                                                sha256=hashlib.sha256(data).hexdigest(),
                                                original_name=name))
        return name


def _evaluation_stage(ctx):
    """The world's call with an ended document evaluation and a presentation evaluation."""
    from kbridge.evaluation import pledge
    from kbridge.evaluation.models import Stage

    def make():
        now = timezone.now()
        Stage.objects.create(call=ctx.world.call, kind="presentation",
                             opens_at=now + dt.timedelta(days=1),
                             closes_at=now + dt.timedelta(days=2), pledge_version=pledge.CURRENT)
        return Stage.objects.create(call=ctx.world.call, kind="document",
                                    opens_at=now - dt.timedelta(days=20),
                                    closes_at=now - dt.timedelta(days=10),
                                    pledge_version=pledge.CURRENT)

    return ctx.once("evaluation_stage", make)


def _scored_application(ctx):
    """One more application with a submitted document score (one more shortlist row)."""
    from decimal import Decimal

    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Assignment, Scoresheet

    stage = _evaluation_stage(ctx)
    name = ctx.add_application(track=ctx.world.track_a)
    assignment = Assignment.objects.create(
        stage=stage, application=Application.objects.get(applicant__name_ko=name),
        evaluator=UserFactory())
    Scoresheet.objects.create(assignment=assignment, status="submitted", total=Decimal("70"))
    return name


def _stage_evaluator(ctx):
    """One more evaluator with an assignment in the stage (one more progress row)."""
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Assignment

    stage = _evaluation_stage(ctx)
    name = _name("평가위원")
    application = Application.objects.get(applicant__name_ko=ctx.add_application())
    Assignment.objects.create(stage=stage, application=application,
                              evaluator=UserFactory(full_name=name))
    return name


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    url_name: str
    persona: str  # a name of tests.conftest.PERSONA_NAMES
    url: Callable[[Ctx], str]
    add: Callable[[Ctx], str | None]
    # Makes the page list its first item when that is not one ``add`` (the world's own item).
    first: Callable[[Ctx], str | None] | None = None
    # Ranking pages keep their corpus warm between requests (matching.selectors.INDEXES): a
    # request after a change re-reads the corpus, one before it does not. Both measured
    # requests then start cold, so what is compared is the rebuild at one and three items.
    cold: bool = False


def _no_public_call(ctx):
    """The public list starts empty: the world's open call goes back to draft."""
    from kbridge.programs.models import Call

    Call.objects.filter(pk=ctx.world.call.pk).update(status=Call.Status.DRAFT)


def _first_open_call(ctx):
    _no_public_call(ctx)
    return ctx.add_call(ctx.world.program)


def _upcoming(ctx):
    now = timezone.now()
    return ctx.add_call(ctx.world.program, opens_at=now + dt.timedelta(days=3),
                        deadline_at=now + dt.timedelta(days=20))


def _closed(ctx):
    now = timezone.now()
    return ctx.add_call(ctx.world.program, opens_at=now - dt.timedelta(days=30),
                        deadline_at=now - dt.timedelta(days=3))


def _open_call_with_tracks(ctx):
    _no_public_call(ctx)
    return ctx.add_track(ctx.empty_call)


def _invitation(ctx):
    from kbridge.accounts import services

    email = f"{_name('staff')}@openai.example"
    services.invite(organisation=ctx.personas.partner_a_org, email=email, role="partner",
                    by=ctx.personas.operator)
    return email


def _member(ctx):
    name = _name("팀원")
    MembershipFactory(organisation=ctx.personas.startup_a_org, role="startup_member",
                      user=UserFactory(full_name=name))
    return name


def _member_invitation(ctx):
    from kbridge.accounts import services

    email = f"{_name('member')}@neurochips.example"
    services.invite_startup_member(organisation=ctx.personas.startup_a_org, email=email,
                                   by=ctx.personas.startup_a)
    return email


def _my_application(ctx):
    """Another application of startup A, each to a track of a program of its own."""
    ctx.profile_a  # noqa: B018
    call = CallFactory(program=ProgramFactory(operator=ctx.personas.operator_org))
    partner = PartnerFactory(program=call.program, organisation=ctx.personas.partner_a_org)
    name = ctx.add_track(call, partner)
    from kbridge.programs.models import Track

    ApplicationFactory(track=Track.objects.get(name_ko=name), applicant=ctx.personas.startup_a_org,
                       created_by=ctx.personas.startup_a)
    return name


def _extension(ctx):
    from kbridge.applications import services

    reason = _name("연장사유")
    services.grant_extension(call=ctx.world.call, by=ctx.personas.operator,
                             deadline_at=ctx.world.call.deadline_at + dt.timedelta(days=1),
                             reason=reason, applicant=ctx.add_startup())
    return None  # the reason is not shown on the list; the applicant's name is


def _resubmission(ctx):
    """One more submitted version of the submitted application (one more receipt)."""
    from kbridge.applications import services

    application = ctx.submitted
    application.refresh_from_db()
    answers = dict(application.answers)
    text_pk = next(k for k, v in answers.items() if isinstance(v, str) and "NPU" in v)
    answers[text_pk] = f"{answers[text_pk]} {_name('v')}"
    version = services.save_draft(application=application, by=ctx.personas.startup_a,
                                  answers=answers, declarations={},
                                  base_version=application.version)
    submission = services.submit_application(application=application,
                                             by=ctx.personas.startup_a, draft_version=version)
    return submission.receipt_number


def _audit_entry(ctx):
    from kbridge.core import audit

    action = _name("application.noted")
    after, shown = _related_ids(ctx)
    audit.record(action, ctx.submitted, actor=UserFactory(), after=after)
    return shown


def _question(ctx):
    ctx.draft  # noqa: B018
    label = _name("질문")
    QuestionFactory(call=ctx.world.call, label_ko=label, label_en=label)
    return label


def _edit_attachment(ctx):
    label = _name("첨부질문")
    question = QuestionFactory(call=ctx.world.call, kind="file", label_ko=label, label_en=label,
                               max_length=None)
    return ctx.attach(ctx.draft, question)


def _audit_row(ctx):
    from kbridge.core import audit

    action = _name("program.noted")
    after, shown = _related_ids(ctx)
    audit.record(action, ctx.world.program, actor=UserFactory(), after=after)
    return shown


def _related_ids(ctx) -> tuple[dict, str]:
    """An audit payload naming rows of other tables by id, and the company's name, which the
    page looks up and shows."""
    startup = ctx.add_startup()
    return {"applicant": startup.pk, "organisation": startup.pk,
            "user": UserFactory().pk, "track": TrackFactory(call=ctx.empty_call).pk,
            "status": "submitted", "role": "startup_member"}, startup.name_ko


def _delivery(ctx, status="failed"):
    from django.core.mail import EmailMessage

    from kbridge.core.mail import queue_email
    from kbridge.core.models import EmailDelivery

    subject = _name("접수증")
    delivery = queue_email(EmailMessage(subject, "본문", "no-reply@kbridge.example",
                                        [f"{_name('to')}@example.kr"]),
                           organisation=ctx.personas.operator_org)
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=status, last_error="550 busy")
    return subject


def _support_item(ctx):
    description = _name("지원")
    SupportItemFactory(track=ctx.bare_track, description_ko=description, description_en=description)
    return description


def _agency_partner(ctx):
    """A partner company KISED manages that the world's program does not have yet."""
    name = _name("협력사")
    OrganisationFactory(kind="partner", name_ko=name, name_en=name,
                        agency=ctx.personas.operator_org)
    return name


def _partner_b_track(ctx):
    return ctx.add_track(ctx.empty_call, ctx.world.partner_b)


def _open_track(ctx):
    ctx.profile_a  # noqa: B018
    return ctx.add_track(ctx.empty_call)


def _applicant(ctx):
    return ctx.add_application(track=ctx.world.track_a)


def _discoverable(ctx):
    return ctx.add_startup(discoverable=True).name_ko


def _applications(ctx):
    return f"/manage/calls/{ctx.world.call.pk}/applications/"


# --- evaluation: pool, pledge and conflicts ------------------------------------------------


def _stage(ctx):
    """Document evaluation of the world's call, open now; the evaluator invited and signed."""
    def make():
        from kbridge.evaluation import pledge
        from kbridge.evaluation.models import Stage, StageEvaluator

        now, text = timezone.now(), pledge.pledge()
        stage = Stage.objects.create(call=ctx.world.call, kind="document",
                                     opens_at=now - dt.timedelta(days=1),
                                     closes_at=now + dt.timedelta(days=6),
                                     pledge_version=text.version)
        StageEvaluator.objects.create(stage=stage, evaluator=ctx.personas.evaluator,
                                      invited_by=ctx.personas.operator,
                                      pledge_version=text.version, pledge_sha256=text.sha256,
                                      pledge_signed_at=now)
        return stage
    return ctx.once("stage", make)


def _pool_member(ctx):
    from kbridge.evaluation.models import EvaluatorProfile

    name = _name("평가위원")
    org = OrganisationFactory(kind="affiliation", name_ko=_name("소속"), name_en=_name("Aff"))
    user = MembershipFactory(organisation=org, role="evaluator",
                             user=UserFactory(full_name=name)).user
    EvaluatorProfile.objects.create(user=user, affiliation=org, expert_type="vc")
    return user


def _invited(ctx):
    from kbridge.evaluation.models import StageEvaluator

    user = _pool_member(ctx)
    StageEvaluator.objects.create(stage=_stage(ctx), evaluator=user,
                                  invited_by=ctx.personas.operator)
    return user.full_name


def _stage_conflict(ctx):
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Conflict

    _stage(ctx)
    ctx.add_application(track=ctx.world.track_a)
    detail = _name("관계")
    Conflict.objects.create(application=Application.objects.latest("pk"),
                            evaluator=_pool_member(ctx), source="detected",
                            basis="employment", detail=detail)
    return detail


def _tie(ctx):
    from kbridge.evaluation.models import EvaluatorProfile, EvaluatorTie

    profile, _ = EvaluatorProfile.objects.get_or_create(user=ctx.personas.evaluator)
    return EvaluatorTie.objects.create(profile=profile, kind="advisory",
                                       organisation_name=_name("회사")).organisation_name
# --- evaluation: scoring ---------------------------------------------------------------------


def _scoring_stage(ctx, call=None):
    """An open document stage (of the world's call unless ``call``), the evaluator invited and
    signed, with one criterion; reasons of 5 characters suffice."""
    from kbridge.evaluation import pledge
    from kbridge.evaluation.models import Criterion, Stage, StageEvaluator

    def make(call):
        now, current = timezone.now(), pledge.pledge()
        stage = Stage.objects.create(call=call, kind="document",
                                     opens_at=now - dt.timedelta(days=1),
                                     closes_at=now + dt.timedelta(days=6),
                                     pledge_version=current.version, min_reason_length=5)
        Criterion.objects.create(stage=stage, position=0, title_ko="기술성",
                                 title_en="Technology", weight=50)
        StageEvaluator.objects.create(stage=stage, evaluator=ctx.personas.evaluator,
                                      invited_by=ctx.personas.operator,
                                      pledge_version=current.version,
                                      pledge_sha256=current.sha256, pledge_signed_at=now)
        return stage
    if call is not None:
        return make(call)
    return ctx.once("scoring_stage", lambda: make(ctx.world.call))


def _scoring_assignment(ctx):
    """The evaluator's assignment of startup A's submitted application, with a scoresheet."""
    from kbridge.evaluation.models import Assignment, Scoresheet

    def make():
        assignment = Assignment.objects.create(stage=_scoring_stage(ctx),
                                               application=ctx.submitted,
                                               evaluator=ctx.personas.evaluator)
        Scoresheet.objects.create(assignment=assignment)
        return assignment
    return ctx.once("scoring_assignment", make)


def _evaluation_invitation(ctx):
    from kbridge.programs.models import Call

    title = ctx.add_call(ctx.world.program)
    _scoring_stage(ctx, Call.objects.get(title_ko=title))
    return title


def _evaluator_assignment(ctx):
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Assignment

    name = ctx.add_application(track=ctx.world.track_a)
    Assignment.objects.create(stage=_scoring_stage(ctx), evaluator=ctx.personas.evaluator,
                              application=Application.objects.get(applicant__name_ko=name))
    return name


def _criterion(ctx):
    from kbridge.evaluation.models import Criterion

    title = _name("기준")
    Criterion.objects.create(stage=_scoring_stage(ctx), position=5, title_ko=title,
                             title_en=title, weight=10)
    return title


def _submit(assignment, by, reason):
    from kbridge.evaluation.services import scoring

    keys = [str(c.pk) for c in scoring.criteria_of(assignment.stage)]
    sheet = scoring.save_scoresheet(assignment=assignment, by=by, levels=dict.fromkeys(keys, "3"),
                                    reasons=dict.fromkeys(keys, reason), comment="",
                                    base_version=1)
    scoring.submit_scoresheet(assignment=assignment, by=by, version=sheet.version)


def _panel_score(ctx):
    """One more evaluator's submitted scores on the application, which the evaluator (who
    submitted their own) then sees."""
    from kbridge.evaluation import pledge
    from kbridge.evaluation.models import Assignment, StageEvaluator

    mine = _scoring_assignment(ctx)
    ctx.once("own_scores", lambda: _submit(mine, ctx.personas.evaluator, "나의 평가 근거"))
    user, current = UserFactory(), pledge.pledge()
    StageEvaluator.objects.create(stage=mine.stage, evaluator=user,
                                  invited_by=ctx.personas.operator,
                                  pledge_version=current.version, pledge_sha256=current.sha256,
                                  pledge_signed_at=timezone.now())
    reason = _name("다른 평가 근거")
    _submit(Assignment.objects.create(stage=mine.stage, application=mine.application,
                                      evaluator=user), user, reason)
    return reason


# --- events (issue 15) ------------------------------------------------------------------------


def _event(ctx, **overrides):
    from tests.events.world import make_event

    title = _name("행사")
    return make_event(ctx.world, title_ko=title, title_en=title, **overrides)


def _event_agenda_item(ctx):
    from kbridge.events.models import AgendaItem

    event = ctx.once("event", lambda: _event(ctx))
    title = _name("세션")
    AgendaItem.objects.create(event=event, starts_at=event.starts_at, ends_at=event.ends_at,
                              title_ko=title, title_en=title)
    return title


def _event_page(ctx):
    return f"/events/{ctx.once('event', lambda: _event(ctx)).pk}/"


def _door_page(ctx):
    return f"/manage/events/{ctx.once('event', lambda: _event(ctx)).pk}/check-in/"


def _checked_in(ctx):
    """One more chosen company, its ticket issued and checked in at the door."""
    from kbridge.events.models import Registration
    from kbridge.events.services import tickets
    from tests.events.world import register

    event = ctx.once("event", lambda: _event(ctx))
    name = _name("참가기업")
    organisation = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
    user = UserFactory()
    MembershipFactory(organisation=organisation, user=user, role="startup_rep")
    number = next(_serial)  # unique per event; registrations here skip the checksum check
    brn = f"999-{number // 100000:02d}-{number % 100000:05d}"
    registration = register(event, organisation, user, brn=brn, status=Registration.Status.CHOSEN)
    ticket = tickets.issue_ticket(registration)
    answer = tickets.check_in(event=event, by=ctx.personas.partner_a, typed=ticket.short_code)
    assert answer.admitted
    return name
def _meetings_event(ctx):
    """An event with a meeting session of 60 ten-minute slots at 10 tables."""
    from tests.events.meetings.world import session

    def make():
        event = _event(ctx)
        session(event, slot_minutes=10, tables=10, start_hour=0, hours=4)
        return event

    return ctx.once("meetings_event", make)


def _meeting_attendee(ctx):
    from tests.events.meetings.world import attendee

    event = _meetings_event(ctx)
    n = next(_serial)
    org, rep = attendee(event, n)
    return event, org, rep


def _placed_meeting(ctx):
    """A new attendee's accepted meeting with OpenAI's staff member, placed in the next slot."""
    from kbridge.events.models import MeetingPlacement, MeetingRun
    from tests.events.meetings.world import accepted

    event, org, rep = _meeting_attendee(ctx)
    request = accepted(event, org, ctx.personas.partner_a, rep)
    run = ctx.once("meeting_run", lambda: MeetingRun.objects.create(
        event=event, kind="schedule", created_by=ctx.personas.operator))
    session = event.meeting_session
    slot = MeetingPlacement.objects.filter(request__event=event).count()
    MeetingPlacement.objects.create(request=request, run=run, starts_at=session.slot_start(slot),
                                    ends_at=session.slot_start(slot + 1), table=1)
    return org.name_ko


def _meeting_startup(ctx):
    return _meeting_attendee(ctx)[1].name_ko
def _qna_event(ctx):
    """An event whose Q&A startup A attends (its registration chosen)."""
    from kbridge.events.models import Registration
    from tests.events.world import BRN_A, register

    def make():
        event = _event(ctx)
        register(event, ctx.personas.startup_a_org, ctx.personas.startup_a, brn=BRN_A,
                 status=Registration.Status.CHOSEN)
        return event
    return ctx.once("qna_event", make)


def _qna_question(ctx):
    """One more question, by another attendee each time (so the page names each author)."""
    from kbridge.events.models import Question

    text = _name("질문 ")
    Question.objects.create(event=_qna_event(ctx), author=UserFactory(full_name=_name("참가자")),
                            text=text)
    return text


def _qna_url(suffix: str):
    def url(ctx):
        return f"/{'manage/' if suffix.startswith('m') else ''}events/{_qna_event(ctx).pk}/qna/" \
            f"{suffix.removeprefix('m')}"
    return url


def _assignment_page(ctx):
    return f"/evaluate/assignments/{_scoring_assignment(ctx).pk}/"


def _scoresheet_page(ctx):
    return f"/manage/evaluation/scoresheets/{_scoring_assignment(ctx).scoresheet.pk}/"


def _attendee_registration(ctx):
    """One more registration, by a new startup, for the case's event; its company's name."""
    from kbridge.events.models import Registration

    event = ctx.once("attendees_event", lambda: _event(ctx))
    name = _name("참가기업")
    org = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
    Registration.objects.create(
        event=event, organisation=org, registered_by=UserFactory(), attendee_name="대표",
        attendee_email="ceo@example.kr", business_registration_number=name,
        answers={"1": "답변"})
    return name


def _my_registration(ctx):
    """Startup A's registration for one more event; the event's title."""
    from kbridge.events.models import Registration

    event = _event(ctx)
    Registration.objects.create(
        event=event, organisation=ctx.personas.startup_a_org, registered_by=ctx.personas.startup_a,
        attendee_name="대표", attendee_email="ceo@neurochips.example",
        business_registration_number=_name("b"), answers={})
    return event.title_ko


def _my_token(ctx):
    """One more API token of the operator; its name."""
    from kbridge.api.services import create_token

    name = _name("토큰")
    create_token(user=ctx.personas.operator, name=name, scopes={"calls": "read"})
    return name


def _subscription(ctx):
    from kbridge.api import services_webhooks as hooks

    return ctx.once("subscription", lambda: hooks.create_subscription(
        by=ctx.personas.operator, organisation=ctx.personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])[0])


def _another_subscription(ctx):
    from kbridge.api import services_webhooks as hooks

    name = _name("웹훅")
    hooks.create_subscription(by=ctx.personas.operator, organisation=ctx.personas.operator_org,
                              name=name, url="http://127.0.0.1:9/hook",
                              event_types=["application.submitted"])
    return name


def _webhook_delivery(ctx):
    """One more delivery in the subscription's log; its idempotency key."""
    from kbridge.api.models import WebhookDelivery

    key = _name("whd").replace(" ", "")
    WebhookDelivery.objects.create(
        subscription=_subscription(ctx), key=key, source=key, event_type="application.submitted",
        object_kind="application", object_id="1", payload={"id": key})
    return key


CASES = [
    # API tokens and webhooks (issue 17): a person's tokens, an organisation's subscriptions,
    # a subscription's delivery log
    Case("API tokens: the person's tokens", "api:tokens", "operator", lambda c: "/api-tokens/",
         _my_token),
    Case("webhooks: the organisation's subscriptions", "api:webhooks", "operator",
         lambda c: "/webhooks/", _another_subscription),
    Case("webhook: its delivery log", "api:webhook", "operator",
         lambda c: f"/webhooks/{_subscription(c).pk}/", _webhook_delivery),
    # Events: attendees — a startup's registrations, the fit review's registrations
    Case("my events: the startup's registrations", "events:mine", "startup_a",
         lambda c: "/events/mine/", _my_registration),
    Case("event registrations: the fit review", "events:registrations", "partner_a",
         lambda c: f"/manage/events/{c.once('attendees_event', lambda: _event(c)).pk}"
                   f"/registrations/", _attendee_registration),
    # Events (issue 15): the public list, an event's agenda, the staff's list
    Case("events: published events", "events:list", "anonymous", lambda c: "/events/",
         lambda c: _event(c).title_ko),
    Case("event page: agenda", "events:detail", "startup_a", _event_page, _event_agenda_item),
    Case("events console: the staff's events", "events:manage_list", "partner_a",
         lambda c: "/manage/events/", lambda c: _event(c).title_ko),
    Case("events: the door's latest check-ins", "events:check_in", "partner_a",
         _door_page, _checked_in),
    # Events: 1:1 meetings (the host's staff: requests with placements; whom to ask; console)
    Case("meetings page: requests and agenda", "events:meetings", "partner_a",
         lambda c: f"/events/{_meetings_event(c).pk}/meetings/", _placed_meeting),
    Case("meetings directory: attending startups", "events:meetings_directory", "partner_a",
         lambda c: f"/events/{_meetings_event(c).pk}/meetings/directory/", _meeting_startup),
    Case("meetings console: requests and grid", "events:meetings_console", "operator",
         lambda c: f"/manage/events/{_meetings_event(c).pk}/meetings/", _placed_meeting),
    # Events: live Q&A — the attendees' page and its polled list, the moderation queue, the
    # presenter view and its polled list (each lists every question with its vote count).
    Case("live Q&A: the attendees' page", "events:qna", "startup_a", _qna_url(""),
         _qna_question, cold=True),
    Case("live Q&A: the polled list", "events:qna_live", "startup_a", _qna_url("live/"),
         _qna_question, cold=True),
    Case("live Q&A: the moderation queue", "events:qna_queue", "operator", _qna_url("m"),
         _qna_question, cold=True),
    Case("live Q&A: the presenter view", "events:qna_presenter", "partner_a",
         _qna_url("mpresenter/"), _qna_question, cold=True),
    Case("live Q&A: the presenter's polled list", "events:qna_presenter_live", "partner_a",
         _qna_url("mpresenter/live/"), _qna_question, cold=True),
    # Public
    Case("public call list: open calls", "public:call_list", "anonymous", lambda c: "/",
         lambda c: c.add_call(c.world.program), first=_first_open_call),
    Case("public call list: open calls, signed in", "public:call_list", "startup_a",
         lambda c: "/", lambda c: c.add_call(c.world.program), first=_first_open_call),
    Case("public call list: upcoming calls", "public:call_list", "anonymous", lambda c: "/", _upcoming),
    Case("public call list: closed calls", "public:call_list", "anonymous", lambda c: "/", _closed),
    Case("public call list: tracks of a call", "public:call_list", "anonymous", lambda c: "/",
         lambda c: c.add_track(c.empty_call), first=_open_call_with_tracks),
    Case("public call detail: tracks", "public:call_detail", "anonymous",
         lambda c: f"/calls/{c.empty_call.pk}/", lambda c: c.add_track(c.empty_call)),
    Case("public call detail: tracks, representative", "public:call_detail", "startup_a",
         lambda c: f"/calls/{c.empty_call.pk}/", lambda c: c.add_track(c.empty_call)),
    # Home and audit
    # The dashboard shows links only; it reads the user's memberships for its role checks.
    Case("dashboard: the user's memberships", "dashboard", "startup_a", lambda c: "/dashboard/",
         lambda c: MembershipFactory(user=c.personas.startup_a, role="startup_member",
                                     organisation=c.add_startup()) and None,
         first=lambda c: None),
    Case("audit log", "audit_log", "operator", lambda c: "/audit/", _audit_row,
         first=lambda c: _audit_row(c)),
    Case("e-mail deliveries: undelivered", "core:delivery_list", "operator",
         lambda c: "/manage/deliveries/", _delivery),
    Case("e-mail deliveries: all", "core:delivery_list", "operator",
         lambda c: "/manage/deliveries/?show=all", lambda c: _delivery(c, "sent")),
    # Accounts
    Case("invitations", "accounts:invitations", "operator", lambda c: "/accounts/invitations/",
         _invitation),
    # Operator console (programs)
    Case("program list", "programs:program_list", "operator_b", lambda c: "/manage/programs/",
         lambda c: ProgramFactory(operator=c.personas.operator_b_org,
                                  name_ko=(n := _name("프로그램")), name_en=n).name_ko),
    Case("program detail: partners", "programs:program_detail", "operator",
         lambda c: f"/manage/programs/{c.empty_program.pk}/",
         lambda c: c.add_partner(c.empty_program).organisation.name_ko),
    Case("program detail: calls", "programs:program_detail", "operator",
         lambda c: f"/manage/programs/{c.empty_program.pk}/",
         lambda c: c.add_call(c.empty_program)),
    Case("add a partner: the agency's partner companies", "programs:partner_add", "operator",
         lambda c: f"/manage/programs/{c.world.program.pk}/partners/add/", _agency_partner),
    Case("new track: the program's partners", "programs:track_create", "operator",
         lambda c: f"/manage/programs/calls/{c.empty_program_call.pk}/tracks/new/",
         lambda c: c.add_partner(c.empty_program).organisation.name_en),
    Case("track edit: support items", "programs:track_edit", "operator",
         lambda c: f"/manage/programs/tracks/{c.bare_track.pk}/edit/",
         _support_item),
    Case("call console: tracks", "programs:call_manage", "operator",
         lambda c: f"/manage/programs/calls/{c.empty_call.pk}/",
         lambda c: c.add_track(c.empty_call, c.world.partner_b)),
    Case("partner console: tracks", "programs:partner_home", "partner_b",
         lambda c: "/manage/programs/partner/", _partner_b_track,
         first=lambda c: c.world.track_b.name_ko),
    # Startup side (applications)
    Case("my applications", "applications:mine", "startup_a", lambda c: "/applications/",
         _my_application),
    Case("members: people", "applications:members", "startup_a",
         lambda c: "/startup/members/", _member, first=lambda c: None),
    Case("members: pending invitations", "applications:members", "startup_a",
         lambda c: "/startup/members/", _member_invitation),
    Case("application edit: questions", "applications:edit", "startup_a",
         lambda c: f"/applications/{c.draft.pk}/", _question),
    Case("application edit: attachments", "applications:edit", "startup_a",
         lambda c: f"/applications/{c.draft.pk}/", _edit_attachment),
    # Operator console (applications)
    Case("operator application list", "applications:manage_list", "operator", _applications,
         lambda c: c.add_application()),
    Case("operator application list: drafts too", "applications:manage_list", "operator",
         _applications, lambda c: c.add_application(status="draft")),
    Case("operator application list: search", "applications:manage_list", "operator",
         lambda c: _applications(c) + "?q=큐카운트",
         lambda c: c.add_application(name=_name("큐카운트"))),
    Case("operator application list: status filter", "applications:manage_list", "operator",
         lambda c: _applications(c) + "?status=submitted", lambda c: c.add_application()),
    Case("operator application list: track filter", "applications:manage_list", "operator",
         lambda c: _applications(c) + f"?track={c.world.track_b.pk}",
         lambda c: c.add_application(track=c.world.track_b)),
    Case("questions editor", "applications:questions", "operator",
         lambda c: f"/manage/calls/{c.world.call.pk}/questions/",
         lambda c: QuestionFactory(call=c.world.call, label_ko=(n := _name("질문")),
                                   label_en=n).label_ko),
    Case("operator application list: deadline extensions", "applications:manage_list",
         "operator", _applications, _extension),
    Case("operator application detail: submissions", "applications:manage_detail", "operator",
         lambda c: f"/manage/applications/{c.submitted.pk}/", _resubmission,
         first=lambda c: c.submitted.submissions.get().receipt_number),
    Case("operator application detail: audit trail", "applications:manage_detail", "operator",
         lambda c: f"/manage/applications/{c.submitted.pk}/", _audit_entry),
    # Matching (lexical ranking: no vectors are cached in tests)
    Case("recommendations: open tracks", "matching:recommendations", "startup_a",
         lambda c: "/startup/recommendations/", _open_track,
         first=lambda c: _no_public_call(c) or _open_track(c), cold=True),
    Case("track applicants", "matching:track_applicants", "operator",
         lambda c: f"/manage/tracks/{c.world.track_a.pk}/applicants/", _applicant, cold=True),
    Case("discover startups", "matching:discover", "operator",
         lambda c: "/manage/discover/?q=NPU", _discoverable, cold=True),
    # Evaluation: pool, pledge and conflicts
    Case("stage evaluators: invited", "evaluation:stage_evaluators", "operator",
         lambda c: f"/manage/evaluation/stages/{_stage(c).pk}/evaluators/", _invited),
    Case("stage evaluators: the pool", "evaluation:stage_evaluators", "operator",
         lambda c: f"/manage/evaluation/stages/{_stage(c).pk}/evaluators/",
         lambda c: _pool_member(c).full_name),
    Case("stage conflicts", "evaluation:stage_conflicts", "operator",
         lambda c: f"/manage/evaluation/stages/{_stage(c).pk}/conflicts/", _stage_conflict),
    Case("evaluator conflicts: applicants", "evaluation:evaluator_conflicts", "evaluator",
         lambda c: f"/evaluate/stages/{_stage(c).pk}/conflicts/",
         lambda c: c.add_application(track=c.world.track_a)),
    Case("evaluator profile: ties", "evaluation:profile", "evaluator",
         lambda c: "/evaluate/profile/", _tie),
    # Evaluation: stages and rubric
    Case("evaluation shortlist", "evaluation:shortlist", "operator",
         lambda c: f"/manage/evaluation/calls/{c.world.call.pk}/shortlist/",
         _scored_application),
    Case("evaluation stage progress", "evaluation:stage_detail", "operator",
         lambda c: f"/manage/evaluation/stages/{_evaluation_stage(c).pk}/", _stage_evaluator),
    # Evaluation: ranking, export and feedback
    Case("stage ranking: applications and evaluators", "evaluation:stage_ranking", "operator",
         ranking_url, add_ranked_application),
    Case("applicant's evaluation: reasons", "evaluation:applicant_reasons", "startup_a",
         reasons_url, add_published_reasons),
    # Evaluation: scoring
    Case("evaluator home: invitations", "evaluation:home", "evaluator",
         lambda c: "/evaluate/", _evaluation_invitation),
    Case("evaluator stage: assigned applications", "evaluation:stage_home", "evaluator",
         lambda c: f"/evaluate/stages/{_scoring_stage(c).pk}/", _evaluator_assignment),
    Case("assignment page: rubric", "evaluation:assignment", "evaluator", _assignment_page,
         _criterion),
    Case("assignment page: the other evaluators' scores", "evaluation:assignment",
         "evaluator", _assignment_page, _panel_score),
    Case("operator scoresheet: rubric", "evaluation:manage_scoresheet", "operator",
         _scoresheet_page, _criterion),
]


# --- evaluation: assignment, panels and schedule ------------------------------------------


def _eval_stage(ctx, kind="document"):
    """A stage of the world's call with the persona ``evaluator`` invited and signed."""
    def make():
        from kbridge.evaluation import pledge
        from kbridge.evaluation.models import Stage, StageEvaluator

        current = pledge.pledge()
        stage = Stage.objects.create(call=ctx.world.call, kind=kind,
                                     opens_at=timezone.now() - dt.timedelta(days=1),
                                     closes_at=timezone.now() + dt.timedelta(days=5),
                                     pledge_version=current.version)
        StageEvaluator.objects.create(stage=stage, evaluator=ctx.personas.evaluator,
                                      invited_by=ctx.personas.operator,
                                      pledge_version=current.version,
                                      pledge_signed_at=timezone.now())
        return stage
    return ctx.once(f"eval_stage_{kind}", make)


def _eval_panel(ctx):
    from kbridge.evaluation.models import Panel

    return ctx.once("eval_panel", lambda: Panel.objects.create(
        stage=_eval_stage(ctx, "presentation"), name_ko="1분과", name_en="Panel 1"))


def _eval_pair(ctx, stage=None, panel=None, evaluator=None):
    """One more assignment (with its scoresheet); returns (application, evaluator)."""
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Assignment, Scoresheet

    stage = stage or _eval_stage(ctx)
    name = ctx.add_application(track=ctx.world.track_a)
    application = Application.objects.get(applicant__name_ko=name)
    evaluator = evaluator or UserFactory(full_name=_name("평가위원"))
    a = Assignment.objects.create(stage=stage, application=application, evaluator=evaluator,
                                  panel=panel, affinity=0.5,
                                  explanation={"rank_for_application": 1,
                                               "rank_for_evaluator": 2})
    Scoresheet.objects.create(assignment=a)
    return application, evaluator


def _eval_assignment(ctx):
    return _eval_pair(ctx)[1].full_name


def _eval_run_by(ctx):
    from kbridge.evaluation.models import AssignmentRun

    user = UserFactory(email=f"{_name('operator')}@kised.example")
    AssignmentRun.objects.create(stage=_eval_stage(ctx), started_by=user, mode="total", seed=1,
                                 outcome="assigned")
    return user.email


def _eval_run(ctx):
    from kbridge.evaluation.models import AssignmentRun

    return ctx.once("eval_run", lambda: AssignmentRun.objects.create(
        stage=_eval_stage(ctx), started_by=ctx.personas.operator, mode="total", seed=1,
        outcome="assigned", report={"pairs": []}))


def _eval_run_pair(ctx):
    from kbridge.applications.models import Application

    run = _eval_run(ctx)
    name = ctx.add_application(track=ctx.world.track_a)
    application = Application.objects.get(applicant__name_ko=name)
    evaluator = UserFactory(full_name=_name("평가위원"))
    run.report["pairs"].append([application.pk, evaluator.pk, 0.5, 1, 1, False, None])
    run.save(update_fields=["report"])
    return evaluator.full_name


def _eval_panel_row(ctx):
    from kbridge.evaluation.models import Panel

    stage = _eval_stage(ctx, "presentation")
    name = _name("분과")
    panel = Panel.objects.create(stage=stage, name_ko=name, name_en=name)
    _eval_pair(ctx, stage=stage, panel=panel)
    return name


def _eval_slot(ctx, evaluator=None):
    from kbridge.evaluation.models import PresentationSlot

    panel = _eval_panel(ctx)
    application, _ev = _eval_pair(ctx, stage=panel.stage, panel=panel, evaluator=evaluator)
    start = timezone.now() + dt.timedelta(days=1, minutes=20 * next(_serial))
    PresentationSlot.objects.create(panel=panel, application=application, starts_at=start,
                                    ends_at=start + dt.timedelta(minutes=20))
    return application.applicant.name_ko


def _eval_manage(suffix, kind="document"):
    return lambda c: f"/manage/evaluation/stages/{_eval_stage(c, kind).pk}/{suffix}"


CASES += [
    Case("assignment: current pairs", "evaluation:stage_assignment", "operator",
         _eval_manage("assignment/"), _eval_assignment),
    Case("assignment runs", "evaluation:assignment_runs", "operator",
         _eval_manage("assignment/runs/"), _eval_run_by),
    Case("assignment run: pairs and why", "evaluation:assignment_run", "operator",
         lambda c: f"/manage/evaluation/stages/{_eval_stage(c).pk}/assignment/runs/"
                   f"{_eval_run(c).pk}/", _eval_run_pair),
    Case("panels and presentation day", "evaluation:schedule", "operator",
         _eval_manage("schedule/", "presentation"), _eval_panel_row),
    Case("panel agenda", "evaluation:panel_agenda", "operator",
         lambda c: f"/manage/evaluation/stages/{_eval_panel(c).stage_id}/panels/"
                   f"{_eval_panel(c).pk}/", _eval_slot),
    Case("evaluator's agenda", "evaluation:agenda", "evaluator",
         lambda c: f"/evaluate/stages/{_eval_stage(c, 'presentation').pk}/agenda/",
         lambda c: _eval_slot(c, evaluator=c.personas.evaluator)),
]

# Selection: results and partners (helpers in tests/selection/results_world.py)
CASES += [
    Case("applicant's result: evaluators' reasons", "selection:result", "startup_a",
         results_world.result_url, results_world.add_result_reasons),
    Case("public results: named startups", "selection:public_results", "anonymous",
         results_world.public_results_url, results_world.add_public_result,
         first=results_world.add_public_result),
    Case("partner selection: tracks", "selection:partner_home", "partner_a",
         lambda c: "/partner/selection/", results_world.add_partner_track),
    Case("partner track: shortlist, outcomes, interests", "selection:partner_track",
         "partner_a", results_world.partner_track_url, results_world.add_partner_track_row),
]


# --- selection (issue 14) ---------------------------------------------------------------------


def _sel_selection(ctx):
    """A confirmed, announced selection of partner A's track on an ended stage."""
    def make():
        from kbridge.selection.models import Selection, SelectionPolicy
        from tests.evaluation.feedback_world import ended_stage

        stage = ended_stage(ctx.world.call)
        SelectionPolicy.objects.create(call=ctx.world.call,
                                       announcement_at=timezone.now() - dt.timedelta(hours=1))
        return Selection.objects.create(
            track=ctx.world.track_a, stage=stage, status=Selection.Status.CONFIRMED,
            budget_krw=10**12, created_by=ctx.personas.operator,
            confirmed_by=ctx.personas.operator, confirmed_at=timezone.now())
    return ctx.once("sel_selection", make)


def _sel_outcome(ctx):
    """One more selected application in the selection; returns (outcome, applicant name)."""
    from decimal import Decimal

    from kbridge.selection.models import Outcome

    selection = _sel_selection(ctx)
    name = _name("선정기업")
    org = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
    application = ApplicationFactory(track=ctx.world.track_a, applicant=org,
                                     created_by=UserFactory())
    rank = Outcome.objects.filter(selection=selection).count() + 1
    outcome = Outcome.objects.create(selection=selection, application=application, rank=rank,
                                     score=Decimal("80.00"), status="selected",
                                     reason_code="within_quota", award_krw=100_000_000)
    return outcome, name


def _sel_outcome_row(ctx):
    return _sel_outcome(ctx)[1]


def _sel_agreement(ctx):
    from kbridge.selection.services import agreements
    from tests.selection.agreement_world import default_terms

    outcome, name = _sel_outcome(ctx)
    terms = default_terms(outcome)
    agreements.send_agreement(outcome=outcome, by=ctx.personas.operator, **terms)
    return name


CASES += [
    Case("selection of a track: outcomes", "selection:track", "operator",
         lambda c: f"/manage/selection/tracks/{_sel_selection(c).track_id}/", _sel_outcome_row),
    Case("agreements (operator)", "selection:agreement_list", "operator",
         lambda c: "/manage/selection/agreements/", _sel_agreement),
    Case("agreements (partner)", "selection:partner_agreements", "partner_a",
         lambda c: "/partner/selection/agreements/", _sel_agreement),
]

@pytest.fixture
def ctx(world, personas):
    return Ctx(world, personas)


#: The throttle clears ended windows on the first hit of a new one (``core.throttle.hit``):
#: it depends on the clock, not on what the page lists, so it is not counted.
_HOUSEKEEPING = 'DELETE FROM "core_throttlecounter"'


def _queries(client, url, *, cold: bool = False) -> tuple[int, str, list[str]]:
    if cold:
        from kbridge.matching.selectors import INDEXES

        INDEXES.clear()
        from kbridge.events.live_qna import clear_caches

        clear_caches()  # the live Q&A's shared list and state stamp, per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql = [q["sql"] for q in captured.captured_queries
           if not q["sql"].startswith(_HOUSEKEEPING)]
    return len(sql), response.content.decode(), sql


# Selection: appeals
CASES += [
    Case("appeals: the agency's appeals", "selection:appeal_list", "operator",
         appeal_world.list_url, appeal_world.add_listed_appeal),
    Case("applicant's appeals: answers and criteria cited", "selection:appeal", "startup_a",
         appeal_world.applicant_url, appeal_world.add_answered_appeal),
    Case("appeal review: evaluators' reasons", "selection:appeal_detail", "operator",
         appeal_world.review_url, appeal_world.add_reviewed_reasons),
]


# Alliance: members and directory (tests/alliance/world.py for the rows)
def _alliance_member(ctx, **profile):
    """One more active member of KISED's alliance (a new startup); its company's name."""
    from tests.alliance.world import member

    name = _name("연맹기업")
    member(ctx.personas.operator_org, OrganisationFactory(kind="startup", name_ko=name,
                                                          name_en=name),
           technologies=["NPU", "edge AI"], sectors=["semiconductors"], **profile)
    return name


def _startup_a_membership(ctx):
    """Startup A a member of one more agency's alliance; the agency's name."""
    from tests.alliance.world import member

    name = _name("기관")
    member(OrganisationFactory(kind="operator", name_ko=name, name_en=name),
           ctx.personas.startup_a_org)
    return name


def _collaboration(ctx):
    """One more collaboration of OpenAI's (partner A) with startup A; its title."""
    from tests.alliance.world import collaboration

    title = _name("협업 ")
    collaboration(ctx.world.partner_a, ctx.personas.startup_a_org, title=title,
                  amount_krw=10_000_000)
    return title


CASES += [
    Case("alliance directory: listed members", "alliance:directory", "operator",
         lambda c: f"/alliance/{c.personas.operator_org.pk}/directory/?sector=semiconductors",
         lambda c: _alliance_member(c, listed=True, headline_ko="엣지 NPU")),
    Case("alliance directory: ranked search", "alliance:directory", "operator",
         lambda c: f"/alliance/{c.personas.operator_org.pk}/directory/?q=NPU",
         lambda c: _alliance_member(c, listed=True, headline_ko="엣지 NPU"), cold=True),
    Case("alliance: the operators' members", "alliance:manage_members", "operator",
         lambda c: f"/manage/alliance/{c.personas.operator_org.pk}/members/", _alliance_member),
    Case("alliance: my organisations' memberships", "alliance:home", "startup_a",
         lambda c: "/alliance/", _startup_a_membership),
    # Alliance: collaborations
    Case("collaborations (partner)", "alliance:collaborations", "partner_a",
         lambda c: "/manage/alliance/collaborations/", _collaboration),
    Case("collaborations (operator)", "alliance:collaborations", "operator",
         lambda c: "/manage/alliance/collaborations/?kind=poc", _collaboration),
    Case("collaborations (the startup's)", "alliance:my_collaborations", "startup_a",
         lambda c: "/alliance/collaborations/", _collaboration),
]


# Alliance: milestone reports (tests/alliance/reports/world.py)
def _reports_agreement(ctx, startup="a"):
    from tests.alliance.reports.world import accepted

    return accepted(ctx.world, ctx.personas, startup=startup)


def _startup_agreement(ctx):
    return f'data-agreement="{_reports_agreement(ctx).pk}"'


def _submitted_report(ctx):
    from tests.alliance.reports.world import first_report, submitted

    report = submitted(first_report(_reports_agreement(ctx)), ctx.personas, investments=[])
    return f'data-report="{report.pk}"'


CASES += [
    Case("milestone reports: the startup's agreements, reports and tranches",
         "alliance:reports_mine", "startup_a", lambda c: "/alliance/reports/",
         _startup_agreement),
    Case("milestone reports: the operator's review queue", "alliance:report_queue",
         "operator", lambda c: "/manage/alliance/reports/", _submitted_report),
]


# Alliance: KPIs, dashboards and exports (tests/alliance/kpis_world.py)
def _kpi_track(ctx, *, firms: int = 1):
    """A new KISED cohort whose OpenAI track (named afresh) has ``firms`` selected startups,
    each with an approved report declaring an investment, and a collaboration."""
    from tests.alliance import kpis_world as kw

    n = next(_serial)
    program, openai, _nvidia = kw.cohort(ctx.world, ctx.personas, 2020 + n % 10)
    program.name_ko = program.name_en = _name("성과사업")
    program.save(update_fields=["name_ko", "name_en"])
    openai.name_ko = openai.name_en = _name("KPI트랙")
    openai.save(update_fields=["name_ko", "name_en"])
    for _ in range(firms):
        agreement = kw.agreement_for(openai)
        kw.invest(kw.report(agreement, dt.date(2020 + n % 10, 12, 31), jobs=2, revenue=10**8,
                            overseas=10**6), 10**9)
        kw.collaboration(openai, agreement.outcome.application.applicant)
    return program, openai


CASES += [
    Case("KPI dashboard: programs, partners, tracks, years", "alliance:kpis", "operator",
         lambda c: "/manage/alliance/kpis/", lambda c: _kpi_track(c)[1].name_ko),
    Case("KPI dashboard: a partner's own tracks", "alliance:kpis", "partner_a",
         lambda c: "/manage/alliance/kpis/", lambda c: _kpi_track(c)[1].name_ko),
    Case("public outcomes: programs and years", "alliance:outcomes", "anonymous",
         lambda c: "/alliance/outcomes/", lambda c: _kpi_track(c, firms=3)[0].name_ko),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_list_page_queries_do_not_grow_with_its_items(case, ctx, personas, client_for):
    client = client_for(personas.by_name(case.persona))
    shown = [(case.first or case.add)(ctx)]
    url = case.url(ctx)
    client.get(url)  # the first request of a session also touches the session
    one, _html, one_sql = _queries(client, url, cold=case.cold)
    shown += [case.add(ctx), case.add(ctx)]
    if case.cold:  # as before the first: the new documents' analysis is stored once, here
        client.get(case.url(ctx))
    three, html, three_sql = _queries(client, case.url(ctx), cold=case.cold)
    for text in filter(None, shown):
        assert text in html, f"{text!r} is not on {url}"
    assert three == one, _difference(one_sql, three_sql)


def _difference(one_sql: list[str], three_sql: list[str]) -> str:
    """The queries that the page ran more often with 3 items, literals left out."""
    def shape(sql):
        return re.sub(r"'[^']*'|\b\d+\b", "?", sql)

    extra = Counter(map(shape, three_sql)) - Counter(map(shape, one_sql))
    return "queries added by 2 more items:\n" + "\n".join(
        f"{n} × {sql[:400]}" for sql, n in extra.items())


# --- every URL name is a list page with a case here, or declared not one -------------------------


LIST_PAGES = {c.url_name for c in CASES}

#: URL names that list nothing (forms, actions, single objects, files), each with why.
NOT_LIST_PAGES = {
    # API tokens and webhooks (issue 17)
    "api:token_revoke": "a confirmation and an action", "api:webhook_create": "a form",
    "api:webhook_edit": "a form", "api:webhook_disable": "an action",
    "api:webhook_enable": "an action", "api:webhook_rotate": "an action",
    "api:webhook_test": "an action", "api:webhook_redeliver": "an action",
    # Events (issue 15)
    "events:create": "a form", "events:edit": "a form", "events:status": "an action",
    "events:console": "one event and its counts by status (one grouped query)",
    "events:programme": "a form of at most 50 speakers and 50 agenda items (max_num)",
    "events:questions": "a form of at most 20 fit questions (max_num)",
    # Events: tickets and check-in
    "events:ticket": "one ticket", "events:check_in_scan": "an action (its answer lists the "
    "door's latest check-ins, the same bounded query as the page)",
    # Events: attendees
    "events:register": "a form", "events:withdraw": "an action",
    "events:answer_offer": "an action", "events:review": "an action",
    "events:confirm_review": "an action", "events:commit_lottery": "an action",
    "events:draw_lottery": "an action", "events:lottery_json": "JSON",
    "events:lottery": "one lottery: its entrants are one JSON field of its row",
    # Events: 1:1 meetings
    "events:meetings_request": "a form (its choices: the bounded directory)",
    "events:meetings_availability": "an action", "events:meetings_ics": "a file",
    "events:meetings_respond": "an action", "events:meetings_outcome": "an action",
    "events:meetings_session": "a form", "events:meetings_schedule": "an action",
    "events:meetings_manage": "an action",
    # Events: live Q&A
    "events:qna_ask": "an action", "events:qna_vote": "an action",
    "events:qna_moderate": "an action", "events:qna_merge": "an action",
    "events:qna_settings": "an action",
    # Selection (issue 14). The call's page lists its tracks (a handful, each with one
    # selection query: not measured yet, a follow-up).
    "selection:call": "a call's tracks (a handful); query count to be measured",
    "selection:agreement_draft": "a form", "selection:agreement_accept": "an action",
    "selection:agreement_document": "a file",
    "selection:agreement_document_manage": "a file", "selection:agreement_upload": "an action",
    "selection:my_agreement": "one agreement (three documents at most)",
    "selection:rules": "a form", "selection:funding_list_upload": "an action",
    "selection:propose": "an action", "selection:award": "an action",
    "selection:confirm": "an action", "selection:commit_draw": "an action",
    "selection:run_draw": "an action", "selection:published_draw": "one draw's JSON",
    "selection:offer": "one offer", "selection:drop_outcome": "a form",
    # Alliance: members and directory
    "alliance:join": "an action", "alliance:member": "one member's profile",
    "alliance:member_edit": "a form", "alliance:member_leave": "an action",
    # Alliance: collaborations
    "alliance:collaboration_create": "a form",
    "alliance:collaboration": "one collaboration and its stage changes (at most four moves)",
    "alliance:collaboration_edit": "a form",
    "alliance:collaboration_stage": "an action (an invalid form shows the collaboration again)",
    "healthz": "a JSON liveness answer",
    "javascript-catalog": "Django's translation catalogue",
    "set_language": "Django's language switch (a POST action)",
    "accounts:login": "a form", "accounts:logout": "an action",
    "accounts:signup": "two links", "accounts:signup_startup": "a form",
    "accounts:signup_evaluator": "a form", "accounts:resend_verification": "an action",
    "accounts:verify_email": "an action", "accounts:invitation_revoke": "an action",
    "accounts:accept_invitation": "a form about one invitation",
    "accounts:password_reset": "a form", "accounts:password_reset_done": "a message",
    "accounts:password_reset_confirm": "a form", "accounts:password_reset_complete": "a message",
    "programs:program_create": "a form", "programs:program_edit": "a form",
    "programs:partner_edit": "a form", "programs:call_create": "a form",
    "programs:call_edit": "a form", "programs:call_publish": "an action",

    "applications:profile": "a form", "applications:start": "an action",
    "applications:autosave": "an action", "applications:upload": "an action",
    "applications:download": "a file", "applications:submit": "an action",
    "applications:withdraw": "an action",
    "applications:receipt": "one submission's receipt (its files come from its JSON)",
    "applications:questions_standard": "an action",
    "applications:grant_extension": "an action (an invalid form shows manage_list again)",
    "core:delivery_resend": "an action",
    "matching:model_status": "one platform setting and its latest switch",
    "matching:model_switch": "an action",
    "accounts:my_data": "one person's own account (consents: one row per notice version)",
    "accounts:my_data_export": "a file", "accounts:delete_account": "an action",
    "evaluation:pledge": "one stage's pledge text", "evaluation:remove_evaluator": "an action",
    "evaluation:detect_conflicts": "an action", "evaluation:override_conflict": "an action",
    "evaluation:reinstate_conflict": "an action",
    "evaluation:call_stages": "a call's two stages at most",
    "evaluation:stage_create": "a form", "evaluation:stage_edit": "a form",
    "evaluation:stage_close": "an action", "evaluation:stage_notify": "an action",
    "evaluation:rubric_edit": "a form of at most 20 criteria (the formset's max_num)",
    "evaluation:rate_reasons": "an action (an invalid rating shows applicant_reasons again)",
    "evaluation:assignment_autosave": "an action", "evaluation:assignment_submit": "an action",
    "evaluation:assignment_file": "a file",
    "evaluation:unlock_scoresheet": "an action (an invalid form shows the scoresheet again)",
    "evaluation:assignment_apply": "an action", "evaluation:assignment_input": "a file",
    "evaluation:assignment_change": "a form", "evaluation:panel_ics": "a file",
    "evaluation:agenda_ics": "a file",
    # Selection: appeals
    "selection:appeal_answer": "an action (an invalid answer shows appeal_detail again)",
    # Selection: results and partners
    "selection:result_consent": "an action (an invalid form shows the result page again)",
    "selection:partner_interest": "an action (an invalid note shows the track page again)",
    "selection:partner_interest_remove": "an action",
    # Alliance: milestone reports
    "alliance:report_edit": "one report: its investments (at most 20) and history prefetched",
    "alliance:report_review": "one report: its investments and history prefetched",
    "alliance:report_approve": "an action", "alliance:report_return": "an action (an "
    "invalid comment shows report_review again)",
    "alliance:tranches": "one agreement: at most 6 tranches, its reports prefetched",
    "alliance:tranche_release": "an action",
    # Alliance: KPIs, dashboards and exports. Files, whose query count is guarded in
    # tests/alliance/test_kpis_views.py (the same selectors as the dashboard).
    "alliance:kpis_export_csv": "a file", "alliance:kpis_export_xlsx": "a file",
    "alliance:kpis_totals_csv": "a file",
}

#: Django's admin: superusers only, its own pages.
# The API's lists have their query-count cases in tests/api (one per list operation).
UNLISTED_NAMESPACES = ("admin", "api-v1")


def _url_names(resolver=None, namespace="") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_name_is_a_list_page_with_a_case_or_declared_not_one():
    names = {n for n in _url_names() if not n.startswith(tuple(f"{ns}:" for ns in
                                                               UNLISTED_NAMESPACES))}
    assert LIST_PAGES & set(NOT_LIST_PAGES) == set()
    assert names - LIST_PAGES - set(NOT_LIST_PAGES) == set(), (
        "a new page: add a case to CASES if it lists things, else say why in NOT_LIST_PAGES")
    assert set(NOT_LIST_PAGES) - names == set(), "a page in NOT_LIST_PAGES no longer exists"
