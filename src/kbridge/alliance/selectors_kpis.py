"""KPI reads (issue 16, part 4): the outcome figures the ministry reports for the program, per
program, partner, track and cohort, year over year, for the dashboard, the exports and the
public outcomes page (docs/alliance.md, "KPIs and dashboards").

**Sources.** Only *approved* :class:`~kbridge.alliance.models.MilestoneReport` rows count, with
their :class:`~kbridge.alliance.models.FollowOnInvestment` rows, plus
:class:`~kbridge.alliance.models.Collaboration` rows. A report reaches its program through
``agreement → outcome → application → program``, its track through the application's track
and its partner through the track's partner company (``programs.Partner.organisation``).

**Definitions** (PRODUCT.md, "Outcomes the ministry reports": jobs created, follow-on
investment, companies with overseas revenue, M&A; e.g. the 2021 cohort: 3,000 jobs,
₩201.4B follow-on investment, 59 firms with overseas revenue):

* *report year*: the calendar year of the report's ``period_ends_on`` (a KST calendar day, so
  the year needs no time-zone conversion);
* *cohort*: the program's ``year`` (the year the startup was selected);
* *jobs created*: the sum of ``jobs_created`` (full-time positions added in each period);
* *revenue*, *overseas revenue*: the sums of ``revenue_krw`` and ``overseas_revenue_krw`` (won)
  over the periods reported;
* *firms with overseas revenue*: distinct startups with at least one approved report of the
  group with ``overseas_revenue_krw > 0`` — counted once however many reports or years; a
  total over several years is therefore not the sum of the yearly counts;
* *follow-on investment*: the sum of ``FollowOnInvestment.amount_krw`` (won) declared in the
  group's reports, the number of investments and of distinct firms with at least one; an
  investment belongs to the report year of the report that declares it, not its closing day;
* *patents*: the sums of ``patents_filed`` and ``patents_granted``; *M&A*: reports declaring one;
* *collaborations by stage*: count and sum of ``amount_krw`` (won) by current stage, by the
  year of ``proposed_on``.

Every figure is aggregated in the database: each read below costs a fixed number of queries
whatever the number of reports (``tests/test_list_query_counts.py``).

**Who sees what.** Agency staff: the reports and collaborations of their agency's programs.
Partner staff: those of their own company's tracks and collaborations. Everybody else: nothing
(the views answer 404). The public outcomes page reads :func:`public_outcomes`, aggregates
only, with small cells suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from kbridge.accounts.models import Organisation
from kbridge.accounts.tenancy import agency_ids, partner_organisation_ids
from kbridge.alliance.models import Collaboration, FollowOnInvestment, MilestoneReport
from kbridge.programs.models import Program, Track

# Paths from a report to what it belongs to.
APPLICATION = "agreement__outcome__application"
STARTUP = f"{APPLICATION}__applicant"
PROGRAM = f"{APPLICATION}__program"
TRACK = f"{APPLICATION}__track"
PARTNER = f"{TRACK}__partner__organisation"

#: A public cell (per program and report year) is shown only when at least this many firms
#: stand behind it (docs/alliance.md, "Public outcomes page").
DEFAULT_PUBLIC_MIN_FIRMS = 3


def public_min_firms() -> int:
    """The suppression threshold of the public page: ``KBRIDGE_OUTCOMES_MIN_FIRMS`` (≥ 2)."""
    return max(2, int(getattr(settings, "KBRIDGE_OUTCOMES_MIN_FIRMS", DEFAULT_PUBLIC_MIN_FIRMS)))


@dataclass
class Kpis:
    """The figures of one group of approved reports. Amounts in won, the rest counts."""

    reports: int = 0
    firms: int = 0  # distinct startups with an approved report in the group
    jobs_created: int = 0
    revenue_krw: int = 0
    overseas_revenue_krw: int = 0
    overseas_firms: int = 0
    investment_krw: int = 0
    investments: int = 0
    investment_firms: int = 0
    patents_filed: int = 0
    patents_granted: int = 0
    mergers: int = 0

    def update(self, row: dict[str, Any]) -> None:
        """Take the figures of an aggregate row (keys ``kpi_<field>``; ``None`` counts 0)."""
        for f in fields(self):
            if f"kpi_{f.name}" in row:
                setattr(self, f.name, int(row[f"kpi_{f.name}"] or 0))


@dataclass(frozen=True)
class Label:
    """What a group is named by: an id and a bilingual name (``name_ko``/``name_en``, read with
    the ``localized`` filter), plus a note (a program's year, a track's partner)."""

    id: int
    name_ko: str
    name_en: str
    year: int | None = None
    partner_ko: str = ""
    partner_en: str = ""


@dataclass
class StageFigures:
    stage: str
    label: str
    count: int = 0
    amount_krw: int = 0


@dataclass
class Dashboard:
    """Everything the KPI dashboard shows for one user and one set of filters."""

    totals: Kpis
    by_year: list[tuple[int, Kpis]]
    by_cohort: list[tuple[int, Kpis]]
    by_program: list[tuple[Label, Kpis]]
    by_partner: list[tuple[Label, Kpis]]
    by_track: list[tuple[Label, Kpis]]
    stages: list[StageFigures]
    stages_by_year: list[tuple[int, list[StageFigures]]]
    collaborations: StageFigures = field(default_factory=lambda: StageFigures("", ""))


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; each ``None`` when not set. ``partner`` is the partner company
    (``accounts.Organisation``), the same company across the programs of several years."""

    program: Program | None = None
    partner: Organisation | None = None
    track: Track | None = None
    cohort: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for the export links)."""
        values = {"program": self.program, "partner": self.partner, "track": self.track}
        params = {k: str(v.pk) for k, v in values.items() if v is not None}
        if self.cohort is not None:
            params["cohort"] = str(self.cohort)
        return params


# --- scope -------------------------------------------------------------------------------------


def sees_kpis(user) -> bool:
    """Whether ``user`` has any KPI scope (agency staff or partner staff)."""
    return bool(agency_ids(user) or partner_organisation_ids(user))


def _report_scope(user) -> Q | None:
    agencies, partners = agency_ids(user), partner_organisation_ids(user)
    if not agencies and not partners:
        return None
    return (Q(**{f"{PROGRAM}__operator_id__in": agencies})
            | Q(**{f"{PARTNER}_id__in": partners}))


def approved_reports_for(user, filters: Filters | None = None) -> QuerySet[MilestoneReport]:
    """Approved reports ``user`` may count (see the module's "Who sees what"), narrowed by
    ``filters``; empty for anybody else."""
    scope = _report_scope(user)
    if scope is None:
        return MilestoneReport.objects.none()
    reports = MilestoneReport.objects.filter(scope, status=MilestoneReport.Status.APPROVED)
    f = filters or Filters()
    if f.program is not None:
        reports = reports.filter(**{f"{PROGRAM}_id": f.program.pk})
    if f.partner is not None:
        reports = reports.filter(**{f"{PARTNER}_id": f.partner.pk})
    if f.track is not None:
        reports = reports.filter(**{f"{TRACK}_id": f.track.pk})
    if f.cohort is not None:
        reports = reports.filter(**{f"{PROGRAM}__year": f.cohort})
    return reports


def collaborations_for(user, filters: Filters | None = None) -> QuerySet[Collaboration]:
    """Collaborations ``user`` may count: their agency's programs', or their own company's.
    Collaborations have no track: a track filter narrows them to the track's partner in the
    track's program."""
    agencies, partners = agency_ids(user), partner_organisation_ids(user)
    if not agencies and not partners:
        return Collaboration.objects.none()
    rows = Collaboration.objects.filter(Q(program__operator_id__in=agencies)
                                        | Q(partner__organisation_id__in=partners))
    f = filters or Filters()
    if f.program is not None:
        rows = rows.filter(program_id=f.program.pk)
    if f.partner is not None:
        rows = rows.filter(partner__organisation_id=f.partner.pk)
    if f.track is not None:
        rows = rows.filter(partner_id=f.track.partner_id)
    if f.cohort is not None:
        rows = rows.filter(program__year=f.cohort)
    return rows


def filter_choices(user) -> dict[str, list]:
    """The filter menus for ``user``: programs, partner companies, tracks and cohorts they may
    see (three queries). Agency staff: their agency's; partner staff: those their company takes
    part in (tracks: their company's own)."""
    agencies, partners = agency_ids(user), partner_organisation_ids(user)
    programs = list(Program.objects.filter(
        Q(operator_id__in=agencies) | Q(partners__organisation_id__in=partners))
        .distinct().order_by("-year", "name_ko"))
    companies = list(Organisation.objects.filter(
        Q(partnerships__program__operator_id__in=agencies) | Q(pk__in=partners),
        kind=Organisation.Kind.PARTNER).distinct().order_by("name_ko"))
    tracks = list(Track.objects.filter(
        Q(call__program__operator_id__in=agencies) | Q(partner__organisation_id__in=partners))
        .select_related("call__program", "partner__organisation")
        .order_by("-call__program__year", "partner__organisation__name_ko", "position", "pk"))
    cohorts = sorted({p.year for p in programs}, reverse=True)
    return {"programs": programs, "partners": companies, "tracks": tracks, "cohorts": cohorts}


# --- aggregates --------------------------------------------------------------------------------

# Aggregate aliases carry a "kpi_" prefix: an alias may not shadow a model field
# ("jobs_created"); Kpis.update strips it.
_REPORT_FIGURES = {
    "kpi_reports": Count("id"),
    "kpi_firms": Count(STARTUP, distinct=True),
    "kpi_jobs_created": Sum("jobs_created"),
    "kpi_revenue_krw": Sum("revenue_krw"),
    "kpi_overseas_revenue_krw": Sum("overseas_revenue_krw"),
    "kpi_overseas_firms": Count(STARTUP, distinct=True, filter=Q(overseas_revenue_krw__gt=0)),
    "kpi_patents_filed": Sum("patents_filed"),
    "kpi_patents_granted": Sum("patents_granted"),
    "kpi_mergers": Count("id", filter=~Q(merger_acquisition="")),
}
_INVESTMENT_FIGURES = {
    "kpi_investment_krw": Sum("amount_krw"),
    "kpi_investments": Count("id"),
    "kpi_investment_firms": Count(f"report__{STARTUP}", distinct=True),
}


def _investments_of(reports: QuerySet[MilestoneReport]) -> QuerySet[FollowOnInvestment]:
    return FollowOnInvestment.objects.filter(report__in=reports.values("pk"))


def _grouped(reports: QuerySet[MilestoneReport], keys: list[str]) -> dict[tuple, tuple[dict, Kpis]]:
    """``{group key: (the key's values, Kpis)}`` for the reports grouped by ``keys`` (paths from
    a report; ``"report_year"`` for the report year): two queries, one over the reports and one
    over their investments (joined separately, so an investment never multiplies a report's
    figures)."""
    result: dict[tuple, tuple[dict, Kpis]] = {}
    report_rows = (reports.annotate(report_year=ExtractYear("period_ends_on")).order_by()
                   .values(*keys).annotate(**_REPORT_FIGURES))
    for row in report_rows:
        key = tuple(row[k] for k in keys)
        kpis = Kpis()
        kpis.update(row)
        result[key] = ({k: row[k] for k in keys}, kpis)
    investment_keys = {f"report__{k}" if k != "report_year" else k: k for k in keys}
    investment_rows = (_investments_of(reports)
                       .annotate(report_year=ExtractYear("report__period_ends_on")).order_by()
                       .values(*investment_keys).annotate(**_INVESTMENT_FIGURES))
    for row in investment_rows:
        values = {k: row[path] for path, k in investment_keys.items()}
        key = tuple(values[k] for k in keys)
        # An investment's report is approved and in scope, so its group exists already.
        result.setdefault(key, (values, Kpis()))[1].update(row)
    return result


def kpi_totals(reports: QuerySet[MilestoneReport]) -> Kpis:
    """The figures of all of ``reports`` (two queries); distinct counts over the whole set."""
    totals = Kpis()
    totals.update(reports.order_by().aggregate(**_REPORT_FIGURES))
    totals.update(_investments_of(reports).order_by().aggregate(**_INVESTMENT_FIGURES))
    return totals


def kpis_by_year(reports: QuerySet[MilestoneReport]) -> list[tuple[int, Kpis]]:
    """``[(report year, Kpis), …]`` oldest first (two queries)."""
    grouped = _grouped(reports, ["report_year"])
    return sorted(((key[0], kpis) for key, (_, kpis) in grouped.items()), key=lambda r: r[0])


def _labelled(reports, keys: list[str], label) -> list[tuple[Label, Kpis]]:
    rows = [(label(values), kpis) for values, kpis in _grouped(reports, keys).values()]
    return sorted(rows, key=lambda r: (-(r[0].year or 0), r[0].partner_ko, r[0].name_ko, r[0].id))


def dashboard(user, filters: Filters) -> Dashboard:
    """The KPI dashboard of ``user`` under ``filters`` (a fixed number of queries: thirteen)."""
    reports = approved_reports_for(user, filters)
    by_cohort = _grouped(reports, [f"{PROGRAM}__year"])
    by_program = _labelled(
        reports, [f"{PROGRAM}_id", f"{PROGRAM}__name_ko", f"{PROGRAM}__name_en",
                  f"{PROGRAM}__year"],
        lambda v: Label(v[f"{PROGRAM}_id"], v[f"{PROGRAM}__name_ko"],
                        v[f"{PROGRAM}__name_en"], v[f"{PROGRAM}__year"]))
    by_partner = _labelled(
        reports, [f"{PARTNER}_id", f"{PARTNER}__name_ko", f"{PARTNER}__name_en"],
        lambda v: Label(v[f"{PARTNER}_id"], v[f"{PARTNER}__name_ko"], v[f"{PARTNER}__name_en"]))
    by_track = _labelled(
        reports, [f"{TRACK}_id", f"{TRACK}__name_ko", f"{TRACK}__name_en", f"{PROGRAM}__year",
                  f"{PARTNER}__name_ko", f"{PARTNER}__name_en"],
        lambda v: Label(v[f"{TRACK}_id"], v[f"{TRACK}__name_ko"], v[f"{TRACK}__name_en"],
                        v[f"{PROGRAM}__year"], v[f"{PARTNER}__name_ko"],
                        v[f"{PARTNER}__name_en"]))
    stages, stages_by_year, all_collaborations = _collaboration_figures(
        collaborations_for(user, filters))
    return Dashboard(
        totals=kpi_totals(reports), by_year=kpis_by_year(reports),
        by_cohort=sorted(((k[0], kpis) for k, (_, kpis) in by_cohort.items()), reverse=True,
                         key=lambda r: r[0]),
        by_program=by_program, by_partner=by_partner, by_track=by_track,
        stages=stages, stages_by_year=stages_by_year, collaborations=all_collaborations)


def _collaboration_figures(collaborations: QuerySet[Collaboration]):
    """Counts and amounts by stage, overall and by year proposed (one query)."""
    labels = dict(Collaboration.Stage.choices)
    overall = {s: StageFigures(s, str(labels[s])) for s in Collaboration.Stage.values}
    by_year: dict[int, dict[str, StageFigures]] = defaultdict(
        lambda: {s: StageFigures(s, str(labels[s])) for s in Collaboration.Stage.values})
    total = StageFigures("", "")
    rows = (collaborations.annotate(year=ExtractYear("proposed_on")).order_by()
            .values("stage", "year").annotate(count=Count("id"), amount=Sum("amount_krw")))
    for row in rows:
        count, amount = row["count"], int(row["amount"] or 0)
        for figures in (overall[row["stage"]], by_year[row["year"]][row["stage"]], total):
            figures.count += count
            figures.amount_krw += amount
    return (list(overall.values()),
            [(year, list(by_year[year].values())) for year in sorted(by_year)], total)


# --- the ministry's reporting shape -------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    """One startup's figures for one report year under one agreement (the ministry's shape)."""

    company_ko: str
    company_en: str
    business_registration_number: str
    program: Label
    track: Label
    partner: Label
    cohort: int
    report_year: int
    jobs_created: int
    revenue_krw: int
    overseas_revenue_krw: int
    investment_krw: int
    patents_filed: int
    patents_granted: int
    merger_acquisition: str  # a MilestoneReport.MergerAcquisition code, "" for none


def export_rows(reports: QuerySet[MilestoneReport]):
    """``ExportRow`` per startup, agreement and report year of ``reports``, by cohort, program,
    partner, track, company and year: two queries, the reports' read lazily (``iterator``).

    Several reports of one year are summed; when they declare different M&A kinds the row
    shows one of them (the greatest code). The investments are read first, one small row per
    firm and year that has any."""
    years = {"report_year": ExtractYear("period_ends_on")}
    invested = {
        (row["report__agreement_id"], row["report_year"]): int(row["amount"] or 0)
        for row in _investments_of(reports)
        .annotate(report_year=ExtractYear("report__period_ends_on")).order_by()
        .values("report__agreement_id", "report_year").annotate(amount=Sum("amount_krw"))}
    rows = (reports.annotate(**years).order_by()
            .values("agreement_id", "report_year", f"{STARTUP}__name_ko", f"{STARTUP}__name_en",
                    f"{STARTUP}__profile__business_registration_number",
                    f"{PROGRAM}_id", f"{PROGRAM}__name_ko", f"{PROGRAM}__name_en",
                    f"{PROGRAM}__year", f"{TRACK}_id", f"{TRACK}__name_ko", f"{TRACK}__name_en",
                    f"{PARTNER}_id", f"{PARTNER}__name_ko", f"{PARTNER}__name_en")
            .annotate(jobs=Sum("jobs_created"), revenue=Sum("revenue_krw"),
                      overseas=Sum("overseas_revenue_krw"), filed=Sum("patents_filed"),
                      granted=Sum("patents_granted"), mna=Max("merger_acquisition"))
            .order_by(f"{PROGRAM}__year", f"{PROGRAM}__name_ko", f"{PARTNER}__name_ko",
                      f"{TRACK}__name_ko", f"{STARTUP}__name_ko", "agreement_id", "report_year"))
    for r in rows.iterator(chunk_size=500):
        yield ExportRow(
            company_ko=r[f"{STARTUP}__name_ko"], company_en=r[f"{STARTUP}__name_en"],
            business_registration_number=r[f"{STARTUP}__profile__business_registration_number"]
            or "",
            program=Label(r[f"{PROGRAM}_id"], r[f"{PROGRAM}__name_ko"], r[f"{PROGRAM}__name_en"]),
            track=Label(r[f"{TRACK}_id"], r[f"{TRACK}__name_ko"], r[f"{TRACK}__name_en"]),
            partner=Label(r[f"{PARTNER}_id"], r[f"{PARTNER}__name_ko"], r[f"{PARTNER}__name_en"]),
            cohort=r[f"{PROGRAM}__year"], report_year=r["report_year"],
            jobs_created=int(r["jobs"] or 0), revenue_krw=int(r["revenue"] or 0),
            overseas_revenue_krw=int(r["overseas"] or 0),
            investment_krw=invested.get((r["agreement_id"], r["report_year"]), 0),
            patents_filed=int(r["filed"] or 0), patents_granted=int(r["granted"] or 0),
            merger_acquisition=r["mna"] or "")


# --- the public outcomes page -------------------------------------------------------------------


@dataclass
class PublicCell:
    """One program's figures for one report year as the public may see them: each figure
    ``None`` when fewer than the threshold of firms stand behind it (``suppressed`` then says
    the whole row is)."""

    program: Label
    operator_ko: str
    operator_en: str
    report_year: int
    suppressed: bool
    firms: int | None
    jobs_created: int | None
    revenue_krw: int | None
    overseas_firms: int | None
    investment_krw: int | None
    investment_firms: int | None


def _shown(value: int, firms: int, minimum: int) -> int | None:
    """``value`` when no firm or at least ``minimum`` firms stand behind it, else ``None``."""
    return value if firms == 0 or firms >= minimum else None


def public_outcomes(minimum: int | None = None) -> list[PublicCell]:
    """Every program's approved outcomes per report year, newest program first, for anonymous
    readers (two queries). No company is named. A row whose firms are fewer than ``minimum``
    (default :func:`public_min_firms`) shows no figure at all; within a shown row the
    follow-on investment amount is shown only when no firm or at least ``minimum`` firms
    had one. No totals are shown: a total next to a suppressed cell would give it away."""
    minimum = minimum or public_min_firms()
    reports = MilestoneReport.objects.filter(status=MilestoneReport.Status.APPROVED)
    grouped = _grouped(reports, [f"{PROGRAM}_id", "report_year", f"{PROGRAM}__name_ko",
                                 f"{PROGRAM}__name_en", f"{PROGRAM}__year",
                                 f"{PROGRAM}__operator__name_ko",
                                 f"{PROGRAM}__operator__name_en"])
    cells = []
    for values, k in grouped.values():
        small = k.firms < minimum
        cells.append(PublicCell(
            program=Label(values[f"{PROGRAM}_id"], values[f"{PROGRAM}__name_ko"],
                          values[f"{PROGRAM}__name_en"], values[f"{PROGRAM}__year"]),
            operator_ko=values[f"{PROGRAM}__operator__name_ko"],
            operator_en=values[f"{PROGRAM}__operator__name_en"],
            report_year=values["report_year"], suppressed=small,
            firms=None if small else k.firms,
            jobs_created=None if small else k.jobs_created,
            revenue_krw=None if small else k.revenue_krw,
            overseas_firms=None if small else k.overseas_firms,
            investment_krw=None if small else _shown(k.investment_krw, k.investment_firms,
                                                     minimum),
            investment_firms=None if small else k.investment_firms))
    return sorted(cells, key=lambda c: (-(c.program.year or 0), c.program.name_ko,
                                        c.program.id, c.report_year))


def pick_in_scope(items, pk: int | None):
    """The item of ``items`` (a filter's choices: programs, partners, tracks) whose ``pk`` is
    ``pk``; None when no ``pk`` is asked for. Raises Http404 when ``pk`` is not among them:
    outside the person's scope is the same answer as "no such thing" (the dashboard page and
    the API's ``GET /kpis``)."""
    if pk is None:
        return None
    for item in items:
        if item.pk == pk:
            return item
    raise Http404
