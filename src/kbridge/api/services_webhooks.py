"""State changes of webhooks: subscriptions, the fan-out of events and each delivery.

**Flow.** A service records a decision (``core.audit.record``) → ``core.signals.audit_recorded``
→ :func:`queue_fan_out` (an audit action listed in ``api.webhook_events``) queues the
``fan_out_event`` task in the same transaction, so it exists exactly when the decision was
committed → :func:`fan_out` makes one :class:`WebhookDelivery` per subscription whose
organisation may see the object (its maker's web permission, through that organisation) and
queues ``deliver_webhook`` for each → :func:`deliver` POSTs the signed payload.

**Delivery.** At least once: any answer other than 2xx, or no answer (time-out, refused
connection, DNS), raises :class:`~kbridge.core.worker.RetryLater` and the task runs again after
an exponential back-off (``tasks_webhooks.RETRY``: 1 min doubling to 8 h, 17 attempts within
about 2.7 days, under 3 days with jitter); then the delivery is ``failed`` and a manager may
redeliver it. A ``410 Gone`` disables the subscription at once (and its waiting deliveries are
cancelled). Every attempt is logged (:class:`WebhookAttempt`). A delivery already
``delivered`` is never sent again by a re-run of its task.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from kbridge.api import outbound, signing, webhook_events
from kbridge.api.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from kbridge.api.rules import managed_organisation_ids
from kbridge.api.services import AlreadyMade
from kbridge.core import audit
from kbridge.core.models import AuditLog
from kbridge.core.site import absolute, site_url
from kbridge.core.text import clean_text, fold_width
from kbridge.core.worker import RetryLater

logger = logging.getLogger("kbridge.webhooks")
Status = WebhookDelivery.Status
USER_AGENT = "K-Bridge-Webhooks/1"
API_ROOT = "/api/v1"


# --- subscriptions -----------------------------------------------------------------------------


def _clean(*, organisation, by, name: str, url: str, event_types) -> dict:
    errors: dict[str, list] = {}
    name = fold_width(clean_text(name or "")).replace("\n", " ").strip()[:80]
    if not name:
        errors["name"] = [_("Give the subscription a name, e.g. the system that receives it.")]
    url = (url or "").strip()
    if len(url) > 500:
        errors["url"] = [_("The URL may have at most 500 characters.")]
    else:
        try:
            outbound.resolve(url)
        except outbound.UnsafeURL as exc:
            errors["url"] = [str(exc)]
    event_types = list(dict.fromkeys(event_types or []))
    unknown = [code for code in event_types if code not in webhook_events.BY_CODE]
    if unknown:
        errors["event_types"] = [_("Unknown event: %(event)s") % {"event": unknown[0]}]
    elif not event_types:
        errors["event_types"] = [_("Choose at least one event.")]
    if organisation is None or organisation.pk not in managed_organisation_ids(by):
        errors["organisation"] = [_("You do not manage this organisation's webhooks.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "url": url, "event_types": event_types}


@transaction.atomic
def create_subscription(*, by, organisation, name: str, url: str,
                        event_types, form_key: str = "") -> tuple[WebhookSubscription, str]:
    """Subscribe ``organisation`` (which ``by`` manages) and return ``(row, secret)``; the
    secret is shown once. Raises ``ValidationError`` per field (an unsafe URL among them), and
    ``services.AlreadyMade`` when ``by`` already used ``form_key`` (a page reloaded: every
    event would otherwise go out twice). Audit ``api.webhook_created``."""
    fields = _clean(organisation=organisation, by=by, name=name, url=url,
                    event_types=event_types)
    form_key = form_key[:40]
    made = (WebhookSubscription.objects.filter(created_by=by, form_key=form_key).first()
            if form_key else None)
    if made is not None:
        raise AlreadyMade(made)
    secret = signing.new_secret()
    try:
        with transaction.atomic():
            row = WebhookSubscription.objects.create(organisation=organisation, created_by=by,
                                                     secret=secret, form_key=form_key,
                                                     **fields)
    except IntegrityError as exc:  # the same form sent twice at once
        raise AlreadyMade(WebhookSubscription.objects.get(created_by=by,
                                                          form_key=form_key)) from exc
    audit.record("api.webhook_created", row, actor=by, after={
        **fields, "organisation": organisation.pk})
    return row, secret


@transaction.atomic
def update_subscription(*, subscription: WebhookSubscription, by, name: str, url: str,
                        event_types) -> WebhookSubscription:
    """Change the name, URL and events; the subscription then acts as ``by`` (who vouches
    for it now: a subscription whose maker left is revived by saving it). Audit
    ``api.webhook_updated`` with what changed."""
    row = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    fields = _clean(organisation=row.organisation, by=by, name=name, url=url,
                    event_types=event_types)
    before = {key: getattr(row, key) for key in fields}
    before["created_by"] = row.created_by_id
    for key, value in fields.items():
        setattr(row, key, value)
    row.created_by = by
    row.save()
    fields = {**fields, "created_by": by.pk}
    old, new = audit.diff(before, fields)
    if new:
        audit.record("api.webhook_updated", row, actor=by, before=old, after=new)
    return row


@transaction.atomic
def rotate_secret(*, subscription: WebhookSubscription, by) -> tuple[WebhookSubscription, str]:
    """A new signing secret, shown once; the old one stops at once. Audit
    ``api.webhook_secret_rotated``."""
    row = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    row.secret = signing.new_secret()
    row.save(update_fields=["secret", "updated_at"])
    audit.record("api.webhook_secret_rotated", row, actor=by)
    return row, row.secret


def _cancel_waiting(subscription_id: int) -> None:
    WebhookDelivery.objects.filter(subscription_id=subscription_id,
                                   status=Status.PENDING).update(
        status=Status.CANCELLED, next_attempt_at=None)


@transaction.atomic
def set_active(*, subscription: WebhookSubscription, by, active: bool,
               reason: str = WebhookSubscription.DisabledReason.MANUAL) -> WebhookSubscription:
    """Enable or disable (idempotent). Disabling cancels the deliveries still waiting.
    Audit ``api.webhook_enabled`` / ``api.webhook_disabled`` (with the reason)."""
    row = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if row.is_active == active:
        return row
    before = {"is_active": row.is_active, "disabled_reason": row.disabled_reason}
    row.is_active = active
    row.disabled_at = None if active else timezone.now()
    row.disabled_reason = "" if active else reason
    row.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    if not active:
        _cancel_waiting(row.pk)
    audit.record("api.webhook_enabled" if active else "api.webhook_disabled", row, actor=by,
                 before=before,
                 after={"is_active": row.is_active, "disabled_reason": row.disabled_reason})
    return row


# --- payloads -------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(*, key: str, event_type: str, kind: str, object_id, path: str,
            occurred_at: datetime, organisation_id: int, test: bool = False,
            site: str = "") -> dict:
    """The minimal body: what happened to which object, when, and where to fetch it (on
    ``site``, the address where the event happened; default :func:`core.site.site_url`)."""
    url = (site.rstrip("/") + API_ROOT + path) if site else absolute(API_ROOT + path)
    return {"id": key, "type": event_type, "created_at": _iso(occurred_at),
            "organisation_id": organisation_id, "test": test,
            "object": {"kind": kind, "id": object_id, "url": url}}


def body_of(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()


def _new_key() -> str:
    return "whd_" + uuid.uuid4().hex


def _enqueue(delivery_id: int, generation: int = 0) -> None:
    from kbridge.api.tasks_webhooks import deliver_webhook

    if isinstance(deliver_webhook.get_backend(), DatabaseBackend):
        # The task row commits with the delivery row: neither exists without the other.
        deliver_webhook.enqueue(delivery_id, generation)
    else:
        transaction.on_commit(lambda: deliver_webhook.enqueue(delivery_id, generation))


# --- events → deliveries ------------------------------------------------------------------------


def queue_fan_out(sender, row: AuditLog, obj, **kwargs) -> None:
    """Receiver of ``core.signals.audit_recorded``: queue the fan-out of a webhook event
    (a durable task in the decision's transaction; nothing when nobody subscribes)."""
    if row.action not in webhook_events.BY_ACTION:
        return
    if not WebhookSubscription.objects.filter(is_active=True).exists():
        return
    from kbridge.api.tasks_webhooks import fan_out_event

    # The links of the event's deliveries point where it happened: in development without
    # SITE_URL, the address the request was served at (the worker has no request).
    site = site_url()
    if isinstance(fan_out_event.get_backend(), DatabaseBackend):
        fan_out_event.enqueue(row.pk, site)
    else:
        transaction.on_commit(lambda: fan_out_event.enqueue(row.pk, site))


def maker_manages(subscription: WebhookSubscription) -> bool:
    """Whether the person the subscription acts as still manages its organisation."""
    maker = subscription.created_by
    return (maker is not None and maker.is_active and maker.deleted_at is None
            and subscription.organisation_id in managed_organisation_ids(maker))


def _maker_may_receive(subscription: WebhookSubscription, audience) -> bool:
    maker = subscription.created_by
    if not maker_manages(subscription):
        return False
    return any(maker.has_perm(perm, target) for org_id, perm, target in audience
               if org_id == subscription.organisation_id)


def fan_out(*, audit_id: int, site: str = "") -> int:
    """Make (once) and queue the deliveries of the event audit row ``audit_id`` describes.

    A subscription receives it when it is active, subscribed to its type, and its maker still
    manages its organisation and holds the type's web permission on the object through it.
    Idempotent (one delivery per subscription and audit row). Returns how many were made."""
    row = AuditLog.objects.filter(pk=audit_id).first()
    event = webhook_events.BY_ACTION.get(row.action) if row else None
    if event is None:
        return 0
    model = apps.get_model(event.model)
    obj = model._default_manager.select_related(*event.select_related).filter(
        pk=row.object_id).first()
    if obj is None:
        return 0
    audience = [entry for entry in event.audience(obj) if entry[0] is not None]
    subscriptions = (WebhookSubscription.objects
                     .filter(is_active=True,
                             organisation_id__in={org_id for org_id, _p, _o in audience})
                     .select_related("created_by"))
    object_id, path = event.locate(obj)
    made = 0
    for subscription in subscriptions:
        if event.code not in subscription.event_types:
            continue
        if not _maker_may_receive(subscription, audience):
            continue
        with transaction.atomic():
            key = _new_key()
            delivery, created = WebhookDelivery.objects.get_or_create(
                subscription=subscription, source=f"audit:{row.pk}",
                defaults={"key": key, "event_type": event.code, "object_kind": event.kind,
                          "object_id": str(object_id), "payload": payload(
                              key=key, event_type=event.code, kind=event.kind,
                              object_id=object_id, path=path, occurred_at=row.created_at,
                              organisation_id=subscription.organisation_id, site=site)})
            if created:
                _enqueue(delivery.pk)
                made += 1
    return made


@transaction.atomic
def send_test_event(*, subscription: WebhookSubscription, by) -> WebhookDelivery:
    """Queue a ``webhook.test`` delivery to the subscription (active or not: a manager may
    try a receiver before enabling it). Audit ``api.webhook_test_sent``."""
    key = _new_key()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, source=f"test:{key}", key=key,
        event_type=webhook_events.TEST_EVENT, object_kind="webhook",
        object_id=str(subscription.pk), payload=payload(
            key=key, event_type=webhook_events.TEST_EVENT, kind="webhook",
            object_id=subscription.pk, path=f"/webhooks/{subscription.pk}",
            occurred_at=timezone.now(), organisation_id=subscription.organisation_id,
            test=True))
    audit.record("api.webhook_test_sent", subscription, actor=by, after={"delivery": key})
    _enqueue(delivery.pk)
    return delivery


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """Send a delivery again, with the same idempotency key and payload (the receiver may
    drop it if it has it). Refused (``ValidationError``) while it is still waiting, or when
    its subscription is disabled. Audit ``api.webhook_redelivered``."""
    row = WebhookDelivery.objects.select_for_update().select_related("subscription").get(
        pk=delivery.pk)
    if row.status == Status.PENDING:
        raise ValidationError(_("This delivery is still being sent."))
    if not row.subscription.is_active and row.event_type != webhook_events.TEST_EVENT:
        raise ValidationError(_("Enable the subscription first."))
    before = {"status": row.status}
    row.status = Status.PENDING
    row.next_attempt_at = None
    row.generation += 1
    row.save(update_fields=["status", "next_attempt_at", "generation", "updated_at"])
    audit.record("api.webhook_redelivered", row, actor=by, before=before,
                 after={"status": row.status, "key": row.key})
    _enqueue(row.pk, row.generation)
    return row


