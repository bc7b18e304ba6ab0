"""The "API tokens" and "Webhooks" pages: tokens shown once, revocation with confirmation,
subscriptions with the secret shown once, the delivery log, the throttled test event."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kbridge.api import services_webhooks as hooks
from kbridge.api.models import ApiToken, WebhookDelivery, WebhookSubscription
from kbridge.api.services import create_token
from kbridge.core.models import AuditLog


def _token_post(**extra):
    expires = (timezone.now() + dt.timedelta(days=30)).date().isoformat()
    return {"name": "회계 시스템", "expires_on": expires, "organisation": "",
            "scope_events": "read", "scope_applications": "write", **extra}


def test_a_token_is_shown_once_then_only_its_prefix(client_for, personas):
    client = client_for(personas.startup_a)
    response = client.post("/api-tokens/", _token_post())
    assert response.status_code == 200
    token = response.context["token"]
    row = ApiToken.objects.get()
    assert token.startswith(f"kb_{row.prefix}_") and token in response.content.decode()
    assert row.scopes == {"events": "read", "applications": "write"}
    assert row.organisation is None and row.user == personas.startup_a

    page = client.get("/api-tokens/").content.decode()
    assert f"kb_{row.prefix}_…" in page and token not in page


def test_a_token_needs_a_scope_and_a_date_within_a_year(client_for, personas):
    client = client_for(personas.startup_a)
    response = client.post("/api-tokens/", _token_post(scope_events="", scope_applications=""))
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert response.context["form"].non_field_errors()
    far = (timezone.now() + dt.timedelta(days=400)).date().isoformat()
    response = client.post("/api-tokens/", _token_post(expires_on=far))
    assert not ApiToken.objects.exists()
    assert response.context["form"].errors["expires_on"]


def test_an_organisation_token_is_listed_to_its_managers_who_may_revoke_it(
        client_for, personas):
    row, _token = create_token(user=personas.startup_a_member, name="CRM",
                               scopes={"events": "read"}, organisation=personas.startup_a_org)
    # The representative manages startup A: sees it and may revoke it, after a confirmation.
    rep = client_for(personas.startup_a)
    assert "CRM" in rep.get("/api-tokens/").content.decode()
    confirm = rep.get(f"/api-tokens/{row.pk}/revoke/")
    assert confirm.status_code == 200 and "CRM" in confirm.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is None  # GET only asks
    assert rep.post(f"/api-tokens/{row.pk}/revoke/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    # Another startup does not even see it.
    assert client_for(personas.startup_b).get(f"/api-tokens/{row.pk}/revoke/").status_code == 404


def test_a_webhook_shows_its_secret_once(client_for, personas):
    client = client_for(personas.partner_admin)
    response = client.post("/webhooks/new/", {
        "name": "OpenAI CRM", "url": "http://127.0.0.1:9/hook",
        "organisation": personas.partner_a_org.pk,
        "event_types": ["results.published", "meetings.scheduled"]})
    assert response.status_code == 200
    hook = WebhookSubscription.objects.get()
    assert response.context["secret"] == hook.secret
    assert hook.secret in response.content.decode()
    assert (hook.organisation, hook.created_by) == (personas.partner_a_org,
                                                    personas.partner_admin)
    page = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert hook.secret not in page and hook.secret_hint in page
    assert AuditLog.objects.filter(action="api.webhook_created").count() == 1


def test_partner_staff_and_startup_members_do_not_manage_webhooks(client_for, personas):
    for user in (personas.partner_a, personas.startup_a_member, personas.evaluator):
        assert client_for(user).get("/webhooks/").status_code == 404
        assert client_for(user).get("/webhooks/new/").status_code == 404


def test_a_refused_url_comes_back_with_its_reason(client_for, personas, settings):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    response = client_for(personas.operator).post("/webhooks/new/", {
        "name": "CRM", "url": "http://169.254.169.254/latest", "organisation":
        personas.operator_org.pk, "event_types": ["application.submitted"]})
    assert response.status_code == 200 and not WebhookSubscription.objects.exists()
    assert response.context["form"].errors["url"]


def test_edit_disable_enable_and_the_delivery_log(client_for, personas):
    hook, _secret = hooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    client = client_for(personas.operator)
    response = client.post(f"/webhooks/{hook.pk}/edit/", {
        "name": "CRM 2", "url": "http://127.0.0.1:9/other",
        "event_types": ["report.approved"]})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.event_types) == ("CRM 2", ["report.approved"])

    assert client.post(f"/webhooks/{hook.pk}/test/").status_code == 302
    delivery = WebhookDelivery.objects.get()
    hooks.fail_delivery(delivery_id=delivery.pk, error="HTTP 500")
    page = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert delivery.key in page

    assert client.post(f"/webhooks/{hook.pk}/disable/").status_code == 302
    hook.refresh_from_db()
    assert not hook.is_active
    assert client.post(f"/webhooks/{hook.pk}/enable/").status_code == 302
    hook.refresh_from_db()
    assert hook.is_active
    assert client.post(
        f"/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_the_test_event_is_throttled(client_for, personas, settings):
    settings.KBRIDGE_THROTTLE_RATES = {**settings.KBRIDGE_THROTTLE_RATES, "webhook-test": "2/h"}
    hook, _secret = hooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    client = client_for(personas.operator)
    for _ in range(3):
        client.post(f"/webhooks/{hook.pk}/test/")
    assert WebhookDelivery.objects.count() == 2


def test_the_delivery_log_page_has_a_constant_number_of_queries(
        client_for, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hook, _secret = hooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    client = client_for(personas.operator)
    client.get(f"/webhooks/{hook.pk}/")  # the session's first request does more
    counts = []
    for _ in range(2):
        for _ in range(3):
            hooks.send_test_event(subscription=hook, by=personas.operator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/webhooks/{hook.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_tokens_and_webhooks_are_in_the_data_export_and_go_with_the_account(personas):
    from kbridge.accounts import services as account_services

    row, token = create_token(user=personas.operator, name="CRM", scopes={"events": "read"})
    hook, _secret = hooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    document = account_services.export_personal_data(personas.operator)
    assert [t["prefix"] for t in document["api_tokens"]] == [row.prefix]
    assert [h["url"] for h in document["webhook_subscriptions"]] == [hook.url]
    text = str(document)
    assert token not in text and row.token_hash not in text and hook.secret not in text

    account_services.delete_account(user=personas.operator)
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    hook.refresh_from_db()
    assert hook.created_by is None and not hooks.maker_manages(hook)


def test_odd_ids_on_the_pages_are_404(client_for, personas):
    client = client_for(personas.operator)
    for path in ("/webhooks/99999999999999999999999/", "/api-tokens/99999999999999999999/revoke/",
                 "/webhooks/0/edit/"):
        assert client.get(path).status_code == 404, path


def test_the_signature_help_keeps_its_placeholders_in_english(personas, client_for):
    """A third tester's find: "t=<time>,v1=<signature>" lost its placeholders as HTML tags."""
    from django.urls import reverse

    client = client_for(personas.operator)
    client.cookies["django_language"] = "en"
    row, _secret = hooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    page = client.post(reverse("api:webhook_rotate", args=[row.pk]),
                       headers={"Accept-Language": "en"}).content.decode()
    assert "t=&lt;time&gt;,v1=&lt;signature&gt;" in page


