"""The alliance area of the API (scope ``alliance``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person.

=============================================  ===============================================
operation                                      who (the web's permission)
=============================================  ===============================================
``GET`` / ``POST /collaborations``             operators (their agency's programs) and partner
                                               staff (their own company's only): list, record;
                                               a startup's people list their company's
``GET /collaborations/{id}``                   the same, each only their own
``POST /collaborations/{id}/stage``            the same: move to the next stage on a day
``GET /reports``, ``GET /reports/{id}``        a startup's people: their company's milestone
                                               reports; the program's operators read one too
``PUT /reports/{id}``                          the startup's people: save the draft (due or
                                               returned reports)
``POST /reports/{id}/submit``                  the startup's representative: submit it
``GET /report-queue``                          operators: the review queue (read-only)
``GET /kpis``                                  agency staff (their programs) and partner
                                               staff (their own tracks): the dashboard's
                                               figures
=============================================  ===============================================
"""

import datetime as dt
from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kbridge.accounts.tenancy import agency_ids
from kbridge.alliance import selectors_collaborations as collaboration_reads
from kbridge.alliance import selectors_kpis as kpi_reads
from kbridge.alliance import selectors_reports as report_reads
from kbridge.alliance.forms_collaborations import CollaborationForm, StageForm
from kbridge.alliance.forms_reports import InvestmentFormSet, ReportForm
from kbridge.alliance.models import Collaboration, MilestoneReport
from kbridge.alliance.services import collaborations as collaboration_services
from kbridge.alliance.services import reports as report_services
from kbridge.api.auth import TokenAuth
from kbridge.api.errors import ApiError, detail_fields, details_of, invalid, not_found
from kbridge.api.schemas import Label, Mapped, Pagination, label
from kbridge.core.i18n import localized_text

router = Router(auth=TokenAuth("alliance"), tags=["alliance"])

Stage = Collaboration.Stage


# --- schemas ----------------------------------------------------------------------------------


class CollaborationOut(Schema):
    id: int
    program_id: int
    program: str
    partner_id: int = Field(description="The partner row (a company in one program).")
    partner: str
    startup_id: int
    startup: str
    kind: Label
    stage: Label
    title: str
    description: str
    amount_krw: int | None
    proposed_on: dt.date
    agreed_on: dt.date | None
    started_on: dt.date | None
    ended_on: dt.date | None
    from_meeting: bool


class StageChangeOut(Schema):
    from_stage: Label | None
    to_stage: Label
    on: dt.date
    note: str
    by: str | None
    at: datetime


class CollaborationDetailOut(CollaborationOut):
    next_stages: list[Label] = Field(description="Where the token's person may move it now.")
    history: list[StageChangeOut]


class CollaborationFilter(Schema):
    stage: Literal[tuple(Stage.values)] | None = None  # type: ignore[valid-type]
    kind: Literal[tuple(Collaboration.Kind.values)] | None = None  # type: ignore[valid-type]
    partner: int | None = Field(None, ge=1, le=2**53, description="A partner row's id.")
    program: int | None = Field(None, ge=1, le=2**53)


class CollaborationIn(Schema):
    partner_id: int = Field(ge=1, le=2**53)
    startup_id: int = Field(ge=1, le=2**53)
    kind: Literal[tuple(Collaboration.Kind.values)]  # type: ignore[valid-type]
    title: str = Field(max_length=1000)
    description: str = Field("", max_length=20000)
    amount_krw: int | str | None = Field(
        None, description="Won: a number, or as people write it (\"3천만\", \"30,000,000\").")
    proposed_on: dt.date | None = Field(None, description="KST day; default today.")


class StageIn(Schema):
    to: Literal[tuple(Stage.values)]  # type: ignore[valid-type]
    on: dt.date | None = Field(None, description="KST day; default today.")
    note: str = Field("", max_length=5000)


class InvestmentOut(Schema):
    round: Label
    amount_krw: int
    investor: str
    closed_on: dt.date


class ReviewOut(Schema):
    action: Label
    comment: str
    at: datetime