# --- one delivery -------------------------------------------------------------------------------


def signed_headers(delivery: WebhookDelivery, body: bytes, secret: str,
                   attempt: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-KBridge-Event": delivery.event_type,
        "X-KBridge-Delivery": delivery.key,
        "Idempotency-Key": delivery.key,
        "X-KBridge-Attempt": str(attempt),
        signing.HEADER: signing.sign(secret, body),
    }


def deliver(*, delivery_id: int, generation: int = 0) -> str:
    """POST one delivery (see the module docstring). Returns ``"delivered"``, ``"gone"``
    (410: the subscription is now disabled), or, doing nothing, ``"already delivered"``,
    ``"cancelled"``, ``"failed"`` (a stale task), ``"superseded"`` (a task of an earlier
    generation: the delivery was sent again since), ``"missing"``. Raises
    :class:`RetryLater` for any other outcome."""
    delivery = (WebhookDelivery.objects.select_related("subscription")
                .filter(pk=delivery_id).first())
    if delivery is None:
        return "missing"
    if delivery.generation != generation:
        return "superseded"
    if delivery.status != Status.PENDING:
        return {Status.DELIVERED: "already delivered"}.get(delivery.status, delivery.status)
    subscription = delivery.subscription
    if not subscription.is_active and delivery.event_type != webhook_events.TEST_EVENT:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.CANCELLED, next_attempt_at=None)
        return "cancelled"
    number = delivery.attempts + 1
    started = timezone.now()
    body = body_of(delivery.payload)
    response = outbound.post(subscription.url, body,
                             signed_headers(delivery, body, subscription.secret, number))
    code = response.status
    error = response.error or ("" if code is None or 200 <= code < 300 else f"HTTP {code}")
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, number=number, started_at=started,
                                      duration_ms=response.duration_ms, response_code=code,
                                      error=error)
        changes = {"attempts": F("attempts") + 1, "last_attempt_at": started,
                   "response_code": code, "last_error": error, "next_attempt_at": None}
        if code is not None and 200 <= code < 300:
            changes.update(status=Status.DELIVERED, delivered_at=timezone.now())
        elif code == 410:
            changes.update(status=Status.FAILED)
        WebhookDelivery.objects.filter(pk=delivery.pk, generation=generation).update(**changes)
        if code == 410 and subscription.is_active:
            set_active(subscription=subscription, by=None, active=False,
                       reason=WebhookSubscription.DisabledReason.GONE)
    if code is not None and 200 <= code < 300:
        return "delivered"
    if code == 410:
        logger.info("webhook %s answered 410: subscription %s disabled", delivery.key,
                    subscription.pk)
        return "gone"
    raise RetryLater(f"delivery {delivery.key} attempt {number}: {error}")


