"""Webhook subscriptions and their delivery logs (scope ``webhooks``), like the webhook pages:
the subscriptions of the organisations the token's person manages (``api.manage_webhook``);
anything else is 404. The signing secret is never shown here."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kbridge.api import selectors, webhook_events
from kbridge.api import services_webhooks as services
from kbridge.api.auth import TokenAuth
from kbridge.api.errors import ApiError, not_found
from kbridge.api.models import WebhookDelivery, WebhookSubscription
from kbridge.api.schemas import Mapped, Pagination

router = Router(auth=TokenAuth("webhooks"), tags=["webhooks"])

DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


class EventTypeOut(Schema):
    code: str
    label: str


class SubscriptionOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    name: str
    url: str
    events: list[EventTypeOut]
    active: bool
    disabled_at: datetime | None
    disabled_reason: str
    disabled_reason_label: str
    created_at: datetime


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    response_code: int | None
    error: str


class DeliveryOut(Schema):
    id: int
    key: str
    event_type: str
    event_label: str
    object_kind: str
    object_id: str
    status: DeliveryStatus
    status_label: str
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    response_code: int | None
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptOut]


class SubscriptionFilter(Schema):
    active: bool | None = None


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None


def _subscription_out(row: WebhookSubscription) -> dict:
    return {"id": row.pk, "organisation_id": row.organisation_id,
            "organisation": str(row.organisation), "name": row.name, "url": row.url,
            "events": [{"code": code, "label": webhook_events.label(code)}
                       for code in row.event_types],
            "active": row.is_active, "disabled_at": row.disabled_at,
            "disabled_reason": row.disabled_reason,
            "disabled_reason_label": str(row.get_disabled_reason_display())
            if row.disabled_reason else "",
            "created_at": row.created_at}


def _delivery_out(row: WebhookDelivery) -> dict:
    return {"id": row.pk, "key": row.key, "event_type": row.event_type,
            "event_label": webhook_events.label(row.event_type),
            "object_kind": row.object_kind, "object_id": row.object_id, "status": row.status,
            "status_label": str(row.get_status_display()), "attempts": row.attempts,
            "last_attempt_at": row.last_attempt_at, "next_attempt_at": row.next_attempt_at,
            "response_code": row.response_code, "delivered_at": row.delivered_at,
            "created_at": row.created_at,
            "attempt_log": [{"number": a.number, "started_at": a.started_at,
                             "duration_ms": a.duration_ms, "response_code": a.response_code,
                             "error": a.error} for a in row.attempt_log.all()]}


def _subscription(request, webhook_id: int) -> WebhookSubscription:
    row = selectors.subscriptions_visible_to(request.user).filter(pk=webhook_id).first()
    if row is None or not request.user.has_perm("api.manage_webhook", row):
        raise not_found()
    return row


@router.get("/webhooks", response=list[SubscriptionOut],
            summary="Webhook subscriptions of the organisations you manage")
@paginate(Pagination)
def list_webhooks(request, filters: Query[SubscriptionFilter]):
    queryset = selectors.subscriptions_visible_to(request.user)
    if filters.active is not None:
        queryset = queryset.filter(is_active=filters.active)
    return Mapped(queryset, _subscription_out)


@router.get("/webhooks/{webhook_id}", response=SubscriptionOut,
            summary="One webhook subscription (without its secret)")
def get_webhook(request, webhook_id: int):
    return _subscription_out(_subscription(request, webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries", response=list[DeliveryOut],
            summary="A subscription's delivery log, newest first, with every attempt")
@paginate(Pagination)
def list_deliveries(request, webhook_id: int, filters: Query[DeliveryFilter]):
    queryset = selectors.deliveries_of(_subscription(request, webhook_id))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return Mapped(queryset, _delivery_out)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
             response={202: DeliveryOut},
             summary="Send a delivery again (same idempotency key and payload)")
def redeliver(request, webhook_id: int, delivery_id: int):
    subscription = _subscription(request, webhook_id)
    delivery = selectors.deliveries_of(subscription).filter(pk=delivery_id).first()
    if delivery is None:
        raise not_found()
    try:
        row = services.redeliver(delivery=delivery, by=request.user)
    except ValidationError as exc:
        raise ApiError(409, "conflict", " ".join(exc.messages)) from exc
    return Status(202, _delivery_out(selectors.deliveries_of(subscription).get(pk=row.pk)))
