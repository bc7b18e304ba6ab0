"""Content-Security-Policy (issue 9, item 3): every page sends a strict policy, in the test,
development and production settings alike, and no template or script of ours relies on
anything the policy refuses (inline script, inline style, event-handler attributes, eval).

The browser tests check the same thing from the other side: they fail on any violation that
Chromium reports (tests/e2e/conftest.py, tests/e2e/test_csp.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kbridge

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

SOURCE = Path(kbridge.__file__).parent
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def parse(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_public_pages_send_the_strict_policy(client, world):
    for path in ["/", f"/calls/{world.call.pk}/", "/accounts/login/", "/accounts/signup/",
                 "/admin/login/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert parse(response["Content-Security-Policy"]) == STRICT, path


def test_signed_in_pages_and_htmx_fragments_send_the_policy(client_for, world, personas):
    client = client_for(personas.operator)
    for path in ["/dashboard/", "/audit/", f"/manage/programs/{world.program.pk}/"]:
        response = client.get(path, follow=True)
        assert parse(response["Content-Security-Policy"]) == STRICT, path
    response = client.get("/", headers={"HX-Request": "true"})
    assert parse(response["Content-Security-Policy"]) == STRICT


def _run_under(env: dict[str, str], tmp_path: Path) -> dict:
    """Requests served by a fresh interpreter whose settings come from ``env``."""
    script = """
import json, django
django.setup()
from django.test import Client, override_settings
out = {}
# Only the static storage differs from a deployment: the manifest storage needs collectstatic.
with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                 "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    client = Client()
    for path in ["/accounts/login/", "/no-such-page/"]:
        response = client.get(path, secure=True)
        out[path] = [response.status_code, response.headers.get("Content-Security-Policy")]
print(json.dumps(out))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kbridge.settings",
             "KBRIDGE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env", [
    {"KBRIDGE_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "testserver"},
    {"KBRIDGE_ENV": "development"},
], ids=["production", "development"])
def test_the_policy_holds_in_every_environment(env, tmp_path):
    served = _run_under(env, tmp_path)
    login_status, login_policy = served["/accounts/login/"]
    assert login_status == 200
    assert parse(login_policy) == STRICT
    if env["KBRIDGE_ENV"] == "production":
        # Error pages too (in development django-csp leaves Django's debug pages alone).
        assert served["/no-such-page/"][0] == 404
        assert parse(served["/no-such-page/"][1]) == STRICT


# What the policy refuses, as it would appear in our templates and scripts.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\s(on[a-z]+|hx-on[:-][\w:-]*|data-hx-on[\w:-]*)\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action|hx-\w+)\s*=\s*["']\s*(javascript|js):""", re.I)
EVAL = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(|"
                  r"set(Timeout|Interval)\s*\(\s*[\"'`]")


def _ours(pattern: str) -> list[Path]:
    return [p for p in SOURCE.rglob(pattern) if "engine" not in p.parts]


def test_templates_have_no_inline_script_style_or_handlers():
    templates = _ours("*.html")
    assert len(templates) > 30
    found = []
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, HANDLER_ATTRIBUTE, JS_URL):
            found += [f"{path.relative_to(SOURCE)}: {m.group(0).strip()}"
                      for m in pattern.finditer(text)]
    assert found == []


def test_our_scripts_do_not_evaluate_strings():
    scripts = _ours("*.js")
    assert scripts
    found = [f"{p.relative_to(SOURCE)}: {m.group(0)}"
             for p in scripts for m in EVAL.finditer(p.read_text())]
    assert found == []


def test_the_patterns_catch_what_they_are_for():
    """The scans above can fail: each pattern matches the construct it stands for."""
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert INLINE_STYLE.search('<p style="color:red">') and INLINE_STYLE.search("<style>")
    assert HANDLER_ATTRIBUTE.search('<a onclick="x()">')
    assert HANDLER_ATTRIBUTE.search('<form hx-on::after-request="x()">')
    assert JS_URL.search('<a href="javascript:void(0)">')
    assert EVAL.search("eval('1')") and EVAL.search("new Function('a', 'b')")
    assert EVAL.search('setTimeout("tick()", 10)') and not EVAL.search("setTimeout(tick, 10)")
