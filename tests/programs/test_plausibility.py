"""Issue 9, item 5 — plausibility rules on programs, calls and tracks, through the consoles.

Each example was accepted (or gave a 500 on SQLite) before the rules existed."""

from __future__ import annotations

import pytest

from kbridge.programs.models import Call, Program, Track

CALL = {
    "title_ko": "2027년 상반기 공고", "title_en": "2027 first-half call",
    "summary_ko": "요약", "summary_en": "Summary",
    "opens_at": "2027-01-05T09:00", "deadline_at": "2027-02-05T16:00",
    "document_evaluation_start": "2027-02-06", "document_evaluation_end": "2027-02-16",
    "presentation_evaluation_start": "2027-02-20", "presentation_evaluation_end": "2027-02-21",
    "announcement_on": "2027-03-02",
}


def _track(world, **changes):
    data = {
        "partner": world.partner_a.pk, "name_ko": "공동개발 트랙", "name_en": "Co-development",
        "description_ko": "", "description_en": "", "quota": "7",
        "funding_cap_krw": "200000000", "interest_keywords": "NPU", "position": "1",
        "package-TOTAL_FORMS": "0", "package-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(("field", "value"), [
    ("opens_at", "0001-01-01T00:00"),  # a 500 on SQLite: year 1 KST is before year 1 UTC
    ("opens_at", "9999-12-31T23:59"),
    ("deadline_at", "1999-12-31T23:00"),
    ("announcement_on", "2999-03-02"),
])
def test_instants_and_dates_outside_2000_to_2100_are_form_errors(world, personas, client_for,
                                                                 field, value):
    client = client_for(personas.operator)
    response = client.post(f"/manage/programs/{world.program.pk}/calls/new/",
                           {**CALL, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert value in response.content.decode()  # what was typed is on the page
    assert not Call.objects.filter(title_en=CALL["title_en"]).exists()


def test_a_funding_cap_above_the_program_budget_is_refused(world, personas, client_for):
    budget = world.program.budget_krw
    response = client_for(personas.operator).post(
        f"/manage/programs/calls/{world.call.pk}/tracks/new/",
        _track(world, funding_cap_krw=str(budget + 1), quota="1"))
    assert response.status_code == 200
    assert "funding_cap_krw" in response.context["form"].errors
    assert not Track.objects.filter(name_en="Co-development").exists()


def test_places_times_cap_beyond_the_budget_is_refused(world, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/programs/calls/{world.call.pk}/tracks/new/",
        _track(world, quota="300", funding_cap_krw="200000000"))  # 60 billion > 45 billion
    assert response.status_code == 200
    assert "quota" in response.context["form"].errors


def test_a_quota_of_two_billion_is_refused(world, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/programs/calls/{world.call.pk}/tracks/new/",
        _track(world, quota="2000000000", funding_cap_krw="0"))
    assert response.status_code == 200
    assert "quota" in response.context["form"].errors
    assert not Track.objects.filter(name_en="Co-development").exists()


def test_a_partner_edit_survives_a_budget_rule_on_a_field_it_does_not_show(
        world, personas, client_for):
    """The budget rule names fields the partner's form lacks: shown at the top, not a 500."""
    Track.objects.filter(pk=world.track_a.pk).update(funding_cap_krw=world.program.budget_krw
                                                     + 1)
    response = client_for(personas.partner_a).post(
        f"/manage/programs/tracks/{world.track_a.pk}/edit/", {
            "name_ko": "API 트랙", "name_en": "API track", "description_ko": "새 설명",
            "description_en": "", "interest_keywords": "",
            "package-TOTAL_FORMS": "0", "package-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "새 설명" in response.content.decode()


@pytest.mark.parametrize("budget", [str(10**13 + 1), str(10**19), "-1"])
def test_budgets_have_a_sane_maximum(personas, client_for, budget):
    response = client_for(personas.operator).post("/manage/programs/new/", {
        "operator": personas.operator_org.pk, "year": "2027", "name_ko": "프로그램",
        "name_en": "Program", "budget_krw": budget})
    assert response.status_code == 200
    assert "budget_krw" in response.context["form"].errors
    assert not Program.objects.filter(name_en="Program").exists()


def test_lowering_the_budget_below_a_track_cap_is_refused(world, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/programs/{world.program.pk}/edit/", {
            "operator": personas.operator_org.pk, "year": "2026", "name_ko": "프로그램",
            "name_en": "Program", "budget_krw": "1000", "one_application_per_program": "on"})
    assert response.status_code == 200
    assert "budget_krw" in response.context["form"].errors


def test_a_company_name_with_a_line_break_is_refused(client, db):
    from kbridge.accounts.models import Organisation

    response = client.post("/accounts/signup/startup/", {
        "email": "ceo@newco.example", "full_name": "대표", "company_name_ko": "새회사\r\nBcc: x@y",
        "company_name_en": "", "password1": "a-long-enough-pass-42",
        "password2": "a-long-enough-pass-42", "privacy_consent": "on"})
    assert response.status_code == 200
    assert "company_name_ko" in response.context["form"].errors
    assert "새회사\nBcc: x@y" in response.content.decode()
    assert not Organisation.objects.filter(name_ko__startswith="새회사").exists()
