"""The KPI dashboard, its exports and the public outcomes page (alliance/views/kpis.py).

The central property: the dashboard's totals, the exports' totals and the sum of the approved
reports are the same numbers, for any mix of reports in any status (hypothesis)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.alliance.models import MilestoneReport
from tests.alliance import kpis_world as w

Status = MilestoneReport.Status
DASHBOARD = "/manage/alliance/kpis/"


def headline(response) -> dict[str, int]:
    """The dashboard's headline figures by test id (``kpi-jobs`` → its ``data-value``)."""
    html = response.content.decode()
    return {name: int(value) for name, value in
            re.findall(r'data-testid="kpi-([a-z-]+)" data-value="(\d+)"', html)}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_sheets(response) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)),
                                  read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


# --- the totals agree -------------------------------------------------------------------------

report_specs = st.lists(st.fixed_dictionaries({
    "startup": st.integers(0, 3), "track": st.integers(0, 2), "year": st.integers(2025, 2027),
    "status": st.sampled_from(Status.values),
    "jobs": st.integers(0, 40), "revenue": st.integers(0, 5 * 10**10),
    "overseas": st.one_of(st.just(0), st.integers(1, 10**10)),
    "investments": st.lists(st.integers(1, 10**11), max_size=2),
}), max_size=8)


@pytest.mark.django_db
@settings(derandomize=True, deadline=None, max_examples=12,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=report_specs)
def test_dashboard_export_and_approved_reports_agree(world, personas, client_for, specs):
    sid = transaction.savepoint()
    try:
        tracks = [world.track_a, world.track_b, w.cohort(world, personas, 2025)[1]]
        startups = [w.agreement_for(world.track_a).outcome.application.applicant
                    for _ in range(4)]
        agreements: dict[tuple[int, int], object] = {}
        expected = {"jobs": 0, "investment": 0, "revenue": 0}
        overseas_firms = set()
        for spec in specs:
            key = (spec["startup"], spec["track"])
            if key not in agreements:
                agreements[key] = w.agreement_for(tracks[spec["track"]],
                                                  startup=startups[spec["startup"]])
            report = w.report(agreements[key], dt.date(spec["year"], 12, 31),
                              status=spec["status"], jobs=spec["jobs"],
                              revenue=spec["revenue"], overseas=spec["overseas"])
            for amount in spec["investments"]:
                w.invest(report, amount)
            if spec["status"] == Status.APPROVED:
                expected["jobs"] += spec["jobs"]
                expected["revenue"] += spec["revenue"]
                expected["investment"] += sum(spec["investments"])
                if spec["overseas"]:
                    overseas_firms.add(spec["startup"])
        expected["overseas-firms"] = len(overseas_firms)

        client = client_for(personas.operator)
        assert headline(client.get(DASHBOARD)) == expected

        rows = csv_rows(client.get(DASHBOARD + "export.csv"))[1:]
        assert (sum(int(r[8]) for r in rows), sum(int(r[9]) for r in rows),
                sum(int(r[11]) for r in rows)) == (
            expected["jobs"], expected["revenue"], expected["investment"])
        total = csv_rows(client.get(DASHBOARD + "totals.csv"))[-1]
        assert (int(total[3]), int(total[4]), int(total[6]), int(total[7])) == (
            expected["jobs"], expected["revenue"], expected["overseas-firms"],
            expected["investment"])
    finally:
        transaction.savepoint_rollback(sid)


# --- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def reported(world, personas):
    """Two firms in KISED's 2026 program (OpenAI's and NVIDIA's tracks) and one in 2025."""
    _p25, openai25, _nvidia25 = w.cohort(world, personas, 2025)
    a = w.agreement_for(world.track_a, "오픈트랙기업")
    b = w.agreement_for(world.track_b, "엔비디아트랙기업")
    c = w.agreement_for(openai25, "이십오년기업")
    w.invest(w.report(a, dt.date(2026, 12, 31), jobs=10, revenue=10**9, overseas=10**8),
             2 * 10**9)
    w.report(b, dt.date(2026, 12, 31), jobs=4, revenue=5 * 10**8)
    w.report(c, dt.date(2025, 12, 31), jobs=6, revenue=2 * 10**8, overseas=1)
    w.report(c, dt.date(2026, 6, 30), jobs=99, status=Status.SUBMITTED)
    return {"a": a, "b": b, "c": c, "openai25": openai25}