class ReportOut(Schema):
    id: int
    agreement_id: int
    sequence: int
    kind: Literal["interim", "final", "outcome"]
    company_id: int
    company: str
    program: str
    track: str
    period_starts_on: dt.date
    period_ends_on: dt.date
    due_on: dt.date
    unlocks_tranche: int | None
    status: Label
    overdue: bool
    submitted_at: datetime | None


class ReportDetailOut(ReportOut):
    jobs_created: int | None
    employees: int | None
    revenue_krw: int | None
    overseas_revenue_krw: int | None
    patents_filed: int | None
    patents_granted: int | None
    merger_acquisition: Label | None
    merger_detail: str
    narrative: str
    investments: list[InvestmentOut]
    review_comment: str
    history: list[ReviewOut]
    may_edit: bool
    may_submit: bool


class ReportFilter(Schema):
    status: Literal[tuple(MilestoneReport.Status.values)] | None = None  # type: ignore[valid-type]


class QueueFilter(Schema):
    section: Literal["submitted", "overdue", "upcoming"] = "submitted"


class InvestmentIn(Schema):
    round: str = Field(max_length=100)
    amount_krw: int | str = Field(description="Won: a number or as people write it.")
    investor: str = Field(max_length=1000)
    closed_on: str = Field(max_length=100, description="YYYY-MM-DD")


class ReportIn(Schema):
    """The whole draft (as the web form): figures left out are stored empty."""

    jobs_created: int | None = Field(None, ge=-(2**31), le=2**31)
    employees: int | None = Field(None, ge=-(2**31), le=2**31)
    revenue_krw: int | str | None = None
    overseas_revenue_krw: int | str | None = None
    patents_filed: int | None = Field(None, ge=-(2**31), le=2**31)
    patents_granted: int | None = Field(None, ge=-(2**31), le=2**31)
    merger_acquisition: str = Field("", max_length=100)
    merger_detail: str = Field("", max_length=5000)
    narrative: str = Field("", max_length=50000)
    investments: list[InvestmentIn] = Field(default_factory=list, max_length=100)


class Figures(Schema):
    reports: int
    firms: int
    jobs_created: int
    revenue_krw: int
    overseas_revenue_krw: int
    overseas_firms: int
    investment_krw: int
    investments: int
    investment_firms: int
    patents_filed: int
    patents_granted: int
    mergers: int


class YearFigures(Schema):
    year: int
    figures: Figures


