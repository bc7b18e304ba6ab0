"""The webhook operations of the API (scope ``webhooks``): what the webhook pages show."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kbridge.api import services_webhooks as hooks
from kbridge.api.models import WebhookAttempt


def _hook(personas, **kwargs):
    row, _secret = hooks.create_subscription(
        by=kwargs.get("by", personas.operator),
        organisation=kwargs.get("organisation", personas.operator_org), name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted", "report.approved"])
    return row


def test_the_list_shows_the_organisations_one_manages_without_secrets(api_for, personas):
    hook = _hook(personas)
    _hook(personas, by=personas.startup_a, organisation=personas.startup_a_org)
    response = api_for(personas.operator, scopes={"webhooks": "read"}).get("/api/v1/webhooks")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == hook.pk and item["organisation_id"] == personas.operator_org.pk
    assert item["events"] == [{"code": "application.submitted", "label": "Application submitted"},
                              {"code": "report.approved", "label": "Milestone report approved"}]
    assert item["active"] is True and item["disabled_reason"] == ""
    assert hook.secret not in response.content.decode()
    # Filter by state.
    assert api_for(personas.operator).get("/api/v1/webhooks", {"active": "false"}).json()[
        "count"] == 0


def test_another_organisation_sees_nothing(api_for, personas):
    hook = _hook(personas)
    client = api_for(personas.operator_b)
    assert client.get("/api/v1/webhooks").json()["count"] == 0
    assert client.get(f"/api/v1/webhooks/{hook.pk}").status_code == 404
    assert client.get(f"/api/v1/webhooks/{hook.pk}/deliveries").status_code == 404


def test_the_delivery_log_pages_with_attempts_in_constant_queries(api_for, personas):
    hook = _hook(personas)
    client = api_for(personas.operator, scopes={"webhooks": "read"})
    client.get(f"/api/v1/webhooks/{hook.pk}/deliveries")  # warm up
    counts = []
    for _ in range(2):
        for _ in range(3):
            delivery = hooks.send_test_event(subscription=hook, by=personas.operator)
            WebhookAttempt.objects.create(delivery=delivery, number=1,
                                          started_at=delivery.created_at, response_code=500,
                                          error="HTTP 500")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    body = response.json()
    assert body["count"] == 6
    first = body["items"][0]
    assert (first["event_type"], first["status"], first["status_label"]) == (
        "webhook.test", "pending", "Waiting to be sent")
    assert first["attempt_log"][0]["response_code"] == 500
    failed = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries", {"status": "failed"})
    assert failed.json()["count"] == 0


def test_redeliver_needs_write_and_a_finished_delivery(api_for, personas):
    hook = _hook(personas)
    delivery = hooks.send_test_event(subscription=hook, by=personas.operator)
    path = f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver"
    reader = api_for(personas.operator, scopes={"webhooks": "read"})
    assert reader.post(path).status_code == 403
    writer = api_for(personas.operator, scopes={"webhooks": "write"})
    response = writer.post(path)  # still pending
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    hooks.fail_delivery(delivery_id=delivery.pk, error="HTTP 500")
    response = writer.post(path)
    assert response.status_code == 202
    assert (response.json()["key"], response.json()["status"]) == (delivery.key, "pending")


def test_a_token_without_the_scope_is_refused(api_for, personas):
    response = api_for(personas.operator, scopes={"events": "read"}).get("/api/v1/webhooks")
    assert response.status_code == 403


def test_odd_ids_are_404_never_500(api_for, personas):
    client = api_for(personas.operator)
    for path in ("/api/v1/webhooks/99999999999999999999999",
                 "/api/v1/webhooks/-1/deliveries", "/api/v1/webhooks/0"):
        assert client.get(path).status_code in (404, 422), path
    hook = _hook(personas)
    response = client.post(f"/api/v1/webhooks/{hook.pk}/deliveries/99999999999999999999/"
                           "redeliver")
    assert response.status_code in (404, 422)
    assert client.get("/api/v1/webhooks", {"active": "maybe"}).status_code == 422
    assert client.get(f"/api/v1/webhooks/{hook.pk}/deliveries",
                      {"status": "nope"}).status_code == 422