def test_operator_sees_the_agency_totals_charts_and_tables(reported, personas, client_for):
    response = client_for(personas.operator).get(DASHBOARD)
    assert response.status_code == 200
    assert headline(response) == {"jobs": 20, "investment": 2 * 10**9, "overseas-firms": 2,
                                  "revenue": 17 * 10**8}
    html = response.content.decode()
    # Every chart is an inline SVG followed by a table view holding the same numbers (or,
    # with nothing to draw, says so: the stages of collaborations, none recorded here).
    for chart in re.findall(r'<figure class="kpi-chart" id="([a-z-]+)">(.*?)</figure>', html,
                            re.S):
        body = chart[1]
        if chart[0] == "chart-collaborations":
            assert "data-chart-empty" in body and "<svg" not in body
            continue
        bars = re.findall(r'class="chart-item" data-label="([^"]+)" data-value="(\d+)"', body)
        cells = re.findall(r'<th scope="row">([^<]+)</th><td class="num" data-value="(\d+)"',
                           body)
        assert bars and bars == cells, chart[0]
    assert re.search(r'id="chart-jobs".*data-label="2025" data-value="6".*'
                     r'data-label="2026" data-value="14"', html, re.S)
    assert "style=" not in html  # the Content-Security-Policy refuses style attributes


def test_filters_narrow_the_totals(reported, personas, client_for, world):
    client = client_for(personas.operator)
    assert headline(client.get(DASHBOARD, {"cohort": 2025}))["jobs"] == 6
    assert headline(client.get(DASHBOARD, {"track": world.track_b.pk}))["jobs"] == 4
    assert headline(client.get(DASHBOARD, {"partner": personas.partner_a_org.pk}))["jobs"] == 16
    assert headline(client.get(DASHBOARD, {"program": world.program.pk}))["jobs"] == 14


def test_partners_see_their_own_tracks_only(reported, personas, client_for, world):
    assert headline(client_for(personas.partner_b).get(DASHBOARD))["jobs"] == 4
    assert headline(client_for(personas.partner_a).get(DASHBOARD))["jobs"] == 16
    # Another company's track, or a partner company not theirs: 404, like no such track.
    client = client_for(personas.partner_b)
    assert client.get(DASHBOARD, {"track": world.track_a.pk}).status_code == 404
    assert client.get(DASHBOARD, {"partner": personas.partner_a_org.pk}).status_code == 404
    assert client.get(DASHBOARD + "export.csv",
                      {"track": world.track_a.pk}).status_code == 404


def test_another_agency_gets_404_for_kised_programs(reported, personas, client_for, world):
    w.cohort(world, personas, 2026, operator=personas.operator_b_org)
    client = client_for(personas.operator_b)
    assert headline(client.get(DASHBOARD))["jobs"] == 0
    for params in ({"program": world.program.pk}, {"track": world.track_a.pk},
                   {"cohort": 2025}):
        assert client.get(DASHBOARD, params).status_code == 404
        assert client.get(DASHBOARD + "export.xlsx", params).status_code == 404


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "９", "1" * 19, "99999"])
def test_a_filter_that_names_nothing_visible_answers_404(reported, personas, client_for, value):
    client = client_for(personas.operator)
    for name in ("program", "partner", "track", "cohort"):
        assert client.get(DASHBOARD, {name: value}).status_code == 404


@pytest.mark.django_db
@settings(derandomize=True, deadline=None, max_examples=20,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["program", "partner", "track", "cohort"]),
       value=st.text(max_size=30).filter(lambda v: "\x00" not in v))
def test_any_typed_filter_answers_the_page_or_404_never_an_error(personas, client_for, name,
                                                                  value):
    status = client_for(personas.operator).get(DASHBOARD + "export.csv",
                                               {name: value}).status_code
    assert status == (200 if not value.strip() else 404)


def test_startups_and_evaluators_get_404_and_anonymous_signs_in(personas, client_for):
    for person in (personas.startup_a, personas.startup_a_member, personas.evaluator):
        assert client_for(person).get(DASHBOARD).status_code == 404
    response = client_for(None).get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_dashboard_reads_in_english(reported, personas, client_for):
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    html = client.get(DASHBOARD, headers={"Accept-Language": "en"}).content.decode()
    assert "Jobs created by report year" in html and "₩2B" in html


# --- exports ------------------------------------------------------------------------------------


