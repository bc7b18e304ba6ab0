"""Reads for the token and webhook pages and operations, scoped to the person."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kbridge.accounts.models import Membership, Organisation
from kbridge.api.models import ApiToken, WebhookDelivery, WebhookSubscription
from kbridge.api.rules import managed_organisation_ids


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    """The person's own tokens and the tokens of organisations they manage, newest first."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return (ApiToken.objects.filter(Q(user=user)
                                    | Q(organisation_id__in=managed_organisation_ids(user)))
            .select_related("user", "organisation").order_by("-created_at", "-id"))


def token_organisations(user) -> QuerySet[Organisation]:
    """Organisations an organisation token may name: the person's own, whatever the role."""
    return Organisation.objects.filter(
        pk__in=Membership.objects.filter(user=user).values("organisation_id")).order_by("name_ko")


def webhook_organisations(user) -> QuerySet[Organisation]:
    """Organisations whose webhooks the person manages."""
    return Organisation.objects.filter(pk__in=managed_organisation_ids(user)).order_by("name_ko")


def subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    if user is None or not user.is_authenticated:
        return WebhookSubscription.objects.none()
    return (WebhookSubscription.objects
            .filter(organisation_id__in=managed_organisation_ids(user))
            .select_related("organisation", "created_by").order_by("-created_at", "-id"))


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's delivery log, newest first, with each delivery's attempts."""
    return (WebhookDelivery.objects.filter(subscription=subscription)
            .prefetch_related("attempt_log").order_by("-created_at", "-id"))


def deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return (WebhookDelivery.objects
            .filter(subscription__organisation_id__in=managed_organisation_ids(user))
            .select_related("subscription__organisation"))


def personal_data_of(user) -> dict:
    """The person's API tokens (never their secret: only its prefix) and the webhook
    subscriptions that act as them (accounts.personal_data section "api")."""
    from kbridge.core.audit import snapshot

    tokens = ApiToken.objects.filter(user=user).select_related("organisation").order_by("pk")
    hooks = (WebhookSubscription.objects.filter(created_by=user).select_related("organisation")
             .order_by("pk"))
    return {
        "api_tokens": [{**snapshot(t, ["name", "prefix", "scopes", "created_at", "expires_at",
                                       "revoked_at", "last_used_at", "last_used_ip"]),
                        "organisation": str(t.organisation) if t.organisation else None}
                       for t in tokens],
        "webhook_subscriptions": [{**snapshot(h, ["name", "url", "event_types", "is_active",
                                                  "created_at"]),
                                   "organisation": str(h.organisation)} for h in hooks],
    }
