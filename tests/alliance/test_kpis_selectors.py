"""The KPI selectors (alliance/selectors_kpis.py): what is counted, per what, for whom.

A small world: KISED's 2023 and 2024 cohorts, OpenAI's and NVIDIA's tracks in each, a few
selected startups with reports in every status (only approved ones count)."""

from __future__ import annotations

import datetime as dt

import pytest

from kbridge.alliance import selectors_kpis as kpis
from kbridge.alliance.models import Collaboration, MilestoneReport
from tests.alliance import kpis_world as w

Status = MilestoneReport.Status


@pytest.fixture
def outcomes(world, personas):
    """Two cohorts; reports of 2023 and 2024 periods; every status once."""
    p23, openai23, nvidia23 = w.cohort(world, personas, 2023)
    p24, openai24, _nvidia24 = w.cohort(world, personas, 2024)
    alpha = w.agreement_for(openai23, "알파")
    beta = w.agreement_for(nvidia23, "베타")
    gamma = w.agreement_for(openai24, "감마")
    r1 = w.report(alpha, dt.date(2023, 12, 31), jobs=5, revenue=300_000_000, overseas=50_000_000,
                  filed=2, granted=1)
    w.invest(r1, 2_000_000_000)
    r2 = w.report(alpha, dt.date(2024, 6, 30), jobs=3, revenue=200_000_000, overseas=10_000_000)
    w.invest(r2, 500_000_000)
    w.invest(r2, 300_000_000)
    w.report(beta, dt.date(2023, 12, 31), jobs=7, revenue=100_000_000, mna="acquired")
    w.report(gamma, dt.date(2024, 12, 31), jobs=4, revenue=50_000_000, overseas=1)
    for status in (Status.DUE, Status.SUBMITTED, Status.RETURNED):  # never counted
        r = w.report(gamma, dt.date(2024, 12, 31), status=status, jobs=100, revenue=10**12,
                     overseas=10**9)
        w.invest(r, 10**12)
    w.collaboration(openai23, alpha.outcome.application.applicant,
                    stage=Collaboration.Stage.RUNNING, amount=40_000_000)
    w.collaboration(nvidia23, beta.outcome.application.applicant, amount=None)
    return {"p23": p23, "p24": p24, "openai23": openai23, "nvidia23": nvidia23}


def test_totals_count_approved_reports_only(outcomes, personas):
    totals = kpis.kpi_totals(kpis.approved_reports_for(personas.operator))
    assert totals == kpis.Kpis(
        reports=4, firms=3, jobs_created=19, revenue_krw=650_000_000,
        overseas_revenue_krw=60_000_001, overseas_firms=2, investment_krw=2_800_000_000,
        investments=3, investment_firms=1, patents_filed=2, patents_granted=1, mergers=1)


def test_year_over_year_by_the_year_each_period_ends(outcomes, personas):
    by_year = dict(kpis.kpis_by_year(kpis.approved_reports_for(personas.operator)))
    assert sorted(by_year) == [2023, 2024]
    assert (by_year[2023].jobs_created, by_year[2023].overseas_firms,
            by_year[2023].investment_krw) == (12, 1, 2_000_000_000)
    # Alpha and gamma both had overseas revenue in 2024: alpha counts in both years, once in the total.
    assert (by_year[2024].jobs_created, by_year[2024].overseas_firms,
            by_year[2024].investment_krw, by_year[2024].investments) == (7, 2, 800_000_000, 2)


def test_dashboard_breaks_down_by_cohort_program_partner_and_track(outcomes, personas):
    data = kpis.dashboard(personas.operator, kpis.Filters())
    assert [(year, k.jobs_created) for year, k in data.by_cohort] == [(2024, 4), (2023, 15)]
    assert [(label.name_en, k.jobs_created) for label, k in data.by_partner] == [
        ("NVIDIA", 7), ("OpenAI", 12)]
    assert {(label.year, label.name_en): k.jobs_created for label, k in data.by_track} == {
        (2023, "OpenAI track"): 8, (2023, "NVIDIA track"): 7, (2024, "OpenAI track"): 4}
    assert [(label.year, k.firms) for label, k in data.by_program] == [(2024, 1), (2023, 2)]
    assert {s.stage: (s.count, s.amount_krw) for s in data.stages} == {
        "proposed": (1, 0), "agreed": (0, 0), "running": (1, 40_000_000), "done": (0, 0),
        "dropped": (0, 0)}
    assert [year for year, _ in data.stages_by_year] == [2023]