def schedule_retry(*, delivery_id: int, at: datetime, generation: int = 0) -> None:
    """Record when the next attempt is due (shown in the delivery log)."""
    WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING,
                                   generation=generation).update(next_attempt_at=at)


def fail_delivery(*, delivery_id: int, error: str, generation: int | None = None) -> None:
    """The delivery gave up (attempts used up, or its worker kept dying): ``failed``.
    ``generation``: only if the delivery was not sent again since (None: whatever it is)."""
    rows = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
    if generation is not None:
        rows = rows.filter(generation=generation)
    rows.filter(last_error="").update(last_error=error[:500])
    rows.update(status=Status.FAILED, next_attempt_at=None)


# --- personal data (accounts.personal_data section "api") ---------------------------------------


@transaction.atomic
def erase_personal_data(user) -> dict[str, int]:
    """Delete the person's API tokens (they stop working at once) and detach the webhook
    subscriptions that act as them (they send nothing until another manager saves them; the
    organisation keeps them and their delivery logs). Returns counts."""
    from kbridge.api.models import ApiToken

    tokens, _by_model = ApiToken.objects.filter(user=user).delete()
    detached = WebhookSubscription.objects.filter(created_by=user).update(created_by=None)
    return {"api_tokens": tokens, "webhook_subscriptions_detached": detached}