def test_a_revoked_tokens_revoke_page_says_so_and_goes_back(personas, client_for):
    from django.urls import reverse

    row, _token = create_token(user=personas.startup_a, name="CRM", scopes={"calls": "read"})
    client = client_for(personas.startup_a)
    assert client.post(reverse("api:token_revoke", args=[row.pk])).status_code == 302
    again = client.get(reverse("api:token_revoke", args=[row.pk]), follow=True)
    assert again.redirect_chain[-1][0] == reverse("api:tokens")
    assert "이미 폐기된 토큰입니다" in again.content.decode()


def test_reloading_the_page_that_showed_a_token_makes_no_second_one(client_for, personas):
    """A third tester's find: F5 on "Your new API token" sent the form again and made a second
    token (a valid secret nobody had seen). The form's one-time key stops it."""
    client = client_for(personas.startup_a)
    key = client.get("/api-tokens/").context["form"]["form_key"].initial
    first = client.post("/api-tokens/", _token_post(form_key=key))
    assert first.status_code == 200 and ApiToken.objects.count() == 1
    again = client.post("/api-tokens/", _token_post(form_key=key), follow=True)
    assert ApiToken.objects.count() == 1
    assert again.redirect_chain[-1][0] == "/api-tokens/"
    assert first.context["token"] not in again.content.decode()  # still shown only once
    client.post("/api-tokens/", _token_post(form_key=client.get("/api-tokens/").context[
        "form"]["form_key"].initial))
    assert ApiToken.objects.count() == 2  # a new form makes a new token


def test_reloading_the_page_that_showed_a_webhooks_secret_makes_no_second_one(client_for,
                                                                              personas):
    """Two subscriptions would send every event twice."""
    client = client_for(personas.operator)
    post = {"name": "CRM", "url": "http://127.0.0.1:9/hook",
            "organisation": personas.operator_org.pk,
            "event_types": ["application.submitted"], "form_key": "k" * 32}
    assert client.post("/webhooks/new/", post).status_code == 200
    again = client.post("/webhooks/new/", post)
    row = WebhookSubscription.objects.get()
    assert again.status_code == 302 and again["Location"] == f"/webhooks/{row.pk}/"
