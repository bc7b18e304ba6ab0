"""Reads of milestone reports for the pages, scoped to the requesting user: a startup's people
see their own company's reports and tranches, an agency's operators those of their own
programs; everyone else sees nothing (the views answer 404). Each list is a fixed number of
queries, whatever its length (tests/test_list_query_counts.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import agency_ids
from kbridge.alliance.models import MilestoneReport, ReportReview, TrancheRelease
from kbridge.alliance.services.reports import (
    OPEN_STATUSES,
    TrancheState,
    kst_today,
    tranche_states,
)
from kbridge.selection.models import Agreement

Status = MilestoneReport.Status

_REPORT_RELATED = ("agreement__outcome__selection__track__call__program__operator",
                   "agreement__outcome__selection__track__partner__organisation",
                   "agreement__outcome__application__applicant")


def reports() -> QuerySet[MilestoneReport]:
    """Every report with what its pages name (company, program, track), unscoped: views pass
    it to ``get_object_or_404_for`` with a permission."""
    return MilestoneReport.objects.select_related(*_REPORT_RELATED)


def report_detail() -> QuerySet[MilestoneReport]:
    """:func:`reports` with each report's investments and history (reviews and their
    authors)."""
    return reports().select_related("submitted_by", "reviewed_by").prefetch_related(
        "investments", Prefetch("reviews", queryset=ReportReview.objects.select_related("by")))


def startup_organisation_ids(user) -> set[int]:
    """The startups ``user`` is the representative or a member of."""
    return organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE,
                            Membership.Role.STARTUP_MEMBER)


@dataclass(frozen=True)
class AgreementReports:
    """One accepted agreement on the startup's or operator's page: its reports in order and
    its tranches with their state."""

    agreement: Agreement
    reports: list[MilestoneReport]
    tranches: list[TrancheState]


def _agreements() -> QuerySet[Agreement]:
    return (Agreement.objects.filter(status=Agreement.Status.ACCEPTED)
            .select_related("outcome__selection__track__call__program",
                            "outcome__selection__track__partner__organisation",
                            "outcome__application__applicant")
            .prefetch_related(
                Prefetch("milestone_reports", queryset=MilestoneReport.objects.order_by(
                    "sequence")),
                Prefetch("tranche_releases",
                         queryset=TrancheRelease.objects.select_related("released_by"))))


def _with_states(agreement: Agreement) -> AgreementReports:
    reports_ = list(agreement.milestone_reports.all())
    return AgreementReports(agreement, reports_,
                            tranche_states(agreement, reports_,
                                           list(agreement.tranche_releases.all())))


def startup_agreements(user) -> list[AgreementReports]:
    """The accepted agreements of the startups ``user`` belongs to, newest period first, with
    their reports and tranches (the "my reports" page)."""
    startups = startup_organisation_ids(user)
    if not startups:
        return []
    return [_with_states(a) for a in _agreements().filter(
        outcome__application__applicant_id__in=startups).order_by("-starts_on", "-pk")]


def agreement_reports(agreement: Agreement) -> AgreementReports:
    """One agreement's reports and tranches (the operator's tranche page)."""
    return _with_states(_agreements().get(pk=agreement.pk))


def agreements() -> QuerySet[Agreement]:
    """Accepted agreements with their reports and releases, unscoped: views pass it to
    ``get_object_or_404_for`` with a permission."""
    return _agreements()


@dataclass(frozen=True)
class ReviewQueue:
    """The operator's queue: reports ``submitted`` (oldest submission first), then
    ``overdue`` ones (due or returned after their due day, the longest overdue first), and
    ``upcoming`` ones due within ``UPCOMING_DAYS``."""

    submitted: list[MilestoneReport]
    overdue: list[MilestoneReport]
    upcoming: list[MilestoneReport]
    today: dt.date


#: How far ahead the queue lists reports still to come, in days.
UPCOMING_DAYS = 30


def review_queue_sections(user, today: dt.date) -> dict[str, QuerySet[MilestoneReport]]:
    """The sections of :func:`review_queue` as querysets (``submitted``, ``overdue``,
    ``upcoming``), scoped to the programs of ``user``'s agencies (the API pages them)."""
    scoped = reports().filter(
        agreement__outcome__selection__track__call__program__operator_id__in=agency_ids(user))
    return {
        "submitted": scoped.filter(status=Status.SUBMITTED).order_by("submitted_at", "pk"),
        "overdue": scoped.filter(status__in=OPEN_STATUSES, due_on__lt=today)
        .order_by("due_on", "pk"),
        "upcoming": scoped.filter(status__in=OPEN_STATUSES, due_on__gte=today,
                                  due_on__lte=today + dt.timedelta(days=UPCOMING_DAYS))
        .order_by("due_on", "pk"),
    }


def review_queue(user, today: dt.date | None = None) -> ReviewQueue:
    """The review queue of the programs of ``user``'s agencies (empty for anyone else)."""
    today = today or kst_today()
    sections = review_queue_sections(user, today)
    return ReviewQueue(submitted=list(sections["submitted"]),
                       overdue=list(sections["overdue"]),
                       upcoming=list(sections["upcoming"]), today=today)


def startup_reports(user) -> QuerySet[MilestoneReport]:
    """The reports of the accepted agreements of the startups ``user`` belongs to (the reports
    of the "my reports" page, :func:`startup_agreements`), newest period first."""
    return reports().filter(
        agreement__status=Agreement.Status.ACCEPTED,
        agreement__outcome__application__applicant_id__in=startup_organisation_ids(user),
    ).order_by("-agreement__starts_on", "-agreement_id", "sequence")


#: How far ahead the startup's dashboard announces its next report, in days.
NEXT_DUE_DAYS = 30


def next_report_due(user, today: dt.date | None = None) -> MilestoneReport | None:
    """The startup's report to file next, for its dashboard: the open (due or returned)
    report of ``user``'s startups due soonest, overdue ones first, when it is due within
    ``NEXT_DUE_DAYS`` days or overdue; None otherwise (and for anyone not of a startup)."""
    startups = startup_organisation_ids(user)
    if not startups:
        return None
    today = today or kst_today()
    return (reports().filter(agreement__status=Agreement.Status.ACCEPTED,
                             agreement__outcome__application__applicant_id__in=startups,
                             status__in=OPEN_STATUSES,
                             due_on__lte=today + dt.timedelta(days=NEXT_DUE_DAYS))
            .order_by("due_on", "pk").first())
