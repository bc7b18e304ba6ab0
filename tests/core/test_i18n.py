"""Korean first, English complete: catalogues are whole and every page renders translated."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import kbridge

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

LOCALE = Path(kbridge.__file__).parent / "locale"
TAGS = re.compile(r"<[^>]+>")


def _catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_catalogue_is_complete_and_compiled(lang):
    po = _catalogue(lang)
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural) for e in mo}
    expected = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural)
                for e in po.translated_entries()}
    assert compiled == expected, "run `make messages` to recompile the catalogues"


def test_catalogue_covers_every_string_in_the_source(tmp_path):
    """Re-extract the strings into a scratch copy and compare with the committed catalogue."""
    assert shutil.which("xgettext"), "GNU gettext is required (apt-get install gettext)"
    source = Path(kbridge.__file__).parent
    copy = tmp_path / "kbridge"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("engine", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ko", "--no-obsolete", "--no-location"],
        cwd=copy, check=True, capture_output=True, env={
            **__import__("os").environ, "DJANGO_SETTINGS_MODULE": "kbridge.settings"},
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/ko/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in _catalogue("ko")}
    assert extracted - committed == set(), "new strings: run `make messages` and translate them"


def _visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return html.unescape(TAGS.sub(" ", body))


def _phrases(po: polib.POFile, translated: bool) -> list[str]:
    """Multi-word catalogue strings (short ones such as "K-Bridge" also appear in data)."""
    out = []
    for entry in po.translated_entries():
        text = entry.msgstr if translated else entry.msgid
        if not text or entry.msgstr == entry.msgid or "%(" in text:
            continue
        if len(text.split()) >= 3:
            out.append(text)
    return out


PAGES = [
    ("anonymous", "/"), ("anonymous", "/calls/{call}/"), ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"), ("anonymous", "/accounts/signup/startup/"),
    ("anonymous", "/accounts/signup/evaluator/"), ("anonymous", "/accounts/password-reset/"),
    ("operator", "/manage/programs/"), ("operator", "/manage/programs/{program}/"),
    ("operator", "/manage/programs/calls/{call}/"), ("operator", "/manage/programs/calls/{call}/edit/"),
    ("operator", "/manage/programs/calls/{call}/tracks/new/"), ("operator", "/audit/"),
    ("operator", "/accounts/invitations/"), ("partner_a", "/manage/programs/partner/"),
    ("partner_a", "/manage/programs/tracks/{track}/edit/"), ("evaluator", "/dashboard/"),
    ("startup_a", "/dashboard/"), ("startup_a", "/manage/programs/"),
    ("startup_a", "/startup/profile/"), ("startup_a", "/startup/members/"),
    ("startup_a", "/accounts/my-data/"), ("evaluator", "/accounts/my-data/"),
    ("startup_a", "/applications/"), ("startup_a", "/calls/{call}/"),
    ("startup_a", "/applications/{application}/"),
    ("startup_a", "/applications/{application}/receipts/1/"),
    ("operator", "/manage/applications/{application}/"),
    ("operator", "/manage/calls/{call}/applications/"),
    ("operator", "/manage/calls/{call}/questions/"),
    ("startup_a", "/startup/recommendations/"), ("partner_a", "/manage/discover/?q=NPU"),
    ("partner_a", "/manage/tracks/{track}/applicants/"),
    ("operator", "/manage/deliveries/"), ("operator", "/manage/deliveries/?show=all"),
    # Alliance: members and directory; collaborations
    ("startup_a", "/alliance/"), ("partner_admin", "/alliance/"),
    ("operator", "/manage/alliance/collaborations/"),
    ("operator", "/manage/alliance/collaborations/new/"),
    ("startup_a", "/alliance/collaborations/"),
    # Alliance: milestone reports
    ("startup_a", "/alliance/reports/"), ("operator", "/manage/alliance/reports/"),
    ("operator", "/manage/alliance/kpis/"), ("partner_a", "/manage/alliance/kpis/"),
    ("anonymous", "/alliance/outcomes/"),
    # API tokens and webhooks
    ("startup_a", "/api-tokens/"), ("operator", "/webhooks/"), ("operator", "/webhooks/new/"),
]


@pytest.mark.parametrize(("persona", "url"), PAGES)
def test_every_page_renders_without_untranslated_strings(persona, url, world, personas,
                                                         client_for, request):
    ko, en = _catalogue("ko"), _catalogue("en")
    english_phrases = _phrases(ko, translated=False)
    korean_phrases = _phrases(ko, translated=True)
    application = request.getfixturevalue("submitted") if "{application}" in url else None
    path = url.format(call=world.call.pk, program=world.program.pk, track=world.track_a.pk,
                      application=application.pk if application else 0)
    client = client_for(personas.by_name(persona))

    client.cookies["django_language"] = "ko"
    korean = _visible_text(client.get(path))
    assert [p for p in english_phrases if p in korean] == []

    client.cookies["django_language"] = "en"
    english = _visible_text(client.get(path))
    assert [p for p in korean_phrases if p in english] == []
    assert en.percent_translated() == 100
