"""Links in e-mails: production uses its explicit SITE_URL; a development or demo server with
no SITE_URL links to the address it was served at (core/site.py)."""

from __future__ import annotations

import re

from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from kbridge.accounts.models import User
from kbridge.core.site import check_site_url

LINK = re.compile(r"https?://[^\s/]+(?=/accounts/verify/)")


def _signup(client, host):
    return client.post("/accounts/signup/startup/", {
        "email": "ceo@neuron.example", "full_name": "김민준", "company_name_ko": "뉴런칩스",
        "company_name_en": "Neuron Chips", "password1": "npu-for-every-edge-2026",
        "password2": "npu-for-every-edge-2026", "privacy_consent": "on"}, HTTP_HOST=host)


def test_demo_verification_links_point_at_the_address_served(
        db, client, settings, run_tasks, django_capture_on_commit_callbacks):
    settings.DEBUG, settings.SITE_URL = True, ""
    with django_capture_on_commit_callbacks(execute=True):
        assert _signup(client, "127.0.0.1:8765").status_code == 302
    run_tasks()
    assert LINK.search(mail.outbox[0].body).group(0) == "http://127.0.0.1:8765"
    link = re.search(r"http://127.0.0.1:8765(\S+)", mail.outbox[0].body).group(1)
    client.get(link, HTTP_HOST="127.0.0.1:8765")
    assert User.objects.get(email="ceo@neuron.example").email_verified_at is not None


def test_an_explicit_site_url_wins_over_the_host_served(
        db, client, settings, run_tasks, django_capture_on_commit_callbacks):
    settings.DEBUG, settings.SITE_URL = True, "https://kbridge.example.kr"
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, "127.0.0.1:8765")
    run_tasks()
    assert LINK.search(mail.outbox[0].body).group(0) == "https://kbridge.example.kr"


def test_production_never_builds_links_from_the_host_header(
        db, client, settings, run_tasks, django_capture_on_commit_callbacks):
    settings.DEBUG, settings.SITE_URL = False, ""
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, "evil.example")
    run_tasks()
    assert "evil.example" not in mail.outbox[0].body


def test_password_reset_links_follow_the_served_address_in_the_demo(
        personas, client, settings, run_tasks, django_capture_on_commit_callbacks):
    settings.DEBUG, settings.SITE_URL = True, ""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": personas.startup_a.email},
                    HTTP_HOST="localhost:8765")
    run_tasks()
    assert "http://localhost:8765/accounts/password-reset/" in mail.outbox[0].body


def test_the_deploy_check_requires_an_https_site_url(settings):
    settings.SITE_URL = ""
    assert [e.id for e in check_site_url()] == ["kbridge.E001"]
    settings.SITE_URL = "http://kbridge.example.kr"
    assert [e.id for e in check_site_url()] == ["kbridge.E002"]
    settings.SITE_URL = "https://kbridge.example.kr"
    assert check_site_url() == []


def test_check_deploy_fails_without_site_url(settings):
    settings.SITE_URL = ""
    try:
        call_command("check", "--deploy", "--tag", "security")
    except SystemCheckError as error:
        assert "kbridge.E001" in str(error)
    else:  # pragma: no cover
        raise AssertionError("check --deploy passed without SITE_URL")