class GroupFigures(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str
    year: int | None
    partner: str
    figures: Figures


class StageFiguresOut(Schema):
    stage: str
    label: str
    count: int
    amount_krw: int


class KpisOut(Schema):
    totals: Figures
    by_year: list[YearFigures] = Field(description="By report year, oldest first.")
    by_cohort: list[YearFigures] = Field(description="By the program's year, newest first.")
    by_program: list[GroupFigures]
    by_partner: list[GroupFigures]
    by_track: list[GroupFigures]
    collaborations_by_stage: list[StageFiguresOut]
    collaborations: StageFiguresOut


class KpiFilter(Schema):
    program: int | None = Field(None, ge=1, le=2**53)
    partner: int | None = Field(None, ge=1, le=2**53, description="A partner company's id.")
    track: int | None = Field(None, ge=1, le=2**53)
    cohort: int | None = Field(None, ge=1, le=9999, description="A program's year.")


# --- helpers ----------------------------------------------------------------------------------


#: The collaboration form's and model's field names as CollaborationIn names them.
COLLABORATION_FIELDS = {"partner": "partner_id", "startup": "startup_id"}


def _refusal(error: ValidationError, rename=None) -> ApiError:
    """A service's refusal of the input: 422 with the messages per field."""
    return invalid(details_of(error, rename))


def _conflict(error: ValidationError) -> ApiError:
    return ApiError(409, "conflict", " ".join(error.messages))


# --- collaborations ---------------------------------------------------------------------------


def _collaboration(c: Collaboration) -> dict:
    return {
        "id": c.pk, "program_id": c.program_id, "program": str(c.program),
        "partner_id": c.partner_id, "partner": str(c.partner.organisation),
        "startup_id": c.startup_id, "startup": str(c.startup),
        "kind": label(c.kind, c.get_kind_display()),
        "stage": label(c.stage, c.get_stage_display()), "title": c.title,
        "description": c.description, "amount_krw": c.amount_krw,
        "proposed_on": c.proposed_on, "agreed_on": c.agreed_on, "started_on": c.started_on,
        "ended_on": c.ended_on, "from_meeting": c.meeting_outcome_id is not None,
    }


def _collaboration_for(request, perm: str, pk: int) -> Collaboration:
    collaboration = collaboration_reads.collaborations_for(request.user).filter(pk=pk).first()
    if collaboration is None or not request.user.has_perm(perm, collaboration):
        raise not_found()
    return collaboration


def _collaboration_detail(request, collaboration: Collaboration) -> dict:
    may_move = request.user.has_perm("alliance.move_collaboration", collaboration)
    changes = collaboration.stage_changes.select_related("by")
    return {
        **_collaboration(collaboration),
        "next_stages": [label(s, Stage(s).label) for s in Collaboration.NEXT[collaboration.stage]]
        if may_move else [],
        "history": [{"from_stage": label(ch.from_stage, ch.get_from_stage_display())
                     if ch.from_stage else None,
                     "to_stage": label(ch.to_stage, ch.get_to_stage_display()),
                     "on": ch.on, "note": ch.note, "by": ch.by.email if ch.by else None,
                     "at": ch.at} for ch in changes],
    }


def _may_list_collaborations(request) -> None:
    if not request.user.has_perm("alliance.list_collaborations"):
        raise not_found()


@router.get("/collaborations", response=list[CollaborationOut],
            summary="Collaborations the token's person records (operators: their agency's; "
                    "partners: their own) or, for a startup's people, their company's")
@paginate(Pagination)
def list_collaborations(request, filters: Query[CollaborationFilter]):
    user = request.user
    if user.has_perm("alliance.list_collaborations"):
        rows = collaboration_reads.collaborations_for(user)
    elif user.has_perm("alliance.view_own_collaborations"):
        rows = collaboration_reads.collaborations_of_startup(user)  # read-only, as the web
    else:
        raise not_found()
    rows = collaboration_reads.filtered(rows, stage=filters.stage or "",
                                        kind=filters.kind or "", partner=filters.partner,
                                        program=filters.program)
    return Mapped(rows.order_by("-proposed_on", "-id"), _collaboration)


@router.get("/collaborations/{collaboration_id}", response=CollaborationDetailOut,
            summary="One collaboration with its stage history")
def get_collaboration(request, collaboration_id: int):
    collaboration = _collaboration_for(request, "alliance.view_collaboration", collaboration_id)
    return _collaboration_detail(request, collaboration)


@router.post("/collaborations", response={201: CollaborationDetailOut},
             summary="Record a proposed collaboration (the web's form and service)")
def create_collaboration(request, payload: CollaborationIn):
    _may_list_collaborations(request)
    user = request.user
    data = {"partner": payload.partner_id, "startup": payload.startup_id, "kind": payload.kind,
            "title": payload.title, "description": payload.description,
            "amount_krw": "" if payload.amount_krw is None else payload.amount_krw,
            "proposed_on": (payload.proposed_on or collaboration_services.today_kst()).isoformat()}
    form = CollaborationForm(data, partners=collaboration_reads.partners_for(user),
                             startups=collaboration_reads.startups_for(user))
    if not form.is_valid():
        raise invalid(details_of(form, COLLABORATION_FIELDS))
    try:
        created = collaboration_services.create_collaboration(by=user, **form.cleaned_data)
    except ValidationError as error:
        raise _refusal(error, COLLABORATION_FIELDS) from error
    except PermissionDenied as error:
        raise not_found() from error
    collaboration = collaboration_reads.collaborations_for(user).get(pk=created.pk)
    return Status(201, _collaboration_detail(request, collaboration))


@router.post("/collaborations/{collaboration_id}/stage", response=CollaborationDetailOut,
             summary="Move a collaboration to one of its next stages on a day (KST)")
def move_collaboration(request, collaboration_id: int, payload: StageIn):
    collaboration = _collaboration_for(request, "alliance.view_collaboration", collaboration_id)
    if not request.user.has_perm("alliance.move_collaboration", collaboration):
        raise ApiError(409, "conflict", _("A collaboration that is %(stage)s cannot become "
                                          "%(to)s.") % {"stage": collaboration.get_stage_display(),
                                                        "to": Stage(payload.to).label})
    form = StageForm({"to": payload.to, "note": payload.note,
                      "on": (payload.on or collaboration_services.today_kst()).isoformat()},
                     collaboration=collaboration)
    if not form.is_valid():
        raise invalid(details_of(form))
    move = collaboration_services.MOVES[Stage(form.cleaned_data["to"])]
    try:
        move(collaboration=collaboration, on=form.cleaned_data["on"], by=request.user,
             note=form.cleaned_data["note"])
    except ValidationError as error:
        raise _refusal(error, COLLABORATION_FIELDS) from error
    except PermissionDenied as error:
        raise not_found() from error
    collaboration = collaboration_reads.collaborations_for(request.user).get(pk=collaboration.pk)
    return _collaboration_detail(request, collaboration)


# --- milestone reports ------------------------------------------------------------------------


def _report(report: MilestoneReport, today: dt.date) -> dict:
    application = report.agreement.outcome.application
    track = report.agreement.outcome.selection.track
    return {
        "id": report.pk, "agreement_id": report.agreement_id, "sequence": report.sequence,
        "kind": report_services.report_kind(report), "company_id": application.applicant_id,
        "company": str(application.applicant), "program": str(track.call.program),
        "track": str(track), "period_starts_on": report.period_starts_on,
        "period_ends_on": report.period_ends_on, "due_on": report.due_on,
        "unlocks_tranche": report.unlocks_tranche,
        "status": label(report.status, report.get_status_display()),
        "overdue": report_services.is_overdue(report, today),
        "submitted_at": report.submitted_at,
    }


def _report_for(request, report_id: int) -> MilestoneReport:
    """The report for its startup's people (``alliance.view_own_report``) or the program's
    operators (``alliance.review_report``): each reads it on a page of the web."""
    report = report_reads.report_detail().filter(pk=report_id).first()
    user = request.user
    if report is None or not (user.has_perm("alliance.view_own_report", report)
                              or user.has_perm("alliance.review_report", report)):
        raise not_found()
    return report


def _report_detail(request, report: MilestoneReport) -> dict:
    user = request.user
    return {
        **_report(report, report_services.kst_today()),
        **{name: getattr(report, name) for name in (
            "jobs_created", "employees", "revenue_krw", "overseas_revenue_krw",
            "patents_filed", "patents_granted", "merger_detail", "narrative",
            "review_comment")},
        "merger_acquisition": label(report.merger_acquisition,
                                     report.get_merger_acquisition_display())
        if report.merger_acquisition else None,
        "investments": [{"round": label(i.round, i.get_round_display()),
                         "amount_krw": i.amount_krw, "investor": i.investor,
                         "closed_on": i.closed_on} for i in report.investments.all()],
        "history": [{"action": label(r.action, r.get_action_display()), "comment": r.comment,
                     "at": r.at} for r in report.reviews.all()],
        "may_edit": user.has_perm("alliance.edit_report", report),
        "may_submit": user.has_perm("alliance.submit_report", report),
    }


@router.get("/reports", response=list[ReportOut],
            summary="The milestone reports of the token's startups (as \"my reports\")")
@paginate(Pagination)
def list_reports(request, filters: Query[ReportFilter]):
    if not report_reads.startup_organisation_ids(request.user):
        raise not_found()
    rows = report_reads.startup_reports(request.user)
    if filters.status:
        rows = rows.filter(status=filters.status)
    today = report_services.kst_today()
    return Mapped(rows, lambda report: _report(report, today))


@router.get("/reports/{report_id}", response=ReportDetailOut,
            summary="One milestone report with its figures, investments and history")
def get_report(request, report_id: int):
    return _report_detail(request, _report_for(request, report_id))


def _formset_data(investments: list[InvestmentIn]) -> dict:
    prefix = "investments"
    data = {f"{prefix}-TOTAL_FORMS": str(len(investments)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for number, row in enumerate(investments):
        for name, value in row.model_dump().items():
            data[f"{prefix}-{number}-{name}"] = value
    return data


@router.put("/reports/{report_id}", response=ReportDetailOut,
            summary="Save the report's draft (due or returned reports; the web's form)")
def save_report(request, report_id: int, payload: ReportIn):
    report = _report_for(request, report_id)
    if not request.user.has_perm("alliance.view_own_report", report):
        raise not_found()  # the program's operators read it, they do not write it
    if not request.user.has_perm("alliance.edit_report", report):
        raise ApiError(409, "conflict", _("This report was submitted and can no longer be "
                                          "changed."))
    values = payload.model_dump(exclude={"investments"})
    form = ReportForm({k: "" if v is None else v for k, v in values.items()})
    formset = InvestmentFormSet(_formset_data(payload.investments), prefix="investments")
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if not (form_ok and formset_ok):
        details = details_of(form)
        for number, row in enumerate(formset.forms):
            details += details_of(row, prefix=f"investments.{number}.")
        details += details_of({"": formset.non_form_errors()}, prefix="investments.")
        raise invalid(details)
    try:
        report_services.save_report(report=report, by=request.user, values=form.cleaned_data,
                                    investments=formset.rows())
    except ValidationError as error:
        raise _conflict(error) from error
    return _report_detail(request, _report_for(request, report_id))


@router.post("/reports/{report_id}/submit", response=ReportDetailOut,
             summary="Submit the stored draft for review (the startup's representative)",
             openapi_extra=detail_fields(*ReportIn.model_fields))
def submit_report(request, report_id: int):
    report = _report_for(request, report_id)
    if not request.user.has_perm("alliance.view_own_report", report):
        raise not_found()
    try:
        report_services.submit_report(report=report, by=request.user)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise _refusal(error) from error  # what to fix, by field
        raise _conflict(error) from error
    return _report_detail(request, _report_for(request, report_id))


@router.get("/report-queue", response=list[ReportOut],
            summary="The operators' review queue, one section at a time (read-only)")
@paginate(Pagination)
def review_queue(request, filters: Query[QueueFilter]):
    if not agency_ids(request.user):
        raise not_found()
    today = report_services.kst_today()
    sections = report_reads.review_queue_sections(request.user, today)
    return Mapped(sections[filters.section], lambda report: _report(report, today))


# --- KPIs -------------------------------------------------------------------------------------


def _figures(kpis: kpi_reads.Kpis) -> dict:
    return {name: getattr(kpis, name) for name in Figures.model_fields}


def _group(group: kpi_reads.Label, kpis: kpi_reads.Kpis) -> dict:
    return {"id": group.id, "name": localized_text(group, "name"), "name_ko": group.name_ko,
            "name_en": group.name_en, "year": group.year,
            "partner": localized_text(group, "partner"), "figures": _figures(kpis)}


def _stage(figures: kpi_reads.StageFigures) -> dict:
    return {"stage": figures.stage, "label": str(figures.label), "count": figures.count,
            "amount_krw": figures.amount_krw}




@router.get("/kpis", response=KpisOut,
            summary="The KPI dashboard's figures (agency staff: their programs; partner "
                    "staff: their own tracks)")
def kpis(request, filters: Query[KpiFilter]):
    if not request.user.has_perm("alliance.view_kpis"):
        raise not_found()
    choices = kpi_reads.filter_choices(request.user)
    if filters.cohort is not None and filters.cohort not in choices["cohorts"]:
        raise not_found()
    chosen = kpi_reads.Filters(program=kpi_reads.pick_in_scope(choices["programs"], filters.program),
                               partner=kpi_reads.pick_in_scope(choices["partners"], filters.partner),
                               track=kpi_reads.pick_in_scope(choices["tracks"], filters.track),
                               cohort=filters.cohort)
    data = kpi_reads.dashboard(request.user, chosen)
    return {
        "totals": _figures(data.totals),
        "by_year": [{"year": year, "figures": _figures(k)} for year, k in data.by_year],
        "by_cohort": [{"year": year, "figures": _figures(k)} for year, k in data.by_cohort],
        "by_program": [_group(g, k) for g, k in data.by_program],
        "by_partner": [_group(g, k) for g, k in data.by_partner],
        "by_track": [_group(g, k) for g, k in data.by_track],
        "collaborations_by_stage": [_stage(s) for s in data.stages],
        "collaborations": _stage(data.collaborations),
    }
