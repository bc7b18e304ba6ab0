"""KPI dashboard, its exports and the public outcomes page (issue 16, parts 4 and 5).

/manage/alliance/kpis/                 agency staff (their programs), partner staff (their tracks)
/manage/alliance/kpis/export.csv       the ministry's shape, one row per startup and report year
/manage/alliance/kpis/export.xlsx      the same rows and a totals sheet
/manage/alliance/kpis/totals.csv       the totals sheet alone
/alliance/outcomes/                    anyone: aggregates per program and year, small cells hidden

Filters (``program``, ``partner``, ``track``, ``cohort``) are the same for the page and the
exports; a value outside the user's scope answers 404, as does the page for startups,
evaluators and everyone without a KPI scope.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.alliance import charts
from kbridge.alliance import selectors_kpis as selectors
from kbridge.alliance.models import MilestoneReport
from kbridge.core import exports
from kbridge.core.i18n import localized_text
from kbridge.core.permissions import require_perm

_MAX_ID_DIGITS = 18


def _number(request, name: str) -> int | None:
    """The integer of GET parameter ``name``; ``None`` when empty; 404 when not a number."""
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS):
        raise Http404
    return int(value)




def _filters(request) -> tuple[selectors.Filters, dict]:
    """The filters of the request, each checked against what the user may see (404 if not),
    and the filter menus."""
    choices = selectors.filter_choices(request.user)
    cohort = _number(request, "cohort")
    if cohort is not None and cohort not in choices["cohorts"]:
        raise Http404
    filters = selectors.Filters(
        program=selectors.pick_in_scope(choices["programs"], _number(request, "program")),
        partner=selectors.pick_in_scope(choices["partners"], _number(request, "partner")),
        track=selectors.pick_in_scope(choices["tracks"], _number(request, "track")),
        cohort=cohort)
    return filters, choices


def _chart(key: str, title: str, points: list[tuple[str, int]], money: bool,
           empty: str = "") -> dict:
    """A chart's context. With no point the page says there are no approved reports yet;
    a chart given its own ``empty`` text says that instead when every value is 0 (the stages
    of collaborations: zeros are not data)."""
    lang = get_language() or "ko"
    fmt = (lambda v: charts.compact_krw(v, lang)) if money else charts.grouped
    if empty and not any(value for _name, value in points):
        points = []
    return {"id": f"chart-{key}", "title": title, "money": money, "empty": empty,
            "chart": charts.bar_chart(points, fmt), "points": points}


@require_safe
@require_perm("alliance.view_kpis")
def dashboard(request):
    filters, choices = _filters(request)
    data = selectors.dashboard(request.user, filters)
    years = [(str(year), k) for year, k in data.by_year]
    kpi_charts = [
        _chart("jobs", _("Jobs created by report year"),
               [(y, k.jobs_created) for y, k in years], money=False),
        _chart("investment", _("Follow-on investment by report year"),
               [(y, k.investment_krw) for y, k in years], money=True),
        _chart("overseas-firms", _("Firms with overseas revenue by report year"),
               [(y, k.overseas_firms) for y, k in years], money=False),
        _chart("revenue", _("Revenue by report year"),
               [(y, k.revenue_krw) for y, k in years], money=True),
        _chart("collaborations", _("Collaborations by stage"),
               [(s.label, s.count) for s in data.stages], money=False,
               empty=_("No collaborations recorded yet.")),
    ]
    return render(request, "alliance/kpis/dashboard.html", {
        "data": data, "filters": filters, "choices": choices, "charts": kpi_charts,
        "query": urlencode(filters.query()),
    })


def _label(label: selectors.Label) -> str:
    return localized_text(label, "name")


def _export_header() -> list[str]:
    return [_("Company name"), _("Company name (English)"), _("Business registration number"),
            _("Program name"), _("Track"), _("Partner"), _("Cohort (year selected)"),
            _("Report year"), _("Jobs created"), _("Revenue (KRW)"),
            _("Overseas revenue (KRW)"),
            _("Follow-on investment (KRW)"), _("Patents filed"), _("Patents granted"),
            _("M&A")]


def _rows(reports):
    """The header, then one row per startup, agreement and report year (lazily read)."""
    yield _export_header()
    mna = dict(MilestoneReport.MergerAcquisition.choices)
    for r in selectors.export_rows(reports):
        yield [r.company_ko, r.company_en, r.business_registration_number, _label(r.program),
               _label(r.track), _label(r.partner), r.cohort, r.report_year, r.jobs_created,
               r.revenue_krw, r.overseas_revenue_krw, r.investment_krw, r.patents_filed,
               r.patents_granted, str(mna.get(r.merger_acquisition, "")) if r.merger_acquisition
               else ""]


def _totals_row(first, k: selectors.Kpis) -> list:
    return [first, k.firms, k.reports, k.jobs_created, k.revenue_krw, k.overseas_revenue_krw,
            k.overseas_firms, k.investment_krw, k.investments, k.investment_firms,
            k.patents_filed, k.patents_granted, k.mergers]


def _totals(reports):
    """The totals sheet: one row per report year, then the total over all years (whose firm
    counts are distinct firms, not the sum of the years' counts)."""
    yield [_("Report year"), _("Firms reporting"), _("Approved reports"), _("Jobs created"),
           _("Revenue (KRW)"), _("Overseas revenue (KRW)"), _("Firms with overseas revenue"),
           _("Follow-on investment (KRW)"), _("Follow-on investments"),
           _("Firms with follow-on investment"), _("Patents filed"), _("Patents granted"),
           _("M&A")]
    for year, k in selectors.kpis_by_year(reports):
        yield _totals_row(year, k)
    yield _totals_row(_("Total"), selectors.kpi_totals(reports))


def _filename(filters: selectors.Filters, suffix: str) -> str:
    parts = ["kpis"] + [f"{k}-{v}" for k, v in filters.query().items()]
    return "-".join(parts) + f"-{timezone.localdate():%Y%m%d}.{suffix}"


@require_safe
@require_perm("alliance.view_kpis")
def export_csv(request):
    filters, _choices = _filters(request)
    reports = selectors.approved_reports_for(request.user, filters)
    return exports.csv_response(_rows(reports), filename=_filename(filters, "csv"))


@require_safe
@require_perm("alliance.view_kpis")
def totals_csv(request):
    filters, _choices = _filters(request)
    reports = selectors.approved_reports_for(request.user, filters)
    return exports.csv_response(_totals(reports), filename=_filename(filters, "totals.csv"))


@require_safe
@require_perm("alliance.view_kpis")
def export_xlsx(request):
    filters, _choices = _filters(request)
    reports = selectors.approved_reports_for(request.user, filters)
    return exports.xlsx_response(
        filename=_filename(filters, "xlsx"),
        sheets=[(_("Startups"), _rows(reports)), (_("Totals"), _totals(reports))])


@require_safe
def outcomes(request):
    """The public outcomes page: per program and report year, aggregates only."""
    return render(request, "alliance/kpis/outcomes.html", {
        "cells": selectors.public_outcomes(), "minimum": selectors.public_min_firms()})


urlpatterns = [
    path("manage/alliance/kpis/", dashboard, name="kpis"),
    path("manage/alliance/kpis/export.csv", export_csv, name="kpis_export_csv"),
    path("manage/alliance/kpis/export.xlsx", export_xlsx, name="kpis_export_xlsx"),
    path("manage/alliance/kpis/totals.csv", totals_csv, name="kpis_totals_csv"),
    path("alliance/outcomes/", outcomes, name="outcomes"),
]
