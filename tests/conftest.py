"""Shared fixtures: the personas of ARCHITECTURE.md and a small program world they live in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command

from kbridge.accounts.models import Membership, Organisation
from tests.factories import (
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerFactory,
    ProgramFactory,
    SupportItemFactory,
    TrackFactory,
    UserFactory,
)

Role = Membership.Role
Kind = Organisation.Kind


@dataclass
class World:
    """A program run by KISED with OpenAI (partner A) and NVIDIA (partner B)."""

    program: object
    partner_a: object
    partner_b: object
    call: object
    draft_call: object
    track_a: object
    track_b: object
    draft_track_a: object


@pytest.fixture
def world(db, personas) -> World:
    return build_world(personas)


def build_world(personas) -> World:
    """The program world (see :class:`World`), written to the database."""
    program = ProgramFactory(operator=personas.operator_org)
    partner_a = PartnerFactory(program=program, organisation=personas.partner_a_org,
                               sub_program_ko="OpenAI 협업 프로그램",
                               sub_program_en="OpenAI collaboration program")
    partner_b = PartnerFactory(program=program, organisation=personas.partner_b_org,
                               sub_program_ko="NVIDIA 인셉션", sub_program_en="NVIDIA Inception")
    call = CallFactory(program=program)
    draft_call = CallFactory(program=program, status="draft", title_ko="2차 공고 (준비 중)",
                             title_en="Second call (in preparation)")
    track_a = TrackFactory(call=call, partner=partner_a)
    track_b = TrackFactory(call=call, partner=partner_b, name_ko="가속 컴퓨팅 트랙",
                           name_en="Accelerated computing track")
    draft_track_a = TrackFactory(call=draft_call, partner=partner_a, name_ko="협업 트랙",
                                 name_en="Collaboration track")
    SupportItemFactory(track=track_a)
    return World(program, partner_a, partner_b, call, draft_call, track_a, track_b,
                 draft_track_a)


@dataclass
class Personas:
    """The people of the tests. Two agencies: KISED (``operator``) runs the world's program;
    ``operator_b`` is staff of a second agency with nothing in KISED's program. OpenAI
    (partner A) has a partner admin and a partner staff member; startup A a representative and
    a member."""

    operator: object
    operator_b: object
    partner_admin: object
    partner_a: object
    partner_b: object
    evaluator: object
    evaluator_conflicted: object
    startup_a: object
    startup_a_member: object
    startup_b: object
    operator_org: object
    operator_b_org: object
    partner_a_org: object
    partner_b_org: object
    startup_a_org: object
    startup_b_org: object

    def by_name(self, name: str):
        return None if name == "anonymous" else getattr(self, name)


PERSONA_NAMES = ["operator", "operator_b", "partner_admin", "partner_a", "partner_b",
                 "evaluator", "evaluator_conflicted", "startup_a", "startup_a_member", "startup_b", "anonymous"]


@pytest.fixture
def personas(db) -> Personas:
    return build_personas()


def build_personas() -> Personas:
    """The personas (see :class:`Personas`), written to the database."""
    operator_org = OrganisationFactory(kind=Kind.OPERATOR, name_ko="창업진흥원", name_en="KISED")
    operator_b_org = OrganisationFactory(kind=Kind.OPERATOR, name_ko="서울경제진흥원",
                                         name_en="Seoul Business Agency")
    partner_a_org = OrganisationFactory(kind=Kind.PARTNER, name_ko="오픈AI", name_en="OpenAI",
                                        agency=operator_org)
    partner_b_org = OrganisationFactory(kind=Kind.PARTNER, name_ko="엔비디아", name_en="NVIDIA",
                                        agency=operator_org)
    affiliation = OrganisationFactory(kind=Kind.AFFILIATION, name_ko="카이스트", name_en="KAIST",
                                      affiliation_type="university")
    vc = OrganisationFactory(kind=Kind.AFFILIATION, name_ko="스파크랩", name_en="SparkLabs",
                             affiliation_type="vc")
    startup_a_org = OrganisationFactory(kind=Kind.STARTUP, name_ko="뉴로칩스", name_en="Neuro Chips")
    startup_b_org = OrganisationFactory(kind=Kind.STARTUP, name_ko="딥랩스", name_en="Deep Labs")

    def member(org, role, email):
        return MembershipFactory(organisation=org, role=role,
                                 user=UserFactory(email=email)).user

    return Personas(
        operator=member(operator_org, Role.OPERATOR, "operator@kised.example"),
        operator_b=member(operator_b_org, Role.OPERATOR, "operator@sba.example"),
        partner_admin=member(partner_a_org, Role.PARTNER_ADMIN, "admin@openai.example"),
        partner_a=member(partner_a_org, Role.PARTNER, "staff@openai.example"),
        partner_b=member(partner_b_org, Role.PARTNER, "staff@nvidia.example"),
        evaluator=member(affiliation, Role.EVALUATOR, "prof@kaist.example"),
        evaluator_conflicted=member(vc, Role.EVALUATOR, "partner@sparklabs.example"),
        startup_a=member(startup_a_org, Role.STARTUP_REPRESENTATIVE, "ceo@neurochips.example"),
        startup_a_member=member(startup_a_org, Role.STARTUP_MEMBER, "cto@neurochips.example"),
        startup_b=member(startup_b_org, Role.STARTUP_REPRESENTATIVE, "ceo@deeplabs.example"),
        operator_org=operator_org, operator_b_org=operator_b_org, partner_a_org=partner_a_org,
        partner_b_org=partner_b_org, startup_a_org=startup_a_org, startup_b_org=startup_b_org,
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client logged in as ``user`` (or anonymous for None)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture(autouse=True)
def mail_through_task_queue(settings):
    """Django's test runner swaps in the locmem e-mail backend; put the task queue back in
    front of it so tests exercise the production path (enqueue, then a worker delivers)."""
    settings.EMAIL_BACKEND = "kbridge.core.mail.TaskQueueEmailBackend"
    settings.KBRIDGE_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def fresh_throttle_window():
    """Run the test from the first second of a clock hour, the clock then ticking on.

    Throttle windows are fixed and aligned to the epoch (``core/throttle.py``): a test whose
    attempts straddled a quarter hour saw its counter start again, a 200 where a 429 was
    due. Starting at hh:00:01 no window of an hour or less can end within the test.
    """
    import time

    import time_machine

    with time_machine.travel(int(time.time()) // 3600 * 3600 + 1, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttles and memoised values live there) and
    no warm matching indexes from an earlier test."""
    from django.core.cache import cache

    from kbridge.matching.selectors import INDEXES

    cache.clear()
    INDEXES.clear()
    yield
    cache.clear()
    INDEXES.clear()


