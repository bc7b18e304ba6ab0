"""Login throttling and rate limits (issue 9, item 2; docs/decisions.md "Throttling design").

Each example the outside tester found is a test here: a failure flood locking the owner out,
a reset that did not unlock, the admin login bypassing the lock-out, 30 reset e-mails, and
more attempts checked than the limit under concurrency.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test import Client

from kbridge.accounts.models import Invitation, User
from kbridge.core import throttle
from kbridge.core.models import AuditLog
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("fresh_throttle_window")

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


@pytest.fixture
def rates(settings):
    """``rates(scope=limit, …)``: set the listed scopes to ``limit`` per hour."""

    def _set(**limits):
        updated = dict(django_settings.KBRIDGE_THROTTLE_RATES)
        for scope, limit in limits.items():
            updated[scope.replace("_", "-")] = f"{limit}/h"
        settings.KBRIDGE_THROTTLE_RATES = updated

    return _set


def _login(client, email, password, address, path="/accounts/login/"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=address)


def _assert_refused(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 24 * 3600


# --- Login -------------------------------------------------------------------------------------

def test_failure_flood_from_one_address_does_not_lock_the_owner_out_elsewhere(personas, client):
    """The tester's 100 anonymous failures locked the operator's account for an hour."""
    email = personas.operator.email
    statuses = [_login(client, email, "wrong", ATTACKER).status_code for _ in range(100)]
    limit = throttle.rate_for("login-account-address").limit
    assert statuses[:limit] == [200] * limit
    assert set(statuses[limit:]) == {429}
    # The attacker's address stays refused, even with the right password...
    _assert_refused(_login(client, email, PASSWORD, ATTACKER))
    # ...but the owner, at their own address, signs in.
    assert _login(Client(), email, PASSWORD, OWNER).status_code == 302


def test_refused_login_says_why_and_when(personas, client, rates):
    rates(login_account_address=3)
    for _ in range(3):
        assert _login(client, personas.startup_a.email, "wrong", OWNER).status_code == 200
    response = _login(client, personas.startup_a.email, PASSWORD, OWNER)
    _assert_refused(response)
    html = response.content.decode()
    assert "비밀번호를 재설정" in html  # the message, in Korean (the default language)
    assert 'value="ceo@neurochips.example"' in html  # what was typed stays
    # Another account from the same address is not affected.
    assert _login(Client(), personas.startup_b.email, PASSWORD, OWNER).status_code == 302


def test_a_successful_login_clears_the_account_counter(personas, client, rates):
    rates(login_account_address=3)
    email = personas.startup_a.email
    for _ in range(2):
        _login(client, email, "wrong", OWNER)
    assert _login(client, email, PASSWORD, OWNER).status_code == 302
    client.logout()
    for _ in range(2):
        assert _login(client, email, "wrong", OWNER).status_code == 200
    assert _login(client, email, PASSWORD, OWNER).status_code == 302


def test_one_address_trying_many_accounts_is_refused(personas, rates):
    rates(login_address=5)
    users = [personas.operator, personas.partner_a, personas.partner_b, personas.evaluator,
             personas.startup_a, personas.startup_b]
    statuses = [_login(Client(), u.email, "wrong", ATTACKER).status_code for u in users]
    assert statuses == [200] * 5 + [429]
    assert _login(Client(), personas.startup_b.email, PASSWORD, OWNER).status_code == 302


def test_a_successful_password_reset_unlocks_the_account_at_every_address(
        personas, client, rates, run_tasks, django_capture_on_commit_callbacks):
    """The old message said a reset would help; it did not."""
    rates(login_account_address=3)
    user = personas.startup_a
    for address in (OWNER, ATTACKER):
        for _ in range(3):
            _login(Client(), user.email, "wrong", address)
        _assert_refused(_login(Client(), user.email, PASSWORD, address))

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": user.email}, REMOTE_ADDR=OWNER)
    run_tasks()
    path = re.search(r"http://127.0.0.1:8000(/accounts/password-reset/[^\s]+)",
                     mail.outbox[-1].body).group(1)
    response = client.get(path, follow=True)
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"})
    assert response.status_code == 302

    for address in (OWNER, ATTACKER):
        assert _login(Client(), user.email, "a-brand-new-secret-42", address).status_code == 302
    lifted = AuditLog.objects.get(action="account.login_limits_lifted")
    assert lifted.after == {"reason": "password_reset", "counters": 2}


def test_admin_login_is_throttled_with_the_same_counter(personas, rates):
    """/admin/login/ used to check passwords without any limit."""
    rates(login_account_address=3)
    admin = UserFactory(email="root@kised.example", is_staff=True, is_superuser=True)
    client = Client()
    statuses = [_login(client, admin.email, "wrong", ATTACKER, "/admin/login/").status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _login(client, admin.email, PASSWORD, ATTACKER, "/admin/login/")
    _assert_refused(refused)
    assert "로그인 시도가 너무 많습니다" in refused.content.decode()
    # The sign-in page shares the counter: no second budget for the same account and address.
    _assert_refused(_login(Client(), admin.email, PASSWORD, ATTACKER))
    # The owner elsewhere still gets into the admin.
    assert _login(Client(), admin.email, PASSWORD, OWNER, "/admin/login/").status_code == 302


def test_every_authenticate_call_with_a_request_is_throttled(personas, rates, rf):
    from django.contrib.auth import authenticate

    rates(login_account_address=2)
    results = []
    for _ in range(3):
        request = rf.post("/anything/", REMOTE_ADDR=ATTACKER)
        results.append(authenticate(request, username=personas.startup_a.email,
                                    password=PASSWORD))
        refused = getattr(request, "login_throttled", None)
    assert [r is not None for r in results] == [True, True, False]
    assert refused is not None and refused.scope == "login-account-address"


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_check_no_more_passwords_than_the_limit(rates):
    """The tester saw 102 attempts checked against a limit of 100."""
    rates(login_account_address=4)
    user = UserFactory(email="busy@kised.example")
    barrier = threading.Barrier(12)
    statuses = []

    def attempt():
        try:
            barrier.wait()
            response = _login(Client(), user.email, "wrong", ATTACKER)
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 4 + [429] * 8


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="many writers at once are what PostgreSQL serves in production")
@pytest.mark.django_db(transaction=True)
def test_counter_gives_each_concurrent_hit_its_own_number(rates):
    rates(signup=25)
    barrier = threading.Barrier(40)
    verdicts = []

    def attempt():
        try:
            barrier.wait()
            verdicts.append(throttle.hit("signup", "192.0.2.1"))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v.hits for v in verdicts) == list(range(1, 41))
    assert sum(v.allowed for v in verdicts) == 25


# --- Endpoints that send mail or cost much ---------------------------------------------------

def _reset(client, email, address):
    return client.post("/accounts/password-reset/", {"email": email}, REMOTE_ADDR=address)


def test_thirty_reset_requests_send_at_most_the_limit(personas, client, run_tasks,
                                                      django_capture_on_commit_callbacks):
    """30 POSTs used to send 30 e-mails."""
    limit = throttle.rate_for("password-reset-email").limit
    with django_capture_on_commit_callbacks(execute=True):
        responses = [_reset(client, personas.startup_a.email, OWNER) for _ in range(30)]
    run_tasks()
    assert len(mail.outbox) == limit
    assert [r.status_code for r in responses] == [302] * limit + [429] * (30 - limit)
    _assert_refused(responses[-1])
    # First the limit per target address speaks, then the one per client address.
    html = responses[limit].content.decode()
    assert 'value="ceo@neurochips.example"' in html and "비밀번호 재설정 요청이 너무 많습니다" in html
    assert "같은 요청이 너무 많습니다" in responses[-1].content.decode()


def test_reset_limits_do_not_tell_whether_an_account_exists(personas, client):
    known = [_reset(Client(), personas.startup_a.email, f"192.0.2.{i}").status_code
             for i in range(6)]
    unknown = [_reset(Client(), "nobody@nowhere.example", f"192.0.2.{i}").status_code
               for i in range(6)]
    assert known == unknown == [302, 302, 302, 429, 429, 429]


def test_one_address_requesting_resets_for_many_addresses_is_refused(
        personas, rates, run_tasks, django_capture_on_commit_callbacks):
    rates(password_reset_address=4)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [_reset(Client(), u.email, ATTACKER).status_code for u in (
            personas.operator, personas.partner_a, personas.partner_b, personas.evaluator,
            personas.startup_a, personas.startup_b)]
    run_tasks()
    assert statuses == [302] * 4 + [429] * 2
    assert len(mail.outbox) == 4


def test_resend_verification_is_limited(db, client, rates, run_tasks,
                                        django_capture_on_commit_callbacks):
    rates(verification_resend=2)
    user = UserFactory(email="new@startup.example", email_verified_at=None)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        responses = [client.post("/accounts/verify/resend/") for _ in range(3)]
    run_tasks()
    assert [r.status_code for r in responses] == [302, 302, 429]
    _assert_refused(responses[-1])
    assert "요청이 너무 많습니다" in responses[-1].content.decode()
    assert len(mail.outbox) == 2
    htmx = client.post("/accounts/verify/resend/", HTTP_HX_REQUEST="true")
    _assert_refused(htmx)
    assert htmx["HX-Reswap"] == "none" and "<html" not in htmx.content.decode()


def test_staff_invitations_are_limited(personas, client, rates):
    rates(invitation=2)
    client.force_login(personas.operator)
    responses = [client.post("/accounts/invitations/", {
        "email": f"colleague{i}@kised.example", "organisation": personas.operator_org.pk,
        "role": "operator"}) for i in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 429]
    _assert_refused(responses[-1])
    assert 'value="colleague2@kised.example"' in responses[-1].content.decode()
    assert Invitation.objects.count() == 2


def test_member_invitations_are_limited(personas, client, rates):
    rates(member_invitation=2)
    client.force_login(personas.startup_a)
    responses = [client.post("/startup/members/", {"email": f"dev{i}@neurochips.example"})
                 for i in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 429]
    _assert_refused(responses[-1])
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize("path, extra", [
    ("/accounts/signup/startup/", {"company_name_ko": "뉴런칩스", "company_name_en": ""}),
    ("/accounts/signup/evaluator/", {"affiliation_name": "카이스트",
                                     "affiliation_type": "university"}),
])
def test_signups_are_limited_per_address(db, rates, path, extra):
    rates(signup=2)
    responses = [Client().post(path, {
        "email": f"person{i}@example.kr", "full_name": "김민준", "password1": "npu-for-every-edge-2026",
        "password2": "npu-for-every-edge-2026", "privacy_consent": "on", **extra},
        REMOTE_ADDR=ATTACKER) for i in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 429]
    _assert_refused(responses[-1])
    assert 'value="person2@example.kr"' in responses[-1].content.decode()
    assert User.objects.count() == 2
    # Another address signs up.
    assert Client().post(path, {
        "email": "other@example.kr", "full_name": "박서연", "password1": "npu-for-every-edge-2026",
        "password2": "npu-for-every-edge-2026", "privacy_consent": "on", **extra},
        REMOTE_ADDR=OWNER).status_code == 302


def test_startup_search_is_limited_per_user(personas, client, rates):
    rates(search=2)
    client.force_login(personas.partner_a)
    responses = [client.get("/manage/discover/", {"q": "on-device AI"}) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    _assert_refused(responses[-1])
    assert 'value="on-device AI"' in responses[-1].content.decode()
    # Opening the page without a query costs nothing and is not counted.
    assert client.get("/manage/discover/").status_code == 200


# --- Client addresses --------------------------------------------------------------------------

@pytest.mark.parametrize("proxies, remote, forwarded, expected", [
    (0, "198.51.100.7", "10.0.0.1", "198.51.100.7"),
    (1, "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
    (2, "127.0.0.1", "6.6.6.6, 198.51.100.7, 192.0.2.80", "198.51.100.7"),
    (1, "127.0.0.1", "", "127.0.0.1"),
    (0, "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
    (0, "::ffff:198.51.100.7", "", "198.51.100.7"),
    (0, "not-an-address", "", "unknown"),
])
def test_client_address_behind_trusted_proxies(rf, settings, proxies, remote, forwarded,
                                               expected):
    settings.KBRIDGE_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_address(request) == expected


@pytest.mark.parametrize("text, limit, seconds", [
    ("10/15m", 10, 900), ("3/h", 3, 3600), ("100/1d", 100, 86400), ("5/30s", 5, 30)])
def test_rates_parse(text, limit, seconds):
    assert throttle.parse_rate(text) == throttle.Rate(limit, seconds)


@pytest.mark.parametrize("text", ["", "10", "0/h", "ten/h", "10/w", "5/0m"])
def test_bad_rates_are_refused_at_use(text):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        throttle.parse_rate(text)


def test_windows_end_and_old_counters_are_removed(db, rates):
    from kbridge.core.models import ThrottleCounter

    rates(signup=1)
    first = throttle.hit("signup", "192.0.2.1", now=3600 * 1000 + 10)
    second = throttle.hit("signup", "192.0.2.1", now=3600 * 1000 + 20)
    assert (first.allowed, second.allowed, second.retry_after) == (True, False, 3580)
    later = throttle.hit("signup", "192.0.2.1", now=3600 * 1001 + 5)
    assert later.allowed and later.hits == 1
    assert ThrottleCounter.objects.filter(name="signup:192.0.2.1").count() == 1


def test_operators_lift_login_limits_with_a_command(personas, rates):
    from django.core.management import call_command

    rates(login_account_address=2)
    email = personas.startup_a.email
    for _ in range(2):
        _login(Client(), email, "wrong", OWNER)
    _assert_refused(_login(Client(), email, PASSWORD, OWNER))
    call_command("lift_login_limits", email.upper(), verbosity=0)
    assert _login(Client(), email, PASSWORD, OWNER).status_code == 302
    assert AuditLog.objects.get(action="account.login_limits_lifted").after["reason"] == "operator"


def _settings_in_subprocess(env_extra):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "DJANGO_SETTINGS_MODULE": "kbridge.settings",
           **env_extra}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
                               "print(settings.KBRIDGE_THROTTLE_RATES['signup'])"],
        env=env, capture_output=True, text=True, timeout=60)


def test_operators_override_rates_from_the_environment():
    done = _settings_in_subprocess({"THROTTLE_RATES": "signup=50/h, search=10/1m"})
    assert done.returncode == 0 and done.stdout.strip() == "50/h"


@pytest.mark.parametrize("value", ["signup=lots", "sign-ups=5/h"])
def test_bad_rates_from_the_environment_stop_the_start(value):
    done = _settings_in_subprocess({"THROTTLE_RATES": value})
    assert done.returncode != 0 and "ImproperlyConfigured" in done.stderr
