"""Milestone report pages: the startup's list and form, the operator's queue, review and
tranches. Who may see what is in tests/test_permissions_matrix.py; here, what each page does."""

from __future__ import annotations

import datetime as dt

import pytest

from kbridge.alliance.models import MilestoneReport, TrancheRelease
from kbridge.alliance.services import reports as services
from tests.alliance.reports.world import FIGURES, accepted, filled, first_report, submitted

Status = MilestoneReport.Status


def _form(report, *, action="save", investments=(), **changes) -> dict:
    """The POST of the report form: the figures as a browser sends them, and the rows."""
    data = {name: "" if value is None else str(value)
            for name, value in {**FIGURES, **changes}.items()}
    rows = list(investments)
    data.update({"action": action, "investments-TOTAL_FORMS": str(len(rows) + 1),
                 "investments-INITIAL_FORMS": "0"})
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"investments-{n}-{key}"] = value
    return data


def _url(report) -> str:
    return f"/alliance/reports/{report.pk}/"


def test_the_startup_lists_its_reports_and_tranches_and_nobody_elses(
        world, personas, client_for, agreement_a):
    agreement_b = accepted(world, personas, startup="b")
    page = client_for(personas.startup_a_member).get("/alliance/reports/").content.decode()
    assert f'data-agreement="{agreement_a.pk}"' in page
    assert f'data-agreement="{agreement_b.pk}"' not in page
    assert 'data-tranche-state="ready"' in page and 'data-tranche-state="held"' in page
    assert page.count("data-report=") == agreement_a.milestone_reports.count()


