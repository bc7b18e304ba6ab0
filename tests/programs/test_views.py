"""Operator and partner consoles, and the public call pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kbridge.core.models import AuditLog
from kbridge.programs.models import Call, Track
from tests.factories import CallFactory, TrackFactory, kst


def test_operator_creates_a_call_from_the_form(world, personas, client_for):
    client = client_for(personas.operator)
    response = client.post(f"/manage/programs/{world.program.pk}/calls/new/", {
        "title_ko": "2027년 상반기 공고", "title_en": "2027 first-half call",
        "summary_ko": "요약", "summary_en": "Summary",
        "opens_at": "2027-01-05T09:00", "deadline_at": "2027-02-05T16:00",
        "document_evaluation_start": "2027-02-06", "document_evaluation_end": "2027-02-16",
        "presentation_evaluation_start": "2027-02-20", "presentation_evaluation_end": "2027-02-21",
        "announcement_on": "2027-03-02",
    })
    call = Call.objects.get(title_en="2027 first-half call")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/programs/calls/{call.pk}/"
    # The form is read in KST: 16:00 KST is 07:00 UTC.
    assert call.deadline_at == dt.datetime(2027, 2, 5, 7, 0, tzinfo=dt.UTC)
    assert call.status == Call.Status.DRAFT
    assert AuditLog.objects.filter(action="call.created", object_id=str(call.pk)).exists()


def test_invalid_call_form_keeps_what_was_typed(world, personas, client_for):
    client = client_for(personas.operator)
    response = client.post(f"/manage/programs/{world.program.pk}/calls/new/", {
        "title_ko": "입력한 제목은 남아 있어야 합니다", "title_en": "",
        "opens_at": "2027-01-05T09:00", "deadline_at": "not a date",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "입력한 제목은 남아 있어야 합니다" in html
    assert 'aria-invalid="true"' in html


def test_operator_adds_a_track_with_its_package(world, personas, client_for):
    client = client_for(personas.operator)
    response = client.post(f"/manage/programs/calls/{world.call.pk}/tracks/new/", {
        "partner": world.partner_a.pk, "name_ko": "공동개발 트랙", "name_en": "Co-development track",
        "description_ko": "AI 반도체 공동개발", "description_en": "AI chip co-development",
        "quota": "7", "funding_cap_krw": "200000000", "interest_keywords": "AI chips, NPU, NPU",
        "max_company_age_years": "7", "exclude_duplicate_funding": "on", "position": "1",
        "package-TOTAL_FORMS": "1", "package-INITIAL_FORMS": "0",
        "package-0-kind": "poc", "package-0-description_ko": "공동 PoC",
        "package-0-description_en": "Joint PoC",
    })
    assert response.status_code == 302
    track = Track.objects.get(name_en="Co-development track")
    assert track.interest_keywords == ["AI chips", "NPU"]
    assert [(i.kind, i.description_en) for i in track.support_items.all()] == [
        ("poc", "Joint PoC")]


def test_partner_form_ignores_fields_partners_may_not_change(world, personas, client_for):
    client = client_for(personas.partner_a)
    page = client.get(f"/manage/programs/tracks/{world.track_a.pk}/edit/").content.decode()
    assert 'name="quota"' not in page
    assert 'name="max_company_age_years"' not in page
    response = client.post(f"/manage/programs/tracks/{world.track_a.pk}/edit/", {
        "name_ko": "API 트랙", "name_en": "API track",
        "description_ko": "새 설명", "description_en": "New description",
        "interest_keywords": "LLM, agents",
        "quota": "99", "funding_cap_krw": "1", "max_company_age_years": "30",
        "package-TOTAL_FORMS": "1", "package-INITIAL_FORMS": "1",
        "package-0-kind": "cloud_credits", "package-0-description_ko": "크레딧 증액",
        "package-0-description_en": "More credits",
    })
    assert response.status_code == 302
    world.track_a.refresh_from_db()
    assert (world.track_a.quota, world.track_a.funding_cap_krw,
            world.track_a.max_company_age_years) == (7, 200_000_000, 7)
    assert world.track_a.description_en == "New description"
    assert world.track_a.interest_keywords == ["LLM", "agents"]
    assert world.track_a.support_items.get().description_en == "More credits"
    row = AuditLog.objects.get(action="track.updated")
    # The audit's "before" is the stored row, even though the form wrote into its instance.
    assert row.before["description_en"] == "Companies building on the API"
    assert row.after["description_en"] == "New description"
    assert row.actor == personas.partner_a
    assert row.request_id == response["X-Request-ID"]


def test_deadline_is_shown_in_kst_in_both_languages(world, client):
    call = CallFactory(program=world.program, opens_at=kst(2026, 11, 1, 9),
                       deadline_at=kst(2030, 12, 17, 16, 0))
    TrackFactory(call=call, partner=world.partner_a)
    korean = client.get(f"/calls/{call.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "2030년 12월 17일(화) 16:00 KST" in korean
    client.cookies["django_language"] = "en"
    english = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Tue 17 Dec 2030, 16:00 KST" in english
    assert 'data-deadline="2030-12-17T07:00:00+00:00"' in english


def test_public_list_shows_open_calls_only_with_countdown(world, client):
    html = client.get("/").content.decode()
    assert world.call.title_ko in html
    assert world.draft_call.title_ko not in html
    assert "data-countdown" in html


def test_call_list_query_count_does_not_grow_with_calls(world, client, django_db_blocker):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(3):
        TrackFactory(call=CallFactory(program=world.program), partner=world.partner_b)
    assert count() == one


def test_operator_creates_a_program_and_adds_a_partner(personas, client_for):
    from kbridge.accounts.models import Organisation
    from kbridge.programs.models import Program

    client = client_for(personas.operator)
    response = client.post("/manage/programs/new/", {
        "operator": personas.operator_org.pk, "year": "2027",
        "name_ko": "2027 글로벌 기업 협업 프로그램", "name_en": "2027 Global Company Collaboration Program",
        "budget_krw": "48000000000", "one_application_per_program": "on",
    })
    program = Program.objects.get(year=2027)
    assert response["Location"] == f"/manage/programs/{program.pk}/"
    assert program.operator == personas.operator_org

    google = Organisation.objects.create(kind="partner", name_ko="구글", name_en="Google",
                                         agency=personas.operator_org)
    client.post(f"/manage/programs/{program.pk}/partners/add/", {
        "organisation": google.pk, "sub_program_ko": "구글 스타트업 협업",
        "sub_program_en": "Google for Startups collaboration"})
    assert list(program.partners.values_list("organisation__name_en", flat=True)) == ["Google"]
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "program.created", "partner.added"]


def test_operator_cannot_create_a_program_for_another_agency(personas, client_for):
    from kbridge.accounts.models import Organisation
    from kbridge.programs.models import Program

    other = Organisation.objects.create(kind="operator", name_ko="다른 기관")
    response = client_for(personas.operator).post("/manage/programs/new/", {
        "operator": other.pk, "year": "2027", "name_ko": "가짜 사업", "name_en": "Fake",
        "budget_krw": "1"})
    assert response.status_code == 200
    assert not Program.objects.exists()


def _program_data(personas, budget):
    return {"operator": personas.operator_org.pk, "year": "2027",
            "name_ko": "2027 글로벌 기업 협업 프로그램",
            "name_en": "2027 Global Company Collaboration Program",
            "budget_krw": budget, "one_application_per_program": "on"}


def test_money_is_typed_with_separators_and_shown_formatted_in_both_languages(
        world, personas, client_for):
    from kbridge.programs.models import Program

    client = client_for(personas.operator)
    response = client.post("/manage/programs/new/", _program_data(personas, "₩350,000,000"))
    program = Program.objects.get(year=2027)
    assert response.status_code == 302 and program.budget_krw == 350_000_000
    response = client.post(f"/manage/programs/calls/{world.call.pk}/tracks/new/", {
        "partner": world.partner_a.pk, "name_ko": "공동개발 트랙", "name_en": "Co-development track",
        "quota": "1", "funding_cap_krw": "1억 5천만", "position": "1",
        "package-TOTAL_FORMS": "0", "package-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    assert Track.objects.get(name_en="Co-development track").funding_cap_krw == 150_000_000

    korean = client.get(f"/manage/programs/{program.pk}/").content.decode()
    assert "3억 5,000만 원 (₩350,000,000)" in korean
    assert "1억 5,000만 원 (₩150,000,000)" in client.get(
        f"/calls/{world.call.pk}/").content.decode()
    edit = client.get(f"/manage/programs/{program.pk}/edit/").content.decode()
    assert 'value="350,000,000"' in edit and 'inputmode="numeric"' in edit
    client.cookies["django_language"] = "en"
    english = client.get(f"/manage/programs/{program.pk}/").content.decode()
    assert "₩350,000,000" in english and "억" not in english
    assert "350000000" not in english and "350000000" not in korean


def test_a_refused_amount_keeps_what_was_typed(personas, client_for):
    from kbridge.programs.models import Program

    client = client_for(personas.operator)
    html = client.post("/manage/programs/new/",
                       _program_data(personas, "-3억")).content.decode()
    assert 'value="-3억"' in html
    assert "0원 이상의 금액을 마이너스(-) 기호 없이 입력해 주세요." in html
    assert not Program.objects.filter(year=2027).exists()


def test_budget_errors_name_amounts_as_readers_count_them(world):
    """"999억 원" in Korean, "₩99,900,000,000" in English: never a bare row of digits with
    "원" glued on (issue 11, item 4)."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    program = world.program
    program.budget_krw = 45_000_000_000
    program.save()
    track = world.track_a
    track.funding_cap_krw = 99_900_000_000
    for lang, expected in (("ko", ["999억 원", "450억 원"]),
                           ("en", ["₩99,900,000,000", "₩45,000,000,000"])):
        with translation.override(lang):
            with pytest.raises(ValidationError) as caught:
                track.clean()
            message = " ".join(caught.value.message_dict["funding_cap_krw"])
        assert all(amount in message for amount in expected), message