def test_filters_narrow_reports_and_collaborations(outcomes, personas):
    only = kpis.Filters(track=outcomes["nvidia23"])
    data = kpis.dashboard(personas.operator, only)
    assert (data.totals.jobs_created, data.totals.mergers, data.collaborations.count) == (7, 1, 1)
    assert kpis.kpi_totals(kpis.approved_reports_for(
        personas.operator, kpis.Filters(cohort=2024))).jobs_created == 4
    assert kpis.kpi_totals(kpis.approved_reports_for(
        personas.operator, kpis.Filters(partner=personas.partner_a_org))).jobs_created == 12
    assert kpis.kpi_totals(kpis.approved_reports_for(
        personas.operator, kpis.Filters(program=outcomes["p23"]))).jobs_created == 15


def test_partners_count_their_own_tracks_and_collaborations_only(outcomes, personas):
    openai = kpis.dashboard(personas.partner_a, kpis.Filters())
    nvidia = kpis.dashboard(personas.partner_b, kpis.Filters())
    assert (openai.totals.jobs_created, openai.collaborations.count) == (12, 1)
    assert (nvidia.totals.jobs_created, nvidia.collaborations.count) == (7, 1)
    assert [label.name_en for label, _ in nvidia.by_partner] == ["NVIDIA"]


def test_another_agency_startups_and_evaluators_count_nothing(outcomes, personas):
    for person in (personas.operator_b, personas.startup_a, personas.evaluator):
        assert kpis.kpi_totals(kpis.approved_reports_for(person)) == kpis.Kpis()
        assert not kpis.sees_kpis(person) or person == personas.operator_b
        assert kpis.collaborations_for(person).count() == 0


def test_filter_choices_are_the_users_scope(outcomes, personas, world):
    mine = kpis.filter_choices(personas.partner_b)
    assert {t.partner.organisation_id for t in mine["tracks"]} == {personas.partner_b_org.pk}
    assert [o.name_en for o in mine["partners"]] == ["NVIDIA"]
    assert mine["cohorts"] == [2026, 2024, 2023]
    assert kpis.filter_choices(personas.operator_b) == {
        "programs": [], "partners": [], "tracks": [], "cohorts": []}


def test_export_rows_one_per_startup_and_report_year(outcomes, personas):
    rows = list(kpis.export_rows(kpis.approved_reports_for(personas.operator)))
    assert [(r.company_ko, r.report_year, r.jobs_created, r.investment_krw, r.cohort)
            for r in rows] == [
        ("베타", 2023, 7, 0, 2023), ("알파", 2023, 5, 2_000_000_000, 2023),
        ("알파", 2024, 3, 800_000_000, 2023), ("감마", 2024, 4, 0, 2024)]
    assert rows[0].merger_acquisition == "acquired"
    assert rows[0].business_registration_number == "220-81-62517"
    assert rows[0].partner.name_en == "NVIDIA"


def test_public_outcomes_hide_cells_behind_fewer_firms_than_the_threshold(outcomes):
    cells = kpis.public_outcomes(minimum=2)
    shown = {(c.program.year, c.report_year): c for c in cells}
    assert shown[(2023, 2023)].suppressed is False
    assert (shown[(2023, 2023)].firms, shown[(2023, 2023)].jobs_created) == (2, 12)
    # One firm with an investment among two: the amount is hidden, the count shown.
    assert (shown[(2023, 2023)].investment_krw, shown[(2023, 2023)].investment_firms) == (None, 1)
    for key in [(2023, 2024), (2024, 2024)]:  # one firm each
        assert shown[key].suppressed is True
        assert (shown[key].firms, shown[key].jobs_created, shown[key].revenue_krw) == (
            None, None, None)
