"""Accepted agreements for the milestone report tests, made directly through the ORM (selection
tests its own services): a confirmed selection of partner A's track in KISED's program, one
selected outcome per startup, its agreement accepted, and its reports scheduled through
``services.reports.schedule_reports``.

``accepted(world, personas, startup="a")`` gives startup A's agreement (award ₩200M, from 60
days ago for ten months, 70 % at signing and 30 % on the first day of the middle month), so
report 1 (interim, before tranche 2) is due in the weeks ahead; ``filled(report)`` puts a
complete draft on a report and ``submitted(report, personas)`` submits it as startup A's
representative.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kbridge.alliance.models import MilestoneReport
from kbridge.alliance.services import reports as services
from kbridge.evaluation.models import Stage
from kbridge.selection.models import Agreement, Outcome, Selection
from kbridge.selection.services.agreements import add_months, default_tranches, midterm_date
from tests.factories import ApplicationFactory

AWARD_KRW = 200_000_000
#: A complete, consistent report (amounts in won).
FIGURES = {"jobs_created": 4, "employees": 19, "revenue_krw": 850_000_000,
           "overseas_revenue_krw": 120_000_000, "patents_filed": 2, "patents_granted": 1,
           "merger_acquisition": "", "merger_detail": "",
           "narrative": "NPU 시제품 출하, 해외 고객 2곳 계약."}


def period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """An agreement period that started 60 days ago and lasts ten months."""
    starts_on = (today or timezone.localdate()) - dt.timedelta(days=60)
    return starts_on, add_months(starts_on, 10) - dt.timedelta(days=1)


def _selection(world, personas, track) -> Selection:
    existing = Selection.objects.filter(track=track).first()
    if existing is not None:
        return existing
    now = timezone.now()
    stage = Stage.objects.create(call=track.call, kind=Stage.Kind.PRESENTATION,
                                 opens_at=now - dt.timedelta(days=120),
                                 closes_at=now - dt.timedelta(days=100))
    return Selection.objects.create(track=track, stage=stage, status=Selection.Status.CONFIRMED,
                                    budget_krw=10 * AWARD_KRW, created_by=personas.operator,
                                    confirmed_by=personas.operator,
                                    confirmed_at=now - dt.timedelta(days=90))


def accepted(world, personas, *, startup: str = "a", track=None, starts_on=None, ends_on=None,
             tranches=None, schedule: bool = True) -> Agreement:
    """Startup ``startup``'s ("a" or "b") accepted agreement in ``track`` (default: partner
    A's), with its reports scheduled unless ``schedule`` is False."""
    track = track or world.track_a
    organisation = getattr(personas, f"startup_{startup}_org")
    representative = getattr(personas, f"startup_{startup}")
    selection = _selection(world, personas, track)
    application = ApplicationFactory(
        track=track, applicant=organisation, created_by=representative,
        exclusivity_key=f"reports:{Agreement.objects.count()}")  # several per startup
    outcome = Outcome.objects.create(
        selection=selection, application=application, rank=selection.outcomes.count() + 1,
        score=Decimal("90.00"), status=Outcome.Status.SELECTED, reason_code="within_quota",
        award_krw=AWARD_KRW)
    default_start, default_end = period()
    starts_on, ends_on = starts_on or default_start, ends_on or default_end
    tranches = tranches or default_tranches(AWARD_KRW, starts_on, ends_on)
    now = timezone.now()
    agreement = Agreement.objects.create(
        outcome=outcome, status=Agreement.Status.ACCEPTED, starts_on=starts_on,
        ends_on=ends_on, accept_by=now - dt.timedelta(days=61),
        tranches=[{"due_on": t["due_on"].isoformat(), "amount_krw": t["amount_krw"]}
                  for t in tranches],
        accepted_by=representative, accepted_at=now - dt.timedelta(days=62))
    if schedule:
        services.schedule_reports(agreement=agreement)
    return agreement


def first_report(agreement) -> MilestoneReport:
    """Report 1: the interim report before tranche 2."""
    return agreement.milestone_reports.get(sequence=1)


def filled(report, by, **changes) -> MilestoneReport:
    """Save a complete draft of ``report`` (``FIGURES`` with ``changes``) as ``by``."""
    investments = changes.pop("investments", [
        {"round": "series_a", "amount_krw": 3_000_000_000, "investor": "스파크랩",
         "closed_on": report.period_starts_on + dt.timedelta(days=3)}])
    return services.save_report(report=report, by=by, values={**FIGURES, **changes},
                                investments=investments)


def submitted(report, personas, **changes) -> MilestoneReport:
    """``report`` filled and submitted by startup A's representative."""
    filled(report, personas.startup_a, **changes)
    return services.submit_report(report=report, by=personas.startup_a)


def middle_tranche_date(agreement) -> dt.date:
    return midterm_date(agreement.starts_on, agreement.ends_on)


def matrix_ids(agreement_id: int, personas) -> dict[str, int]:
    """The permission matrix's report rows: startup A's agreement (offered by
    tests/selection/agreement_world.py) accepted and its reports scheduled; report 1
    submitted (the operator reviews it), report 2 due (the startup's form)."""
    agreement = Agreement.objects.get(pk=agreement_id)
    agreement.status = Agreement.Status.ACCEPTED
    agreement.accepted_by, agreement.accepted_at = personas.startup_a, timezone.now()
    agreement.save(update_fields=["status", "accepted_by", "accepted_at"])
    services.schedule_reports(agreement=agreement)
    report = submitted(first_report(agreement), personas, investments=[])
    return {"reports_agreement": agreement.pk, "submitted_report": report.pk,
            "due_report": agreement.milestone_reports.get(sequence=2).pk}