@pytest.fixture
def run_tasks(transactional_db):
    """Run the real task worker (`python -m kbridge worker`) until no task is ready.

    Needs a transactional database: the worker claims tasks in its own transactions and
    closes connections that are not in autocommit mode, as it does in production."""

    def _run():
        call_command("worker", batch=True, startup_delay=False, interval=0,
                     queue_name="*", reload=False, verbosity=0)

    return _run


@pytest.fixture
def submitted(world, personas):
    """Startup A's submitted application to partner A's track, with one file."""
    return build_submitted(world, personas)


def build_submitted(world, personas):
    """See the ``submitted`` fixture."""
    import hashlib

    from kbridge.applications import services
    from kbridge.applications.uploads import CheckedPDF
    from tests.applications.conftest import complete_answers, make_pdf
    from tests.factories import ApplicationFactory, StartupProfileFactory

    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    questions = services.add_standard_questions(call=world.call, by=personas.operator)
    application = ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                                     created_by=personas.startup_a)
    services.save_draft(application=application, by=personas.startup_a,
                        answers=complete_answers(questions), declarations={}, base_version=1)
    for q in questions:
        if q.kind == "file":
            data = make_pdf(2)
            services.attach_file(application=application, question=q, by=personas.startup_a,
                                 checked=CheckedPDF(data=data, size=len(data), pages=2,
                                                    sha256=hashlib.sha256(data).hexdigest(),
                                                    original_name="deck.pdf"))
    application.refresh_from_db()
    services.submit_application(application=application, by=personas.startup_a,
                                draft_version=application.version)
    return application


