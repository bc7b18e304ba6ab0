"""Selected startups and their milestone reports, written directly through the ORM for the KPI
tests (the reports' own workflow is tested on its own): cheap enough to make dozens.

``agreement_for(track, name)`` makes a startup (with a business registration number), its
application to ``track``, a selected outcome and an accepted agreement; ``report(agreement,
ends_on, …)`` adds a milestone report in the status given, and ``invest(report, amount)`` a
follow-on investment it declares.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from kbridge.accounts.models import Organisation
from kbridge.alliance.models import Collaboration, FollowOnInvestment, MilestoneReport
from kbridge.applications.models import Application, StartupProfile
from kbridge.evaluation.models import Stage
from kbridge.selection.models import Agreement, Outcome, Selection
from tests.factories import (
    CallFactory,
    OrganisationFactory,
    PartnerFactory,
    ProgramFactory,
    TrackFactory,
    UserFactory,
)

_serial = itertools.count(1)
APPROVED = MilestoneReport.Status.APPROVED


def cohort(world, personas, year: int, *, operator=None):
    """A program of ``year`` run by KISED (or ``operator``), OpenAI and NVIDIA its partners,
    one call with one track each: ``(program, track_openai, track_nvidia)``."""
    operator = operator or personas.operator_org
    program = ProgramFactory(operator=operator, year=year, name_ko=f"{year} 글로벌 기업 협업 프로그램",
                             name_en=f"{year} Global Company Collaboration Program")
    call = CallFactory(program=program)
    tracks = []
    for org in (personas.partner_a_org, personas.partner_b_org):
        partner = PartnerFactory(program=program, organisation=org)
        tracks.append(TrackFactory(call=call, partner=partner, name_ko=f"{org.name_ko} 트랙",
                                   name_en=f"{org.name_en} track"))
    return program, tracks[0], tracks[1]


def _selection(track, by) -> Selection:
    selection = Selection.objects.filter(track=track).first()
    if selection is None:
        now = timezone.now()
        stage, _ = Stage.objects.get_or_create(
            call=track.call, kind=Stage.Kind.PRESENTATION,
            defaults={"opens_at": now - dt.timedelta(days=30),
                      "closes_at": now - dt.timedelta(days=20)})
        selection = Selection.objects.create(track=track, stage=stage, budget_krw=10**9,
                                             status=Selection.Status.CONFIRMED, created_by=by)
    return selection


def agreement_for(track, name: str | None = None, *, startup=None, brn: str = "220-81-62517"):
    """An accepted agreement of a startup (unless ``startup``, a new one named ``name`` in
    Korean and ``Company <n>`` in English) selected in ``track``."""
    n = next(_serial)
    user = UserFactory(email=f"kpi{n}@startup{n}.example")
    if startup is None:
        startup = OrganisationFactory(kind=Organisation.Kind.STARTUP, name_ko=name or f"기업{n}",
                                      name_en=f"Company {n}")
        StartupProfile.objects.create(organisation=startup, representative=user,
                                      business_registration_number=brn)
    application = Application.objects.create(
        applicant=startup, program=track.call.program, call=track.call, track=track,
        created_by=user, status=Application.Status.SELECTED,
        exclusivity_key=f"kpi:{n}")
    outcome = Outcome.objects.create(
        selection=_selection(track, user), application=application, rank=n, score=Decimal(90),
        status=Outcome.Status.SELECTED, reason_code="within_quota", award_krw=100_000_000)
    year = track.call.program.year
    return Agreement.objects.create(
        outcome=outcome, status=Agreement.Status.ACCEPTED, starts_on=dt.date(year, 7, 1),
        ends_on=dt.date(year + 1, 4, 30), accept_by=timezone.now(), accepted_at=timezone.now())


def report(agreement, ends_on: dt.date, *, status=APPROVED, jobs=0, revenue=0, overseas=0,
           filed=0, granted=0, mna="", sequence=None) -> MilestoneReport:
    sequence = sequence or (agreement.milestone_reports.count() + 1)
    return MilestoneReport.objects.create(
        agreement=agreement, sequence=sequence, period_starts_on=ends_on - dt.timedelta(days=180),
        period_ends_on=ends_on, due_on=ends_on + dt.timedelta(days=14), status=status,
        jobs_created=jobs, revenue_krw=revenue, overseas_revenue_krw=overseas,
        patents_filed=filed, patents_granted=granted, merger_acquisition=mna)


def invest(report_, amount: int, *, investor: str = "카카오벤처스", closed_on=None):
    return FollowOnInvestment.objects.create(
        report=report_, round=FollowOnInvestment.Round.SERIES_A, amount_krw=amount,
        investor=investor, closed_on=closed_on or report_.period_ends_on)


def collaboration(track, startup, *, stage=Collaboration.Stage.PROPOSED, amount=None,
                  proposed_on=None, kind=Collaboration.Kind.POC) -> Collaboration:
    program = track.call.program
    return Collaboration.objects.create(
        program=program, partner=track.partner, startup=startup, kind=kind, stage=stage,
        title="PoC", amount_krw=amount, proposed_on=proposed_on or dt.date(program.year, 9, 1))


def matrix_ids(world, personas) -> dict[str, int]:
    """For the permission matrix: KISED's 2025 cohort (a program of its own, so no other
    part's pages change) with OpenAI's and NVIDIA's tracks, and an approved report with an
    investment in OpenAI's, so the dashboard and the exports have something to count."""
    program, openai, nvidia = cohort(world, personas, 2025)
    invest(report(agreement_for(openai, "매트릭스기업"), dt.date(2025, 12, 31), jobs=3,
                  revenue=10**8), 10**9)
    return {"kpi_program": program.pk, "kpi_track_a": openai.pk, "kpi_track_b": nvidia.pk,
            "kpi_partner_a": personas.partner_a_org.pk}
