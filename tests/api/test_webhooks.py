"""Webhooks end to end (issue 17): a decision → a signed POST to a real local receiver, run
by the real task worker (``python -m kbridge worker``), with retries, back-off and 410.

The receiver is a thread with ``http.server`` on 127.0.0.1 (tests/api/webhook_receiver.py);
the clock is frozen and moved by hand, so "after the back-off" takes no real time.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.api import services_webhooks as hooks
from kbridge.api import signing
from kbridge.api.models import WebhookDelivery, WebhookSubscription
from kbridge.api.tasks_webhooks import deliver_webhook
from kbridge.core.worker import policy_for
from tests.api.webhook_receiver import Receiver
from tests.conftest import build_submitted


@pytest.fixture
def run_tasks(transactional_db):
    """The real worker (``python -m kbridge worker --queue-name webhooks``) until no webhook
    task is ready; the other work a decision queues (e-mail, embeddings) is left alone."""

    def _run():
        call_command("worker", batch=True, startup_delay=False, interval=0,
                     queue_name="webhooks", reload=False, verbosity=0)

    return _run


def _subscribe(personas, url, *, by=None, organisation=None, events=("application.submitted",)):
    row, secret = hooks.create_subscription(
        by=by or personas.operator, organisation=organisation or personas.operator_org,
        name="K-Startup portal", url=url, event_types=list(events))
    return row, secret


def _deliver_tasks():
    return DBTaskResult.objects.filter(task_path=deliver_webhook.module_path)


def test_a_receiver_that_fails_twice_then_succeeds_gets_the_event_exactly_once(
        world, personas, run_tasks):
    with Receiver(answers=[500, 500, 200]) as receiver, \
            time_machine.travel(timezone.now(), tick=False) as clock:
        subscription, secret = _subscribe(personas, receiver.url)
        application = build_submitted(world, personas)
        run_tasks()  # the fan-out, then the first attempt (500)

        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
        task = _deliver_tasks().get()
        wait = task.run_after - timezone.now()
        assert timedelta(seconds=60) <= wait <= timedelta(seconds=66)  # 1 min + jitter
        assert delivery.next_attempt_at == task.run_after

        run_tasks()  # too early: nothing is sent
        assert len(receiver.requests) == 1

        clock.shift(timedelta(seconds=67))
        run_tasks()  # second attempt (500); the back-off doubles
        task.refresh_from_db()
        assert timedelta(seconds=120) <= task.run_after - timezone.now() <= timedelta(seconds=132)

        clock.shift(timedelta(seconds=133))
        run_tasks()  # third attempt: 200
        clock.shift(timedelta(days=4))
        run_tasks()  # nothing is left to do

    assert [r.answered for r in receiver.requests] == [500, 500, 200]
    assert len(receiver.delivered) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)
    assert [(a.number, a.response_code) for a in delivery.attempt_log.all()] == [
        (1, 500), (2, 500), (3, 200)]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"

    # Every attempt carried the same idempotency key, in the header and in the body.
    assert {r.headers["X-KBridge-Delivery"] for r in receiver.requests} == {delivery.key}
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {delivery.key}
    got = receiver.delivered[0]
    body = json.loads(got.body)
    assert body == {
        "id": delivery.key, "type": "application.submitted", "test": False,
        "created_at": body["created_at"], "organisation_id": personas.operator_org.pk,
        "object": {"kind": "application", "id": application.pk,
                   "url": f"http://127.0.0.1:8000/api/v1/applications/{application.pk}"}}
    assert body["created_at"].endswith("Z")
    assert got.headers["X-KBridge-Event"] == "application.submitted"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-KBridge-Attempt"] == "3"
    # The signature verifies with the subscription's secret, and not with another one.
    header = got.headers["X-KBridge-Signature"]
    timestamp, _digests = signing.parse(header)
    assert signing.verify(secret, header, got.body, now=timestamp)
    assert not signing.verify(signing.new_secret(), header, got.body, now=timestamp)
    assert not signing.verify(secret, header, got.body + b" ", now=timestamp)


def test_a_410_disables_the_subscription_and_nothing_more_is_sent(world, personas, run_tasks):
    with Receiver(answers=[410]) as receiver, \
            time_machine.travel(timezone.now(), tick=False) as clock:
        subscription, _secret = _subscribe(
            personas, receiver.url, events=("application.submitted", "application.withdrawn"))
        build_submitted(world, personas)
        run_tasks()
        clock.shift(timedelta(days=4))
        run_tasks()

    assert len(receiver.requests) == 1
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_reason) == (False, "gone")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("failed", 410)
    assert _deliver_tasks().get().status == "SUCCESSFUL"  # answered: no retry
    # A later event finds no active subscription.
    assert hooks.fan_out(audit_id=0) == 0


def test_the_back_off_stays_within_three_days_then_the_delivery_fails(
        world, personas, run_tasks):
    policy = policy_for(deliver_webhook.module_path)
    # The longest schedule, with the worker's full 10 % jitter, ends within 3 days.
    assert policy.total_delay() * 1.1 < timedelta(days=3)
    assert policy.total_delay() > timedelta(days=2)
    delays = [policy.delay(attempt) for attempt in range(1, policy.max_attempts)]
    assert delays[0] < timedelta(minutes=2) and max(delays) <= timedelta(hours=8.8)

    with Receiver(answers=[503]) as receiver, \
            time_machine.travel(timezone.now(), tick=False) as clock:
        start = timezone.now()
        _subscribe(personas, receiver.url)
        build_submitted(world, personas)
        run_tasks()
        # An always-running worker: each retry runs the moment it is due.
        while (task := _deliver_tasks().get()).status == "READY":
            clock.move_to(task.run_after + timedelta(seconds=1))
            run_tasks()

    assert len(receiver.requests) == policy.max_attempts
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", policy.max_attempts)
    assert delivery.last_error == "HTTP 503"
    attempts = list(delivery.attempt_log.values_list("started_at", flat=True))
    assert len(attempts) == policy.max_attempts
    assert timedelta(days=2) < attempts[-1] - start < timedelta(days=3)


def test_a_failed_delivery_may_be_redelivered_with_the_same_key(world, personas, run_tasks):
    with Receiver(answers=[400]) as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        build_submitted(world, personas)
        run_tasks()
        delivery = WebhookDelivery.objects.get()
        hooks.fail_delivery(delivery_id=delivery.pk, error="gave up")
        receiver.answers = [204]
        receiver.requests.clear()
        hooks.redeliver(delivery=delivery, by=personas.operator)
        run_tasks()

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [r.headers["X-KBridge-Delivery"] for r in receiver.requests] == [delivery.key]


def test_the_test_event_reaches_the_receiver(personas, run_tasks):
    with Receiver(answers=[200]) as receiver:
        subscription, secret = _subscribe(personas, receiver.url)
        hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()

    body = json.loads(receiver.requests[0].body)
    assert (body["type"], body["test"], body["object"]["kind"]) == ("webhook.test", True,
                                                                     "webhook")
    header = receiver.requests[0].headers["X-KBridge-Signature"]
    assert signing.verify(secret, header, receiver.requests[0].body)


# --- who receives what (tenancy) --------------------------------------------------------------


def test_only_organisations_that_may_see_the_application_receive_its_submission(
        world, personas, run_tasks):
    with Receiver(answers=[200]) as receiver:
        url = receiver.url
        subscribers = {
            "operator": _subscribe(personas, url)[0],
            "operator_b": _subscribe(personas, url, by=personas.operator_b,
                                     organisation=personas.operator_b_org)[0],
            "partner_admin": _subscribe(personas, url, by=personas.partner_admin,
                                        organisation=personas.partner_a_org)[0],
            "startup_a": _subscribe(personas, url, by=personas.startup_a,
                                    organisation=personas.startup_a_org)[0],
            "startup_b": _subscribe(personas, url, by=personas.startup_b,
                                    organisation=personas.startup_b_org)[0],
        }
        # Subscribed to another event only: receives nothing either.
        _subscribe(personas, url, events=("report.approved",))
        build_submitted(world, personas)
        run_tasks()

    got = set(WebhookDelivery.objects.values_list("subscription_id", flat=True))
    # KISED runs the program and startup A applied; the second agency, startup B and OpenAI
    # (which sees applications only once shortlisted) get nothing.
    assert got == {subscribers["operator"].pk, subscribers["startup_a"].pk}
    assert len(receiver.delivered) == 2


def test_a_subscription_whose_maker_left_the_organisation_receives_nothing(
        world, personas, run_tasks):
    from kbridge.accounts.models import Membership

    with Receiver(answers=[200]) as receiver:
        _subscribe(personas, receiver.url)
        Membership.objects.filter(user=personas.operator).delete()
        build_submitted(world, personas)
        run_tasks()
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_fan_out_runs_twice_without_a_second_delivery(world, personas, run_tasks):
    from kbridge.core.models import AuditLog

    with Receiver(answers=[200]) as receiver:
        _subscribe(personas, receiver.url)
        build_submitted(world, personas)
        run_tasks()
        row = AuditLog.objects.get(action="application.submitted")
        assert hooks.fan_out(audit_id=row.pk) == 0
        run_tasks()
    assert len(receiver.requests) == 1


def test_no_subscription_means_no_task(world, personas, db):
    build_submitted(world, personas)
    assert not DBTaskResult.objects.filter(queue_name="webhooks").exists()


# --- disabled subscriptions -------------------------------------------------------------------


def test_disabling_cancels_waiting_deliveries(world, personas, run_tasks):
    with Receiver(answers=[500]) as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        build_submitted(world, personas)
        run_tasks()
        hooks.set_active(subscription=subscription, by=personas.operator, active=False)
        with time_machine.travel(timezone.now() + timedelta(hours=1)):
            run_tasks()
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "cancelled"
    subscription.refresh_from_db()
    assert subscription.disabled_reason == WebhookSubscription.DisabledReason.MANUAL


@pytest.mark.parametrize("status", ["failed", "pending"])
def test_a_stale_task_does_nothing(personas, run_tasks, status):
    with Receiver(answers=[200]) as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        delivery = hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()
        assert hooks.deliver(delivery_id=delivery.pk) == "already delivered"
    assert len(receiver.requests) == 1


# --- the connection -------------------------------------------------------------------------


def test_the_request_goes_to_the_checked_address_with_the_host_name_in_host(personas,
                                                                          run_tasks):
    with Receiver(answers=[200], host="localhost") as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()
    port = receiver.server.server_address[1]
    assert receiver.requests[0].headers["Host"] == f"localhost:{port}"
    assert receiver.requests[0].path == "/hooks/kbridge"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for ``localhost`` (made with the openssl command)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_https_checks_the_certificate_against_the_host_name(personas, run_tasks, certificate,
                                                             settings):
    cert, key = certificate
    with Receiver(answers=[200], tls=(str(cert), str(key)), host="localhost") as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        # An unknown certificate authority: refused, and retried later.
        untrusted = hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()
        untrusted.refresh_from_db()
        assert untrusted.status == "pending" and "SSL" in untrusted.last_error
        # Trusted: delivered over TLS to the checked address, named localhost for SNI.
        settings.KBRIDGE_WEBHOOK_CA_FILE = str(cert)
        trusted = hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()
    trusted.refresh_from_db()
    assert (trusted.status, trusted.response_code) == ("delivered", 200)
    assert len(receiver.requests) == 1


def test_saving_a_subscription_whose_maker_left_makes_it_act_as_the_editor(
        world, personas, run_tasks, client_for):
    from kbridge.accounts.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    colleague = MembershipFactory(organisation=personas.operator_org, role="operator",
                                  user=UserFactory(email="second@kised.example")).user
    with Receiver(answers=[200]) as receiver:
        subscription, _secret = _subscribe(personas, receiver.url)
        Membership.objects.filter(user=personas.operator).delete()
        page = client_for(colleague).get(f"/webhooks/{subscription.pk}/")
        assert page.context["maker_left"] is True
        hooks.update_subscription(subscription=subscription, by=colleague,
                                  name=subscription.name, url=subscription.url,
                                  event_types=subscription.event_types)
        build_submitted(world, personas)
        run_tasks()
    subscription.refresh_from_db()
    assert subscription.created_by == colleague
    assert len(receiver.delivered) == 1


def test_a_redelivery_never_leaves_two_retry_chains(personas, run_tasks):
    with Receiver(answers=[500, 200]) as receiver, \
            time_machine.travel(timezone.now(), tick=False) as clock:
        subscription, _secret = _subscribe(personas, receiver.url)
        delivery = hooks.send_test_event(subscription=subscription, by=personas.operator)
        run_tasks()  # 500: its task waits a minute for the retry
        hooks.set_active(subscription=subscription, by=personas.operator, active=False)
        hooks.set_active(subscription=subscription, by=personas.operator, active=True)
        hooks.redeliver(delivery=delivery, by=personas.operator)
        run_tasks()  # the redelivery: 200
        clock.shift(timedelta(minutes=5))
        run_tasks()  # the first task's retry wakes up and stops

    assert [r.answered for r in receiver.requests] == [500, 200]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.generation, delivery.attempts) == ("delivered", 1, 2)
    assert sorted(_deliver_tasks().values_list("return_value", flat=True)) == [
        "delivered", "superseded"]


def test_the_fan_out_is_queued_with_the_decision_and_not_without_it(personas, transactional_db):
    from django.db import transaction

    from kbridge.core import audit

    _subscribe(personas, "http://127.0.0.1:9/hook")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("application.submitted", personas.startup_a_org)
        raise RuntimeError("the service failed after its audit row")
    assert not DBTaskResult.objects.filter(queue_name="webhooks").exists()

    with transaction.atomic():
        row = audit.record("application.submitted", personas.startup_a_org)
    task = DBTaskResult.objects.get(queue_name="webhooks")
    from kbridge.core.site import site_url

    assert task.args_kwargs["args"] == [row.pk, site_url()]  # the links point where it happened
    # An action that is no webhook event queues nothing.
    audit.record("profile.updated", personas.startup_a_org)
    assert DBTaskResult.objects.filter(queue_name="webhooks").count() == 1


def test_the_events_link_points_where_the_event_happened(world, personas, run_tasks,
                                                         settings):
    """In development without SITE_URL, links follow the address the page was served at
    (core/site.py); the worker that fans the event out has no request, and its deliveries
    pointed at make demo's :8000 (a second tester's demo on :8124)."""
    from kbridge.core import site

    settings.DEBUG, settings.SITE_URL = True, ""
    with Receiver(answers=[200]) as receiver:
        _subscribe(personas, receiver.url)
        token = site._served_origin.set("http://127.0.0.1:8124")
        try:
            build_submitted(world, personas)
        finally:
            site._served_origin.reset(token)
        run_tasks()
    delivery = WebhookDelivery.objects.get(event_type="application.submitted")
    assert delivery.payload["object"]["url"].startswith("http://127.0.0.1:8124/api/v1/")
    settings.SITE_URL = "https://kbridge.example"  # production: SITE_URL alone
    assert hooks.payload(key="k", event_type="t", kind="k", object_id=1, path="/x",
                         occurred_at=delivery.created_at, organisation_id=1)[
        "object"]["url"] == "https://kbridge.example/api/v1/x"