def test_amounts_typed_with_korean_units_and_commas_are_saved_as_a_draft(
        client_for, personas, agreement_a):
    report = first_report(agreement_a)
    closed_on = report.period_starts_on.isoformat()
    response = client_for(personas.startup_a_member).post(_url(report), _form(
        report, revenue_krw="8억 5천만", overseas_revenue_krw="₩120,000,000",
        investments=[{"round": "seed", "amount_krw": "1.5억", "investor": "카카오벤처스",
                      "closed_on": closed_on}]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.revenue_krw, report.overseas_revenue_krw) == (850_000_000, 120_000_000)
    assert report.investments.get().amount_krw == 150_000_000
    assert report.status == Status.DUE  # saved, not submitted


def test_a_typing_error_comes_back_as_typed_and_nothing_is_stored(
        client_for, personas, agreement_a):
    report = first_report(agreement_a)
    response = client_for(personas.startup_a).post(_url(report), _form(
        report, jobs_created="네 명", revenue_krw="8억 5천만",
        investments=[{"round": "seed", "amount_krw": "", "investor": "카카오벤처스",
                      "closed_on": ""}]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="네 명"' in page and 'value="8억 5천만"' in page
    assert 'value="카카오벤처스"' in page
    assert "모든 칸" in page  # the half-filled investment row
    report.refresh_from_db()
    assert report.jobs_created is None


def test_a_submission_refused_keeps_the_draft_and_says_what_to_fix(
        client_for, personas, agreement_a):
    report = first_report(agreement_a)
    response = client_for(personas.startup_a).post(_url(report), _form(
        report, action="submit", overseas_revenue_krw="9억"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "해외 매출은 매출의 일부" in page and 'value="9억"' in page
    report.refresh_from_db()
    assert (report.status, report.overseas_revenue_krw) == (Status.DUE, 900_000_000)


def test_a_member_saves_but_only_the_representative_submits(client_for, personas, agreement_a):
    report = first_report(agreement_a)
    client = client_for(personas.startup_a_member)
    assert 'value="submit"' not in client.get(_url(report)).content.decode()
    response = client.post(_url(report), _form(report, action="submit"))
    assert response.status_code == 200
    assert "대표자만" in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.jobs_created) == (Status.DUE, FIGURES["jobs_created"])


def test_returned_the_startup_sees_the_comment_fixes_and_resubmits(
        client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    operator = client_for(personas.operator)
    empty = operator.post(f"/manage/alliance/reports/{report.pk}/return/", {"comment": " "})
    assert empty.status_code == 200 and "무엇을 고쳐야" in empty.content.decode()
    operator.post(f"/manage/alliance/reports/{report.pk}/return/",
                  {"comment": "해외 매출 근거를 적어 주세요."})
    report.refresh_from_db()
    assert report.status == Status.RETURNED

    startup = client_for(personas.startup_a)
    page = startup.get(_url(report)).content.decode()
    assert "data-review-comment" in page and "해외 매출 근거를 적어 주세요." in page
    assert startup.post(_url(report), _form(report, action="submit",
                                            narrative="근거: 수출 계약 2건")).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.narrative) == (Status.SUBMITTED, "근거: 수출 계약 2건")
    # Submitted: the page is read-only and a late POST changes nothing.
    assert "data-report-form" not in startup.get(_url(report)).content.decode()
    startup.post(_url(report), _form(report, narrative="바꿈"))
    report.refresh_from_db()
    assert report.narrative == "근거: 수출 계약 2건"


def test_approving_a_returned_report_is_refused_with_the_reason(
        client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    services.return_report(report=report, by=personas.operator, comment="보완")
    client = client_for(personas.operator)
    response = client.post(f"/manage/alliance/reports/{report.pk}/approve/", follow=True)
    assert "보완 요청" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.RETURNED


def test_the_queue_lists_submitted_first_then_overdue(client_for, personas, world, agreement_a):
    agreement_b = accepted(world, personas, startup="b")
    waiting = submitted(first_report(agreement_a), personas)
    late = first_report(agreement_b)
    MilestoneReport.objects.filter(pk=late.pk).update(
        due_on=services.kst_today() - dt.timedelta(days=3))
    page = client_for(personas.operator).get("/manage/alliance/reports/").content.decode()
    submitted_at = page.index('data-queue="submitted"')
    overdue_at = page.index('data-queue="overdue"')
    assert submitted_at < page.index(f'data-report="{waiting.pk}"') < overdue_at
    assert overdue_at < page.index(f'data-report="{late.pk}"')
    # The second agency's queue is empty.
    other = client_for(personas.operator_b).get("/manage/alliance/reports/").content.decode()
    assert "data-report=" not in other


def test_the_operator_releases_a_ready_tranche_once_and_the_startup_sees_it(
        client_for, personas, agreement_a):
    url = f"/manage/alliance/agreements/{agreement_a.pk}/tranches/"
    client = client_for(personas.operator)
    page = client.get(url).content.decode()
    assert f"{url}1/release/" in page and f"{url}2/release/" not in page  # 2 is held
    client.post(f"{url}1/release/")
    client.post(f"{url}1/release/")  # a double click
    assert TrancheRelease.objects.filter(agreement=agreement_a).count() == 1
    held = client.post(f"{url}2/release/", follow=True).content.decode()
    assert "1번 보고서" in held
    startup = client_for(personas.startup_a).get("/alliance/reports/").content.decode()
    assert 'data-tranche-state="released"' in startup


@pytest.mark.parametrize("persona", ["startup_b", "partner_a", "operator_b", "operator"])
def test_a_report_of_startup_a_is_not_found_for_others(client_for, personas, agreement_a,
                                                       persona):
    assert client_for(personas.by_name(persona)).get(
        _url(first_report(agreement_a))).status_code == 404


@pytest.mark.parametrize("persona", ["startup_a", "partner_a", "operator_b"])
def test_the_review_and_tranche_pages_are_the_programs_operators_only(
        client_for, personas, agreement_a, persona):
    client = client_for(personas.by_name(persona))
    report = filled(first_report(agreement_a), personas.startup_a)
    assert client.get(f"/manage/alliance/reports/{report.pk}/").status_code == 404
    assert client.get(f"/manage/alliance/agreements/{agreement_a.pk}/tranches/").status_code \
        == 404
    assert client.post(f"/manage/alliance/agreements/{agreement_a.pk}/tranches/1/release/") \
        .status_code == 404
    assert not TrancheRelease.objects.exists()


def test_the_audit_log_reads_each_step_in_words(client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    services.return_report(report=report, by=personas.operator, comment="근거 보완")
    services.release_tranche(agreement=agreement_a, tranche=1, by=personas.operator)
    page = client_for(personas.operator).get("/audit/").content.decode()
    for label in ("성과 보고 일정 생성", "성과 보고서 임시 저장", "성과 보고서 제출",
                  "성과 보고서 보완 요청", "지원금 지급 승인", "근거 보완", "후속 투자"):
        assert label in page, label


# --- the tester's findings (a fresh tester in Chromium on the demo) ---------------------------


def _menu(client, url="/alliance/") -> str:
    return client.get(url).content.decode()


@pytest.mark.parametrize(("persona", "shown", "hidden"), [
    ("operator", {"/manage/alliance/reports/", "/manage/alliance/kpis/",
                  "/manage/alliance/collaborations/", "/alliance/outcomes/"},
     {'href="/alliance/reports/"'}),
    ("partner_a", {"/manage/alliance/kpis/", "/manage/alliance/collaborations/",
                   "/alliance/outcomes/"},
     {"/manage/alliance/reports/", 'href="/alliance/reports/"'}),
    ("startup_a_member", {'href="/alliance/reports/"', "/alliance/collaborations/",
                          "/alliance/outcomes/"},
     {"/manage/alliance/reports/", "/manage/alliance/kpis/",
      "/manage/alliance/collaborations/"}),
])
def test_the_menu_leads_each_role_to_its_alliance_pages_only(client_for, personas, persona,
                                                            shown, hidden):
    page = _menu(client_for(personas.by_name(persona)))
    for href in shown:
        assert href in page, href
    for href in hidden:
        assert href not in page, href


def test_the_operator_reaches_the_members_page_from_the_alliance_page(client_for, personas):
    page = _menu(client_for(personas.operator))
    assert f'href="/manage/alliance/{personas.operator_org.pk}/members/"' in page
    assert "data-alliance-links" in page


def test_anyone_reaches_the_public_outcomes_from_the_menu(db, client):
    assert 'href="/alliance/outcomes/"' in client.get("/").content.decode()


def test_the_dashboard_shows_the_next_report_due_within_30_days_or_overdue(
        client_for, personas, agreement_a):
    from kbridge.core.i18n import format_date

    report = first_report(agreement_a)
    today = services.kst_today()
    client = client_for(personas.startup_a_member)
    MilestoneReport.objects.filter(pk=report.pk).update(due_on=today + dt.timedelta(days=20))
    page = client.get("/dashboard/").content.decode()
    assert f'data-next-report="{report.pk}"' in page
    assert f'href="/alliance/reports/{report.pk}/"' in page
    assert format_date(today + dt.timedelta(days=20), "ko") in page and "KST" in page
    # Overdue: still shown, and flagged.
    MilestoneReport.objects.filter(pk=report.pk).update(due_on=today - dt.timedelta(days=2))
    page = client.get("/dashboard/").content.decode()
    assert f'data-next-report="{report.pk}"' in page and "badge-flag" in page
    # Due in more than 30 days (and the later reports too): nothing announced.
    MilestoneReport.objects.filter(agreement=agreement_a).update(
        due_on=today + dt.timedelta(days=45))
    assert "data-next-report" not in client.get("/dashboard/").content.decode()
    # Submitted: nothing left to file.
    MilestoneReport.objects.filter(agreement=agreement_a).update(
        due_on=today + dt.timedelta(days=5), status=Status.APPROVED)
    assert "data-next-report" not in client.get("/dashboard/").content.decode()
    # Another startup's people see nothing of it.
    assert "data-next-report" not in client_for(personas.startup_b).get(
        "/dashboard/").content.decode()


def _summary(page: str) -> str:
    """The error summary's block (it comes before the form)."""
    start = page.index("data-error-summary")
    assert page.rindex("<div", 0, start) < page.index("data-report-form")
    return page[start:page.index("</div>", start)]


def test_a_refused_draft_says_so_at_the_top_and_points_to_the_field(
        client_for, personas, agreement_a):
    report = first_report(agreement_a)
    response = client_for(personas.startup_a).post(_url(report), _form(
        report, investments=[{"round": "seed", "amount_krw": "", "investor": "카카오벤처스",
                              "closed_on": ""}]))
    page = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in page
    summary = _summary(page)
    assert 'href="#id_investments-0-amount_krw"' in summary
    assert 'href="#id_investments-0-closed_on"' in summary
    assert "투자 1: " in summary and "모든 칸" in summary


def test_a_refused_submission_says_the_draft_is_saved_at_the_top(
        client_for, personas, agreement_a):
    report = first_report(agreement_a)
    page = client_for(personas.startup_a).post(_url(report), _form(
        report, action="submit", overseas_revenue_krw="9억")).content.decode()
    summary = _summary(page)
    assert "임시 저장은 되었지만" in summary
    assert 'href="#id_overseas_revenue_krw"' in summary and "해외 매출은 매출의 일부" in summary


def test_a_refused_return_says_so_at_the_top_of_the_review_form(
        client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    page = client_for(personas.operator).post(
        f"/manage/alliance/reports/{report.pk}/return/", {"comment": " "}).content.decode()
    start = page.index("data-error-summary")
    assert start < page.index("data-review-form")
    assert 'href="#id_comment"' in page[start:]


def test_approve_return_and_release_ask_first(client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    client = client_for(personas.operator)
    page = client.get(f"/manage/alliance/reports/{report.pk}/").content.decode()
    form = page[page.index("data-review-form"):]
    form = form[:form.index("</form>")]
    assert form.count("data-confirm=") == 2  # return and approve
    page = client.get(f"/manage/alliance/agreements/{agreement_a.pk}/tranches/").content.decode()
    release = page[page.index("/tranches/1/release/"):]
    assert "data-confirm=" in release[:release.index("</form>")]


def test_the_review_pages_investments_table_scrolls_inside_its_box(
        client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    page = client_for(personas.operator).get(
        f"/manage/alliance/reports/{report.pk}/").content.decode()
    table = page.index("<table", page.index("data-report-figures"))
    assert page.rindex('<div class="table-wrap">', 0, table) > page.index("data-report-figures")


def test_a_reports_own_period_and_its_investments_are_named_for_what_they_are(
        client_for, personas, agreement_a):
    report = submitted(first_report(agreement_a), personas)
    for persona, url in (("operator", f"/manage/alliance/reports/{report.pk}/"),
                         ("startup_a", _url(report)),
                         ("startup_a", _url(agreement_a.milestone_reports.get(sequence=2)))):
        page = client_for(personas.by_name(persona)).get(url).content.decode()
        assert "협약 기간" not in page, url  # the agreement's period is not the report's
        assert "후속 투자 건수" not in page, url  # a list, not a count
        assert "지급액" not in page, url  # an investment's amount is not a payment
    # The report lists of the startup and of the operator's tranche page: "period" is the
    # report's (the agreement's own period is named as such, once, above them).
    for persona, url in (("startup_a", "/alliance/reports/"),
                         ("operator", f"/manage/alliance/agreements/{agreement_a.pk}/tranches/")):
        page = client_for(personas.by_name(persona)).get(url).content.decode()
        assert page.count("협약 기간") == 1, url
    # The form's column headings are the fields' labels.
    page = client_for(personas.startup_a).get(_url(
        agreement_a.milestone_reports.get(sequence=2))).content.decode()
    assert '<th scope="col">금액(원)</th>' in page


def _resubmitted_late(report, personas):
    """Report 1 returned, made overdue, then submitted again by the representative."""
    submitted(report, personas)
    services.return_report(report=report, by=personas.operator, comment="보완")
    MilestoneReport.objects.filter(pk=report.pk).update(
        due_on=services.kst_today() - dt.timedelta(days=3))
    report.refresh_from_db()
    return services.submit_report(report=report, by=personas.startup_a)


def test_a_report_resubmitted_after_its_due_date_says_it_came_in_late(
        client_for, personas, agreement_a):
    from kbridge.core.i18n import format_date

    report = _resubmitted_late(first_report(agreement_a), personas)
    due = format_date(report.due_on, "ko")
    for persona, url in (("startup_a", "/alliance/reports/"), ("startup_a", _url(report)),
                         ("operator", "/manage/alliance/reports/"),
                         ("operator", f"/manage/alliance/reports/{report.pk}/"),
                         ("operator", f"/manage/alliance/agreements/{agreement_a.pk}/tranches/")):
        page = client_for(personas.by_name(persona)).get(url).content.decode()
        row = page[page.index("data-submitted-late"):]
        assert due in row[:row.index("</span>")], url
    # Approved, it still says so; a report submitted on time never does.
    services.approve_report(report=report, by=personas.operator, comment="")
    startup = client_for(personas.startup_a)
    assert "data-submitted-late" in startup.get("/alliance/reports/").content.decode()
    MilestoneReport.objects.filter(pk=report.pk).update(
        due_on=services.kst_today() + dt.timedelta(days=3))
    assert "data-submitted-late" not in startup.get("/alliance/reports/").content.decode()


@pytest.mark.parametrize("tranche", [0, 3, 99])
def test_releasing_a_tranche_the_agreement_does_not_have_is_not_found(
        client_for, personas, agreement_a, tranche):
    response = client_for(personas.operator).post(
        f"/manage/alliance/agreements/{agreement_a.pk}/tranches/{tranche}/release/")
    assert response.status_code == 404
    assert not TrancheRelease.objects.exists()


def test_every_alliance_post_only_address_opened_in_the_browser_explains_itself(
        client_for, personas, alliance, agreement_a):
    """GET on an address that takes a form: the project's 405 page with a way back, for
    every POST-only view of the alliance (core.language.post_only)."""
    from django.urls import reverse

    from kbridge.alliance import urls

    report = first_report(agreement_a)
    ids = {"report_id": report.pk, "agreement_id": agreement_a.pk, "tranche": 1,
           "pk": alliance.member_a.pk, "agency_id": personas.operator_org.pk,
           "organisation_id": personas.startup_a_org.pk}
    collaboration_pk = alliance.collaboration_a.pk
    post_only = [p for p in urls.urlpatterns
                 if getattr(p.callback, "answers_get", True) is False]
    assert {p.name for p in post_only} >= {"member_leave", "join", "report_approve",
                                           "report_return", "tranche_release",
                                           "collaboration_stage"}
    for pattern in post_only:
        kwargs = {name: (collaboration_pk if pattern.name.startswith("collaboration")
                         else ids[name]) for name in pattern.pattern.converters}
        url = reverse(f"alliance:{pattern.name}", kwargs=kwargs)
        for persona in ("startup_a", "operator"):
            response = client_for(personas.by_name(persona)).get(url)
            page = response.content.decode()
            assert response.status_code == 405 and response["Allow"] == "POST", url
            assert "<h1>" in page and 'href="/' in page, url  # the page, with a way back
