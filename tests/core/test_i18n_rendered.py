"""Rendered pages show labels, never codes, and English pages show English data (issue 11).

Every page a persona may open (the rows of the permission matrix) is rendered in Korean and in
English, with data that has every kind of code in it: statuses, choice answers, eligibility
findings, roles, audit actions and their before/after values. A page fails when

* a code stands alone as visible text (a table cell reading ``poc`` or ``draft``), or a code
  with ``_`` or ``.`` appears anywhere in the visible text (``company_too_old``,
  ``application.submitted``), or a Python dict dump (``{'status': …}``) is shown;
* an English page shows the Korean version of a bilingual field (a company, track, call …
  name) or a Korean keyword of a list that has English keywords, although English exists.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from kbridge.accounts.models import Membership, Organisation
from kbridge.applications.eligibility import FINDING_LABELS
from kbridge.applications.models import Application, Question
from kbridge.applications.services import STANDARD_QUESTIONS
from kbridge.core.audit_display import ACTION_LABELS
from kbridge.core.i18n import has_hangul
from kbridge.core.models import EmailDelivery
from kbridge.programs.models import Call, Partner, Program, SupportItem, Track
from tests.factories import ApplicationFactory, StartupProfileFactory

# The matrix world's fixtures (built once per module); tests name them as parameters.
# ruff: noqa: F811
from tests.test_permissions_matrix import (  # noqa: F401
    MATRIX,
    OK,
    evaluation,
    ids,
    matrix,
    personas,
    submitted,
    world,
)

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

CODES = sorted(
    {*Application.Status.values, *Call.Status.values, *EmailDelivery.Status.values,
     *Membership.Role.values, *Organisation.Kind.values, *Organisation.AffiliationType.values,
     *Question.Kind.values, *SupportItem.Kind.values, *FINDING_LABELS, *ACTION_LABELS,
     "exact", "cross-lingual",
     *(c["value"] for q in STANDARD_QUESTIONS for c in q.get("choices", []))})
# Codes that cannot be an English word or a name: wrong anywhere in visible text.
DISTINCT_CODES = [c for c in CODES if "_" in c or "." in c]
DICT_DUMP = re.compile(r"\{'[^']+': |\[\{'")
# Who opens each page: the first of these personas the matrix lets in.
PREFERENCE = ["operator", "partner_a", "partner_b", "startup_a", "evaluator", "anonymous"]


class _Visible(HTMLParser):
    """Text nodes a person sees (and ``title`` tooltips); not scripts, styles or the text
    inside form fields being edited (that is the data the person typed), and not records
    shown exactly as they were sent (``data-verbatim``: an e-mail's bilingual subject)."""

    SKIP = {"script", "style", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.stack: list[str] = []
        self.skip_from: int | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        self.stack.append(tag)
        attributes = dict(attrs)
        if self.skip_from is None and (tag in self.SKIP or "data-verbatim" in attributes):
            self.skip_from = len(self.stack)
        if self.skip_from is None and attributes.get("title"):
            self.nodes.append(attributes["title"])

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self.stack:
            return
        while self.stack:
            if self.skip_from is not None and len(self.stack) <= self.skip_from:
                self.skip_from = None
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if self.skip_from is None and data.strip():
            self.nodes.append(data.strip())


def visible_nodes(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.nodes


def code_problems(html: str) -> list[str]:
    nodes = visible_nodes(html)
    text = "\n".join(nodes)
    problems = [f"code shown as text: {n!r}" for n in nodes if n in CODES]
    for code in DISTINCT_CODES:
        if re.search(rf"(?<![\w.@/-]){re.escape(code)}(?![\w@/-]|\.\w)", text):
            problems.append(f"code in text: {code!r}")
    problems += [f"dict dump: {m.group(0)!r}" for m in DICT_DUMP.finditer(text)]
    return problems


def korean_with_english_versions() -> set[str]:
    """Korean texts of bilingual fields (and keyword lists) that also have English."""
    found: set[str] = set()
    for model, fields in [(Organisation, ["name", "description"]),
                          (Program, ["name", "description"]), (Partner, ["sub_program"]),
                          (Call, ["title", "summary"]), (Track, ["name", "description"]),
                          (SupportItem, ["description"]), (Question, ["label", "help"])]:
        for obj in model.objects.all():
            for f in fields:
                ko, en = getattr(obj, f"{f}_ko"), getattr(obj, f"{f}_en")
                if ko and en and has_hangul(ko):
                    found.add(ko)
    for question in Question.objects.exclude(choices=[]):
        found |= {c["ko"] for c in question.choices if c.get("en") and has_hangul(c["ko"])}
    for track in Track.objects.all():
        words = track.interest_keywords or []
        if any(not has_hangul(k) for k in words):
            found |= {k for k in words if has_hangul(k)}
    return found


def hangul_problems(html: str, korean: set[str]) -> list[str]:
    text = "\n".join(visible_nodes(html))
    return [f"Korean shown on the English page: {k!r}" for k in sorted(korean) if k in text]


@pytest.fixture
def coded_world(world, personas, submitted, ids):  # noqa: F811 (the matrix's fixture)
    """Data with every kind of code in it, and both languages of every name."""
    from kbridge.programs import services as program_services

    world.track_a.interest_keywords = ["platform developers", "플랫폼 개발", "LLM"]
    world.track_a.save()
    world.track_b.interest_keywords = ["autonomous driving", "자율주행", "GPU"]
    world.track_b.save()
    personas.startup_b_org.name_ko, personas.startup_b_org.name_en = "워크로보틱스", "Work Robotics"
    personas.startup_b_org.save()
    # Startup B: founded too long ago and funded by another program → two findings.
    # (The matrix world may already hold B's profile and application: then they are changed.)
    from kbridge.applications.models import Application, StartupProfile

    if not StartupProfile.objects.filter(organisation=personas.startup_b_org).update(
            founded_on=dt.date(2010, 1, 4)):
        StartupProfileFactory(organisation=personas.startup_b_org,
                              representative=personas.startup_b, founded_on=dt.date(2010, 1, 4))
    if not Application.objects.filter(track=world.track_b, applicant=personas.startup_b_org).update(
            declares_government_support=True, government_support_detail="TIPS"):
        ApplicationFactory(track=world.track_b, applicant=personas.startup_b_org,
                           created_by=personas.startup_b, declares_government_support=True,
                           government_support_detail="TIPS")
    # Audit rows with before and after: a change of places and a status change.
    program_services.update_track(track=world.draft_track_a, by=personas.operator, quota=11)
    program_services.publish_call(call=world.draft_call, by=personas.operator)
    program_services.unpublish_call(call=world.draft_call, by=personas.operator)
    return ids


def _pages():
    pages = []
    for url, get, _post in MATRIX:
        if ("export=" in url or "/download/" in url or url == "/healthz"
                or url.endswith("/my-data/export/")
                or (url.startswith("/evaluate/assignments/") and "/files/" in url)
                or "/documents/{agreement_document}/" in url or url.endswith(".json")
                or url.split("?")[0].endswith((".csv", ".ics", ".xlsx"))):
            continue  # files and JSON, not pages
        persona = next((p for p in PREFERENCE if get.get(p) == OK), None)
        if persona is not None:
            pages.append((persona, url))
    # The partner of track B sees its applicants (startup B's findings are on the operator list).
    pages.append(("partner_b", "/manage/tracks/{track_b}/applicants/"))
    pages.append(("partner_a", "/manage/discover/?q=NPU"))
    pages.append(("operator", "/manage/deliveries/?show=all"))
    return pages


PAGES = _pages()


@pytest.mark.parametrize(("persona", "url"), PAGES, ids=[f"{p} {u}" for p, u in PAGES])
def test_pages_show_labels_and_the_page_language(persona, url, coded_world, personas,
                                                 client_for):
    path = url.format(**coded_world)
    client = client_for(personas.by_name(persona))
    client.cookies["django_language"] = "ko"
    korean = client.get(path)
    assert korean.status_code == 200
    assert code_problems(korean.content.decode()) == []
    client.cookies["django_language"] = "en"
    english = client.get(path)
    assert english.status_code == 200
    html = english.content.decode()
    assert code_problems(html) == []
    assert hangul_problems(html, korean_with_english_versions()) == []


def test_the_checks_catch_what_the_issue_reported():
    """The detectors themselves: raw finding codes, a choice value, a dict dump, Korean names."""
    page = ("<ul><li title='x'>duplicate_funding_declared</li><li>company_too_old</li></ul>"
            "<dd>poc</dd><td><small>{'status': 'draft'}</small></td><p>워크로보틱스</p>")
    problems = code_problems(page)
    assert "code in text: 'duplicate_funding_declared'" in problems
    assert "code shown as text: 'poc'" in problems
    assert any(p.startswith("dict dump") for p in problems)
    assert hangul_problems(page, {"워크로보틱스"}) != []
    # Not codes: e-mail addresses, URLs, English prose, the form being edited.
    assert code_problems("<p>operator@kised.example submitted a draft of the call</p>"
                         "<textarea>poc</textarea>") == []


def test_operator_list_names_findings_and_tracks_in_the_page_language(coded_world, world,
                                                                      personas, client_for):
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    html = client.get(f"/manage/calls/{world.call.pk}/applications/").content.decode()
    text = "\n".join(visible_nodes(html))
    assert "Company too old for this track" in text
    assert "Declared duplicate funding" in text
    assert "Work Robotics" in text and "워크로보틱스" not in text
    assert "NVIDIA · Accelerated computing track: 1" in text
    client.cookies["django_language"] = "ko"
    text = "\n".join(visible_nodes(
        client.get(f"/manage/calls/{world.call.pk}/applications/").content.decode()))
    assert "엔비디아 · 가속 컴퓨팅 트랙: 1" in text
    assert "워크로보틱스" in text


def test_detail_shows_choice_labels_and_changes(coded_world, submitted, personas, client_for):
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    text = "\n".join(visible_nodes(
        client.get(f"/manage/applications/{submitted.pk}/").content.decode()))
    assert "Proof of concept" in text
    assert "Application submitted" in text
    client.cookies["django_language"] = "ko"
    text = "\n".join(visible_nodes(
        client.get(f"/manage/applications/{submitted.pk}/").content.decode()))
    assert "기술검증(PoC)" in text


def test_audit_log_renders_field_before_and_after(coded_world, personas, client_for):
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    html = client.get("/audit/").content.decode()
    text = " ".join(visible_nodes(html))
    assert "Track changed" in text
    assert re.search(r"Places\s*:\s*\d+\s*→\s*11", text), text  # the matrix world may set places
    assert "Standard questions added : Summary of your business, " in text
    client.cookies["django_language"] = "ko"
    text = " ".join(visible_nodes(client.get("/audit/").content.decode()))
    assert re.search(r"선정 규모\s*:\s*\d+\s*→\s*11", text), text
    assert re.search(r"상태\s*:\s*\S+", text), text


def test_missing_english_is_shown_in_korean_with_a_note(world, personas, client_for):
    from kbridge.accounts.models import Organisation
    from kbridge.applications.models import Application
    from tests.factories import ApplicationFactory as Factory

    Organisation.objects.filter(pk=personas.startup_a_org.pk).update(name_en="")
    if not Application.objects.filter(track=world.track_a,
                                      applicant=personas.startup_a_org).exists():
        Factory(track=world.track_a, applicant=personas.startup_a_org,
                created_by=personas.startup_a)
    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    html = client.get(f"/manage/calls/{world.call.pk}/applications/").content.decode()
    assert '<span lang="ko">뉴로칩스</span> <small class="lang-fallback">(in Korean)</small>' in html