@dataclass
class EvaluationWorld:
    """Document evaluation of the world's call, open now, with a two-criterion rubric.

    Both evaluators are invited and signed the pledge. ``evaluator`` is assigned startup A's
    submitted application (``assignment``, a draft scoresheet). ``evaluator_conflicted`` was
    assigned it too (``conflicted_assignment``) and then declared a conflict (recusal), in
    force: from then on the application must be invisible to them everywhere."""

    stage: object
    criteria: list
    assignment: object
    conflicted_assignment: object
    conflict: object


@pytest.fixture
def evaluation(world, personas, submitted) -> EvaluationWorld:
    return build_evaluation(world, personas, submitted)


def build_evaluation(world, personas, submitted) -> EvaluationWorld:
    """See :class:`EvaluationWorld`."""
    from datetime import timedelta

    from django.utils import timezone

    from kbridge.evaluation import pledge
    from kbridge.evaluation.models import (
        Assignment,
        Conflict,
        Criterion,
        Scoresheet,
        Stage,
        StageEvaluator,
    )

    now = timezone.now()
    current = pledge.pledge()
    stage = Stage.objects.create(call=world.call, kind=Stage.Kind.DOCUMENT,
                                 opens_at=now - timedelta(days=1),
                                 closes_at=now + timedelta(days=6),
                                 pledge_version=current.version, min_reason_length=20)
    criteria = [
        Criterion.objects.create(stage=stage, position=1, title_ko="기술성", title_en="Technology",
                                 weight=60),
        Criterion.objects.create(stage=stage, position=2, title_ko="협업 적합성",
                                 title_en="Fit with the partner", weight=40),
    ]
    for person in (personas.evaluator, personas.evaluator_conflicted):
        StageEvaluator.objects.create(stage=stage, evaluator=person, invited_by=personas.operator,
                                      pledge_version=current.version, pledge_sha256=current.sha256,
                                      pledge_signed_at=now)
    assignment = Assignment.objects.create(stage=stage, application=submitted,
                                           evaluator=personas.evaluator, affinity=0.8)
    conflicted = Assignment.objects.create(stage=stage, application=submitted,
                                           evaluator=personas.evaluator_conflicted, affinity=0.7)
    for a in (assignment, conflicted):
        Scoresheet.objects.create(assignment=a)
    conflict = Conflict.objects.create(application=submitted,
                                       evaluator=personas.evaluator_conflicted,
                                       source=Conflict.Source.RECUSAL, basis=Conflict.Basis.INVESTMENT,
                                       detail="Seed investor", raised_by=personas.evaluator_conflicted)
    return EvaluationWorld(stage, criteria, assignment, conflicted, conflict)


def pytest_terminal_summary(terminalreporter):
    """The API fuzzer's figures (tests/api/test_schemathesis.py), from every xdist worker."""
    properties = [prop for reports in terminalreporter.stats.values() for report in reports
                  for prop in getattr(report, "user_properties", ())]
    if any(name == "api_fuzz" for name, _value in properties):
        from tests.api.fuzzing import summary

        for line in summary(properties, verbose=terminalreporter.verbosity > 0):
            terminalreporter.write_line(line)


#: Fixtures through which a test reaches the database (pytest-django's, and the live server of
#: the browser tests).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences",
                               "django_db_serialized_rollback", "live_server"})


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="deselect the tests that cannot touch a database (no django_db mark, no database "
             "fixture): the second database's run in CI (.ci/run), where they would only "
             "repeat the first run")


def pytest_collection_modifyitems(config, items):
    """With ``--database-tests-only``, keep only the tests that can reach the database (and
    the ``one_database`` ones, which run in this run only). pytest-django blocks every other
    test's database access, so a kept test is one whose outcome could differ between SQLite
    and PostgreSQL."""
    if not config.getoption("--database-tests-only"):
        return
    kept, deselected = [], []
    for item in items:
        uses_database = (item.get_closest_marker("django_db") is not None
                         or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        # The one-database tests run here only (the other run leaves them out: .ci/run).
        if uses_database or item.get_closest_marker("one_database") is not None:
            kept.append(item)
        elif item.get_closest_marker("e2e") is not None:
            # The other run leaves out the browser tests: this one would drop it too.
            raise pytest.UsageError(f"{item.nodeid}: a browser test that uses no database "
                                    "would run in neither of CI's runs")
        else:
            deselected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