def test_csv_export_is_the_ministry_shape(reported, personas, client_for, world):
    response = client_for(personas.operator).get(DASHBOARD + "export.csv",
                                                 {"program": world.program.pk})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="kpis-program-\d+-\d{8}\.csv"',
                    response["Content-Disposition"])
    rows = csv_rows(response)
    assert rows[0] == ["기업명", "기업명(영문)", "사업자등록번호", "사업명", "트랙", "글로벌 기업",
                       "기수(선정 연도)", "보고 연도", "일자리 창출", "매출액(원)",
                       "해외 매출액(원)", "후속 투자(원)", "특허 출원", "특허 등록", "인수합병(M&A)"]
    assert [r[0] for r in rows[1:]] == ["엔비디아트랙기업", "오픈트랙기업"]
    assert rows[2][2:12] == ["220-81-62517", world.program.name_ko, world.track_a.name_ko,
                             "오픈AI", "2026", "2026", "10", "1000000000", "100000000",
                             "2000000000"]


def test_xlsx_export_has_the_rows_and_a_totals_sheet(reported, personas, client_for):
    sheets = xlsx_sheets(client_for(personas.operator).get(DASHBOARD + "export.xlsx"))
    assert list(sheets) == ["기업별", "합계"]
    assert len(sheets["기업별"]) == 1 + 3
    totals = sheets["합계"]
    assert [row[0] for row in totals] == ["보고 연도", 2025, 2026, "합계"]
    assert totals[-1][:4] == ("합계", 3, 3, 20)


@pytest.mark.parametrize("url", ["export.csv", "export.xlsx", "totals.csv"])
def test_exports_cost_the_same_queries_for_one_firm_as_for_three(world, personas, client_for,
                                                                 url):
    client = client_for(personas.operator)
    client.get(DASHBOARD)  # the session's first request

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(DASHBOARD + url).streaming_content)
        return len(captured)

    def add_firm():
        w.invest(w.report(w.agreement_for(world.track_a), dt.date(2026, 12, 31), jobs=1), 5)

    add_firm()
    one = queries()
    add_firm()
    add_firm()
    assert queries() == one


def test_a_company_name_cannot_become_a_formula(world, personas, client_for):
    w.report(w.agreement_for(world.track_a, '=HYPERLINK("http://x.example","y")'),
             dt.date(2026, 12, 31), jobs=1)
    rows = csv_rows(client_for(personas.operator).get(DASHBOARD + "export.csv"))
    assert rows[1][0] == "'=HYPERLINK(\"http://x.example\",\"y\")"


# --- the public outcomes page -------------------------------------------------------------------

PUBLIC = "/alliance/outcomes/"


def test_public_page_shows_aggregates_and_names_no_company(world, personas, client, settings):
    settings.KBRIDGE_OUTCOMES_MIN_FIRMS = 2
    names = ["퍼블릭알파", "퍼블릭베타"]
    for name, track in zip(names, [world.track_a, world.track_b], strict=True):
        w.invest(w.report(w.agreement_for(track, name), dt.date(2026, 12, 31), jobs=5,
                          revenue=10**9), 10**9)
    lonely = w.agreement_for(world.track_a, "외로운기업")
    w.report(lonely, dt.date(2027, 6, 30), jobs=77)
    html = client.get(PUBLIC).content.decode()
    assert "10" in html and "20억 원" in html
    # 2027: one firm, suppressed (the page's text, not its attributes: a CSP nonce may hold
    # any digits).
    assert not re.search(r">[^<]*\b77\b[^<]*<", html)
    assert "2개 미만 기업: 표시하지 않음" in html
    for name in [*names, "외로운기업", "Company"]:
        assert name not in html


def test_public_page_in_english(world, personas, client):
    client.cookies["django_language"] = "en"
    html = client.get(PUBLIC, headers={"Accept-Language": "en"}).content.decode()
    assert "Program outcomes" in html and "No outcomes reported yet." in html


def test_no_collaboration_is_said_in_words_not_drawn_as_zeros(world, personas, client_for):
    """The tester's finding: the empty "collaborations by stage" chart drew zeros while the
    other charts said there was no data."""
    from tests.alliance.world import collaboration

    html = client_for(personas.operator).get(DASHBOARD).content.decode()
    for chart in ("chart-jobs", "chart-collaborations"):
        figure = html[html.index(f'id="{chart}"'):]
        figure = figure[:figure.index("</figure>")]
        assert "data-chart-empty" in figure and "<svg" not in figure, chart
    assert "data-collaborations-empty" in html and 'data-stage="proposed"' not in html
    collaboration(world.partner_a, personas.startup_a_org)
    html = client_for(personas.operator).get(DASHBOARD).content.decode()
    figure = html[html.index('id="chart-collaborations"'):]
    assert "<svg" in figure[:figure.index("</figure>")]
    assert 'data-stage="proposed" data-value="1"' in html
