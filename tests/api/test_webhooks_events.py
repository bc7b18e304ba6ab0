"""Every webhook event type against the matrix world (tests/test_permissions_matrix.py), whose
services recorded real decisions: each organisation receives only what it may see.

Every manager persona subscribes its organisation to every event; then each audit row of the
world whose action is a webhook event is fanned out (what the task does after the commit).
"""

# ruff: noqa: F811  (the matrix world's fixtures are imported to shadow tests/conftest.py's)
from __future__ import annotations

import json
import re
from collections import defaultdict

from kbridge.api import services_webhooks as hooks
from kbridge.api import webhook_events
from kbridge.api.models import WebhookDelivery
from kbridge.api.schema_file import DEFAULT_PATH
from kbridge.core.models import AuditLog
from tests.test_permissions_matrix import (  # noqa: F401
    evaluation,
    ids,
    matrix,
    personas,
    submitted,
    world,
)

MANAGERS = {"operator": "operator_org", "operator_b": "operator_b_org",
            "partner_admin": "partner_a_org", "startup_a": "startup_a_org",
            "startup_b": "startup_b_org"}


def _received(personas) -> dict[str, set[str]]:
    subscriptions = {}
    for name, org in MANAGERS.items():
        row, _secret = hooks.create_subscription(
            by=getattr(personas, name), organisation=getattr(personas, org), name=name,
            url="http://127.0.0.1:9/hook", event_types=list(webhook_events.BY_CODE))
        subscriptions[row.pk] = name
    rows = AuditLog.objects.filter(action__in=list(webhook_events.BY_ACTION)).order_by("pk")
    assert rows.exists()
    for row in rows:
        hooks.fan_out(audit_id=row.pk)
    got: dict[str, set[str]] = defaultdict(set)
    for delivery in WebhookDelivery.objects.filter(subscription_id__in=list(subscriptions)):
        got[subscriptions[delivery.subscription_id]].add(delivery.event_type)
    return got



SCHEMA_PATHS = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["paths"]


def test_each_organisation_receives_only_what_it_may_see(ids, personas):
    got = _received(personas)
    # The second agency and startup B take no part in KISED's program.
    assert got["operator_b"] == set() and got["startup_b"] == set()
    # KISED runs everything in the world; startup A applied; OpenAI owns track A.
    assert {"application.submitted", "appeal.filed"} <= got["operator"]
    assert "application.submitted" in got["startup_a"]
    assert "appeal.filed" not in got["startup_a"] | got["partner_admin"]
    assert "application.submitted" not in got["partner_admin"]
    assert got["operator"] >= got["startup_a"] - {"meetings.scheduled"}


def test_every_delivery_names_an_object_and_an_api_url(ids, personas):
    _received(personas)
    for delivery in WebhookDelivery.objects.all():
        body = delivery.payload
        assert body["id"] == delivery.key and body["type"] == delivery.event_type
        assert body["object"]["url"].startswith("http://127.0.0.1:8000/api/v1/")
        assert set(body) == {"id", "type", "created_at", "organisation_id", "test", "object"}
        # The URL is an operation of the API that a receiver can GET.
        path = "/api/v1/" + body["object"]["url"].split("/api/v1/", 1)[1]
        assert any(re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path)
                   for template, methods in SCHEMA_PATHS.items() if "get" in methods), path


def test_every_event_type_reaches_its_audience_and_no_one_else(ids, personas):
    """Each event type recorded once on an object of the world (as its service would), then
    fanned out: the receivers are the organisations of its audience whose makers have the
    web permission; the second agency and startup B never."""
    from django.apps import apps

    from kbridge.core import audit

    subscriptions = {}
    for name, org in MANAGERS.items():
        row, _secret = hooks.create_subscription(
            by=getattr(personas, name), organisation=getattr(personas, org), name=name,
            url="http://127.0.0.1:9/hook", event_types=list(webhook_events.BY_CODE))
        subscriptions[row.pk] = name
    from kbridge.events.models import MeetingRequest
    from kbridge.events.services import meetings

    # Startup A's accepted meeting with OpenAI's staff, scheduled (a MeetingRun).
    meetings.schedule(event=MeetingRequest.objects.get(pk=ids["meeting_request"]).event,
                      by=personas.operator)
    received = {}
    for event in webhook_events.EVENT_TYPES:
        obj = apps.get_model(event.model)._default_manager.order_by("pk").first()
        assert obj is not None, f"the matrix world has no {event.model}"
        row = audit.record(event.actions[0], obj)
        hooks.fan_out(audit_id=row.pk)
        received[event.code] = {
            subscriptions[pk] for pk in WebhookDelivery.objects.filter(
                source=f"audit:{row.pk}", subscription_id__in=list(subscriptions))
            .values_list("subscription_id", flat=True)}
    assert received == {
        "application.submitted": {"operator", "startup_a"},
        "application.withdrawn": {"operator", "startup_a"},
        "results.published": {"operator", "partner_admin"},
        "appeal.filed": {"operator"},
        "agreement.accepted": {"operator", "partner_admin", "startup_a"},
        "event.registered": {"operator", "partner_admin"},
        "meetings.scheduled": {"operator", "partner_admin", "startup_a"},
        "collaboration.created": {"operator", "partner_admin"},
        "report.submitted": {"operator", "startup_a"},
        "report.approved": {"operator", "startup_a"},
    }
