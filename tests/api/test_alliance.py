"""The alliance area of the API: collaborations (a partner sees and edits only its own),
milestone reports (a startup's own; the operators' queue) and the KPI dashboard's figures,
through the web's selectors, forms, rules and services."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kbridge.alliance import selectors_kpis
from kbridge.alliance.models import Collaboration, MilestoneReport
from kbridge.alliance.services import collaborations as collaboration_services
from tests.alliance import kpis_world
from tests.alliance import world as alliance_world
from tests.alliance.reports import world as reports_world
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

C = "/api/v1/collaborations"


@pytest.fixture
def alliance(world, personas):
    return alliance_world.build(world, personas)


@pytest.fixture
def agreement_a(world, personas):
    return reports_world.accepted(world, personas)


def count_queries(client: ApiClient, path: str) -> int:
    """The queries of a GET of ``path`` (after one to warm up the rate window)."""
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return len(queries)


# --- collaborations ---------------------------------------------------------------------------


def test_a_partner_lists_only_its_own_collaborations(alliance, personas, api_for):
    ids = lambda user: [c["id"] for c in api_for(user).get(C).json()["items"]]  # noqa: E731
    assert ids(personas.partner_a) == [alliance.collaboration_a.pk]
    assert ids(personas.partner_b) == [alliance.collaboration_b.pk]
    assert set(ids(personas.operator)) == {alliance.collaboration_a.pk,
                                           alliance.collaboration_b.pk}
    assert ids(personas.operator_b) == []
    # A startup's people read their company's (the web's "my collaborations"), nothing more.
    assert ids(personas.startup_a_member) == [alliance.collaboration_a.pk]
    assert api_for(personas.startup_a).get(
        f"{C}/{alliance.collaboration_a.pk}").status_code == 404
    assert api_for(personas.startup_a).post(
        f"{C}/{alliance.collaboration_a.pk}/stage", {"to": "dropped"}).status_code == 404
    assert api_for(personas.evaluator).get(C).status_code == 404


def test_collaborations_filter_by_stage_kind_and_partner(alliance, world, personas, api_for):
    client = api_for(personas.operator)
    credits = client.get(C + "?kind=credits").json()["items"]
    assert [c["id"] for c in credits] == [alliance.collaboration_b.pk]
    assert credits[0]["kind"] == {"code": "credits", "label": "Cloud credits"}
    assert client.get(C + "?stage=done").json()["count"] == 0
    assert client.get(f"{C}?partner={world.partner_a.pk}").json()["count"] == 1
    assert client.get(C + "?stage=finished").status_code == 422


def test_another_partners_collaboration_is_404(alliance, personas, api_for):
    path = f"{C}/{alliance.collaboration_a.pk}"
    assert api_for(personas.partner_b).get(path).status_code == 404
    assert api_for(personas.operator_b).get(path).status_code == 404
    body = api_for(personas.partner_a).get(path).json()
    assert body["title"] == "GPT API PoC" and body["partner"] == "OpenAI"
    assert [s["code"] for s in body["next_stages"]] == ["agreed", "dropped"]


def test_a_partner_records_a_collaboration_through_the_form(alliance, world, personas,
                                                            api_for):
    answer = api_for(personas.partner_a).post(C, {
        "partner_id": world.partner_a.pk, "startup_id": personas.startup_a_org.pk,
        "kind": "credits", "title": "API 크레딧", "amount_krw": "3천만"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["amount_krw"] == 30_000_000 and body["stage"]["code"] == "proposed"
    assert body["proposed_on"] == collaboration_services.today_kst().isoformat()
    assert [h["to_stage"]["code"] for h in body["history"]] == ["proposed"]
    assert Collaboration.objects.get(pk=body["id"]).created_by == personas.partner_a


def test_a_partner_cannot_record_for_another_partner_or_an_unknown_startup(
        alliance, world, personas, api_for):
    client = api_for(personas.partner_a)
    answer = client.post(C, {"partner_id": world.partner_b.pk,
                             "startup_id": personas.startup_a_org.pk, "kind": "poc",
                             "title": "PoC"})
    assert answer.status_code == 422
    # Named as the request names them, not as the web form does ("partner").
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["partner_id"]
    # Startup B applied nowhere the partner sees and is not a listed member.
    answer = client.post(C, {"partner_id": world.partner_a.pk,
                             "startup_id": personas.startup_b_org.pk, "kind": "poc",
                             "title": "PoC"})
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["startup_id"]
    tomorrow = collaboration_services.today_kst() + dt.timedelta(days=1)
    answer = client.post(C, {"partner_id": world.partner_a.pk,
                             "startup_id": personas.startup_a_org.pk, "kind": "poc",
                             "title": "PoC", "proposed_on": tomorrow.isoformat()})
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["proposed_on"]
    assert Collaboration.objects.count() == 2


def test_the_stage_moves_through_the_service_with_its_date_rules(alliance, personas,
                                                                 api_for):
    client = api_for(personas.partner_a)
    path = f"{C}/{alliance.collaboration_a.pk}/stage"
    tomorrow = collaboration_services.today_kst() + dt.timedelta(days=1)
    answer = client.post(path, {"to": "agreed", "on": tomorrow.isoformat()})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "on"
    assert client.post(path, {"to": "done"}).status_code == 422  # not a next stage
    answer = client.post(path, {"to": "agreed", "note": "계약 체결"})
    assert answer.status_code == 200
    assert answer.json()["stage"]["code"] == "agreed"
    assert answer.json()["history"][-1]["note"] == "계약 체결"
    assert client.post(path, {"to": "dropped"}).json()["stage"]["code"] == "dropped"
    closed = client.post(path, {"to": "running"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "conflict"
    assert api_for(personas.partner_b).post(path, {"to": "dropped"}).status_code == 404


def test_the_collaborations_list_takes_a_constant_number_of_queries(alliance, world,
                                                                    personas, api_for):
    client = api_for(personas.operator)
    one = count_queries(client, C)
    for n in range(3):
        alliance_world.collaboration(world.partner_b, personas.startup_a_org, title=f"C{n}")
    assert count_queries(client, C) == one


# --- milestone reports ------------------------------------------------------------------------


def test_the_startups_people_list_their_reports(agreement_a, personas, api_for):
    body = api_for(personas.startup_a_member).get("/api/v1/reports").json()
    reports = list(agreement_a.milestone_reports.order_by("sequence"))
    assert [r["id"] for r in body["items"]] == [r.pk for r in reports]
    assert body["items"][0]["kind"] == "interim" and body["items"][0]["status"]["code"] == "due"
    assert body["items"][0]["company"] == "Neuro Chips"
    assert api_for(personas.startup_b).get("/api/v1/reports").json()["count"] == 0
    assert api_for(personas.startup_a).get(
        "/api/v1/reports?status=approved").json()["count"] == 0
    for user in (personas.operator, personas.partner_a):
        assert api_for(user).get("/api/v1/reports").status_code == 404


def test_a_report_is_read_by_its_startup_and_the_programs_operator(agreement_a, personas,
                                                                   api_for):
    path = f"/api/v1/reports/{reports_world.first_report(agreement_a).pk}"
    assert api_for(personas.startup_a_member).get(path).json()["may_edit"] is True
    assert api_for(personas.startup_a_member).get(path).json()["may_submit"] is False
    body = api_for(personas.operator).get(path).json()
    assert body["may_edit"] is False and body["sequence"] == 1
    for user in (personas.operator_b, personas.partner_a, personas.startup_b):
        assert api_for(user).get(path).status_code == 404


def test_a_member_saves_the_draft_through_the_form(agreement_a, personas, api_for):
    report = reports_world.first_report(agreement_a)
    answer = api_for(personas.startup_a_member).put(f"/api/v1/reports/{report.pk}", {
        "jobs_created": 3, "revenue_krw": "3억 5천만", "narrative": "시제품 출하",
        "investments": [{"round": "seed", "amount_krw": 500_000_000, "investor": "스파크랩",
                         "closed_on": report.period_starts_on.isoformat()}]})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["revenue_krw"] == 350_000_000 and body["jobs_created"] == 3
    assert body["employees"] is None and body["status"]["code"] == "due"
    assert body["investments"][0]["round"]["code"] == "seed"
    assert report.investments.count() == 1


def test_draft_errors_name_the_field_and_keep_the_stored_draft(agreement_a, personas,
                                                               api_for):
    report = reports_world.first_report(agreement_a)
    answer = api_for(personas.startup_a).put(f"/api/v1/reports/{report.pk}", {
        "jobs_created": -1, "revenue_krw": "a lot",
        "investments": [{"round": "seed", "amount_krw": 1, "investor": "",
                         "closed_on": "2026-13-01"}]})
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"jobs_created", "revenue_krw", "investments.0.investor",
                      "investments.0.closed_on"}
    report.refresh_from_db()
    assert report.jobs_created is None


def test_only_the_representative_submits_a_complete_report(agreement_a, personas, api_for):
    report = reports_world.first_report(agreement_a)
    path = f"/api/v1/reports/{report.pk}/submit"
    incomplete = api_for(personas.startup_a).post(path)
    assert incomplete.status_code == 422
    assert "narrative" in {d["field"] for d in incomplete.json()["error"]["details"]}
    reports_world.filled(report, personas.startup_a_member)
    assert api_for(personas.startup_a_member).post(path).status_code == 409
    answer = api_for(personas.startup_a).post(path)
    assert answer.status_code == 200 and answer.json()["status"]["code"] == "submitted"
    assert [h["action"]["code"] for h in answer.json()["history"]] == ["submitted"]
    again = api_for(personas.startup_a).put(f"/api/v1/reports/{report.pk}", {})
    assert again.status_code == 409
    assert api_for(personas.operator).post(path).status_code == 404


def test_the_operators_queue_is_read_section_by_section(agreement_a, personas, api_for):
    report = reports_world.submitted(reports_world.first_report(agreement_a), personas)
    body = api_for(personas.operator).get("/api/v1/report-queue").json()
    assert [r["id"] for r in body["items"]] == [report.pk]
    assert api_for(personas.operator).get(
        "/api/v1/report-queue?section=overdue").json()["count"] == 0
    assert api_for(personas.operator_b).get("/api/v1/report-queue").json()["count"] == 0
    assert api_for(personas.startup_a).get("/api/v1/report-queue").status_code == 404
    assert api_for(personas.partner_a).get("/api/v1/report-queue").status_code == 404


def test_the_report_lists_take_a_constant_number_of_queries(agreement_a, world, personas,
                                                            api_for):
    startup, operator = api_for(personas.startup_a), api_for(personas.operator)
    upcoming = "/api/v1/report-queue?section=upcoming"
    counts = (count_queries(startup, "/api/v1/reports"), count_queries(operator, upcoming))
    for _ in range(2):
        reports_world.accepted(world, personas, starts_on=agreement_a.starts_on,
                               ends_on=agreement_a.ends_on)
    assert MilestoneReport.objects.count() > 3 * agreement_a.milestone_reports.count() - 1
    assert (count_queries(startup, "/api/v1/reports"),
            count_queries(operator, upcoming)) == counts


# --- KPIs -------------------------------------------------------------------------------------


@pytest.fixture
def cohort(world, personas):
    program, openai, nvidia = kpis_world.cohort(world, personas, 2025)
    a = kpis_world.report(kpis_world.agreement_for(openai), dt.date(2025, 12, 31), jobs=3,
                          revenue=10**8, overseas=10**7)
    kpis_world.invest(a, 10**9)
    kpis_world.report(kpis_world.agreement_for(nvidia, brn="559-81-73038"),
                      dt.date(2026, 6, 30), jobs=5, revenue=2 * 10**8)
    kpis_world.report(kpis_world.agreement_for(nvidia, brn="258-81-68141"),
                      dt.date(2026, 6, 30), jobs=7, status=MilestoneReport.Status.SUBMITTED)
    kpis_world.collaboration(openai, personas.startup_a_org, amount=5 * 10**7)
    return program, openai, nvidia


def test_the_operator_gets_the_dashboards_figures(cohort, personas, api_for):
    body = api_for(personas.operator).get("/api/v1/kpis").json()
    expected = selectors_kpis.dashboard(personas.operator, selectors_kpis.Filters())
    assert body["totals"]["jobs_created"] == expected.totals.jobs_created == 8
    assert body["totals"]["investment_krw"] == 10**9 and body["totals"]["overseas_firms"] == 1
    assert [y["year"] for y in body["by_year"]] == [2025, 2026]
    assert {p["name"] for p in body["by_partner"]} == {"OpenAI", "NVIDIA"}
    proposed = {s["stage"]: s for s in body["collaborations_by_stage"]}["proposed"]
    assert proposed == {"stage": "proposed", "label": "Proposed", "count": 1,
                        "amount_krw": 5 * 10**7}


def test_a_partner_gets_its_own_tracks_figures_and_others_404(cohort, personas, api_for):
    program, openai, nvidia = cohort
    body = api_for(personas.partner_b).get("/api/v1/kpis").json()
    assert body["totals"]["jobs_created"] == 5 and body["totals"]["reports"] == 1
    assert [t["id"] for t in body["by_track"]] == [nvidia.pk]
    assert body["collaborations"]["count"] == 0
    client = api_for(personas.partner_b)
    assert client.get(f"/api/v1/kpis?track={openai.pk}").status_code == 404
    assert client.get(f"/api/v1/kpis?track={nvidia.pk}").status_code == 200
    assert client.get("/api/v1/kpis?cohort=1999").status_code == 404
    assert api_for(personas.operator_b).get(
        f"/api/v1/kpis?program={program.pk}").status_code == 404
    for user in (personas.startup_a, personas.evaluator):
        assert api_for(user).get("/api/v1/kpis").status_code == 404


def test_kpi_filters_narrow_the_figures(cohort, personas, api_for):
    _program, openai, _nvidia = cohort
    body = api_for(personas.operator, language="ko").get(
        f"/api/v1/kpis?track={openai.pk}&cohort=2025").json()
    assert body["totals"]["jobs_created"] == 3
    assert body["by_track"][0]["name"] == "오픈AI 트랙" and body["by_track"][0]["partner"] == "오픈AI"
    assert api_for(personas.operator).get("/api/v1/kpis?track=abc").status_code == 422
