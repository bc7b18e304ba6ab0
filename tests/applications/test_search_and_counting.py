"""Search finds what people mean; counting counts as people count (issue 10, items 3 and 4)."""

from __future__ import annotations

import pytest
from django.db import connection

from kbridge.applications import services
from kbridge.applications.eligibility import canonical_brn
from kbridge.applications.forms import ProfileForm
from kbridge.applications.models import Application, Question, StartupProfile
from kbridge.core.text import clean_query, count_chars
from tests.applications.conftest import complete_answers

BRN = "556-86-81529"


# --- BRN stored canonically -------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["556-86-81529", "5568681529", "５５６-８６-８１５２９",
                                   "５５６８６８１５２９", " 556 86 81529 ", "556－86－81529"])
def test_a_brn_is_stored_in_its_canonical_form(typed, personas):
    form = ProfileForm(data={"name_ko": "뉴로칩스", "business_registration_number": typed,
                             "founded_on": "2022-03-01", "team_size": "3"},
                       organisation=personas.startup_a_org)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["business_registration_number"] == BRN


def test_the_profile_service_stores_the_canonical_brn(personas):
    profile = services.save_profile(organisation=personas.startup_a_org, by=personas.startup_a,
                                    business_registration_number="５５６８６８１５２９",
                                    founded_on=None)
    profile.refresh_from_db()
    assert profile.business_registration_number == BRN


def test_the_migration_canonicalises_existing_rows(profile_a):
    import importlib

    from django.apps import apps

    StartupProfile.objects.filter(pk=profile_a.pk).update(
        business_registration_number="５５６-８６-８１５２９")
    migration = importlib.import_module("kbridge.applications.migrations.0003_canonical_brn")
    migration.canonicalise(apps, None)
    profile_a.refresh_from_db()
    assert profile_a.business_registration_number == BRN
    assert canonical_brn("not a number") == "not a number"


# --- operator search matrix -------------------------------------------------------------------

@pytest.fixture
def searchable(complete_draft, personas):
    org = complete_draft.applicant
    org.name_ko, org.name_en = "뉴로칩스", "NeuroChips Labs"
    org.save()
    StartupProfile.objects.filter(organisation=org).update(business_registration_number=BRN)
    return complete_draft


@pytest.mark.parametrize("typed", [
    "5568681529", "556-86-81529", "５５６-８６-８１５２９", "５５６８６８１５２９", "556 86 81529",
    "8681529", "556", "568681", "6868152", "86-815", "6 86 81", "81529", "１５２９",
    "neurochips", "NEUROCHIPS LABS", "ｎｅｕｒｏｃｈｉｐｓ", "ＮｅｕｒｏＣｈｉｐｓ", "뉴로칩스", "뉴로",
])
def test_the_operator_search_finds_typed_variants(typed, searchable, personas, client_for):
    client = client_for(personas.operator)
    url = f"/manage/calls/{searchable.call_id}/applications/"
    html = client.get(url, {"q": typed}).content.decode()
    assert f'href="/manage/applications/{searchable.pk}/"' in html, (typed, connection.vendor)


@pytest.mark.parametrize("typed", ["5568681528", "없는회사", "neurochipz", "55686815290",
                                   "5586", "15299"])
def test_the_operator_search_does_not_find_others(typed, searchable, personas, client_for):
    client = client_for(personas.operator)
    url = f"/manage/calls/{searchable.call_id}/applications/"
    html = client.get(url, {"q": typed}).content.decode()
    assert f'href="/manage/applications/{searchable.pk}/"' not in html


def test_every_search_box_reads_its_query_normalised():
    assert clean_query("ＮＰＵ　칩\r\n５５６") == "NPU 칩 556"


# --- counting --------------------------------------------------------------------------------

def _answer_with_crlf() -> str:
    lines = ["가" * 135] * 10 + ["나" * 140]  # 1,490 characters and 10 line breaks
    text = "\r\n".join(lines)
    assert len(text.replace("\r\n", "\n")) == 1_500 and len(text) == 1_510
    return text


def test_a_crlf_answer_counts_each_line_break_once():
    text = "\r\n".join(["가" * 136] * 11 + ["나" * 4])
    assert count_chars(text) == 136 * 11 + 4 + 11


def test_submission_counts_a_crlf_answer_as_the_browser_shows_it(complete_draft, questions):
    question = next(q for q in questions if q.kind == Question.Kind.TEXT)
    text = "\r\n".join(["가" * 135] * 11)  # 1,485 + 10 line breaks = 1,495
    question.max_length = 1_495
    question.save()
    # Stored with CR LF by an older path (or an import): counted as the browser counts.
    Application.objects.filter(pk=complete_draft.pk).update(
        answers={**complete_draft.answers, str(question.pk): text})
    complete_draft.refresh_from_db()
    assert f"q_{question.pk}" not in services.validate_for_submission(complete_draft)
    question.max_length = 1_494
    question.save()
    assert f"q_{question.pk}" in services.validate_for_submission(complete_draft)


def test_the_form_post_of_1500_chars_with_crlf_is_accepted(complete_draft, questions, personas,
                                                          client_for):
    question = next(q for q in questions if q.kind == Question.Kind.TEXT)
    question.max_length = 1_500
    question.save()
    text = _answer_with_crlf()
    client = client_for(personas.startup_a)
    data = {f"q_{k}": v for k, v in complete_answers(questions).items()}
    data.update({f"q_{question.pk}": text, "version": complete_draft.version,
                 "declarations_present": "1", "declares_no_tax_arrears": "on",
                 "declares_government_support": "no"})
    response = client.post(f"/applications/{complete_draft.pk}/submit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    complete_draft.refresh_from_db()
    assert complete_draft.answers[str(question.pk)].count("\n") == 10


def test_the_error_summary_names_each_question(draft, questions, personas, client_for):
    client = client_for(personas.startup_a)
    response = client.post(f"/applications/{draft.pk}/submit/", {
        "version": draft.version, "declarations_present": "1"})
    html = response.content.decode()
    assert response.status_code == 422
    summary = html.split('id="submit-errors"', 1)[1].split("</div>", 1)[0]
    for q in questions:
        if not q.required:
            continue
        anchor = f"#slot-{q.pk}" if q.kind == Question.Kind.FILE else f"#id_q_{q.pk}"
        assert f'href="{anchor}"' in summary
        assert f"{q.label_ko}:" in summary
        assert f'id="{anchor[1:]}"' in html  # the link leads somewhere


def test_the_error_summary_uses_the_page_language(draft, questions, personas, client_for):
    personas.startup_a.preferred_language = "en"
    personas.startup_a.save()
    client = client_for(personas.startup_a)
    client.cookies["django_language"] = "en"
    response = client.post(f"/applications/{draft.pk}/submit/", {
        "version": draft.version, "declarations_present": "1"})
    html = response.content.decode()
    summary = html.split('id="submit-errors"', 1)[1].split("</div>", 1)[0]
    first = next(q for q in questions if q.required and q.kind == Question.Kind.TEXT)
    assert f"{first.label_en}: This answer is required." in summary
