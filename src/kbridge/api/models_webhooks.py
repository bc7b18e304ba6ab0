"""Webhook subscriptions, their deliveries and each delivery's attempts (docs/webhooks.md).

An organisation's manager subscribes a URL to event types; every event the organisation may
see becomes one :class:`WebhookDelivery` per subscription (one idempotency key, kept across
retries and redeliveries), sent by the ``api.tasks_webhooks.deliver_webhook`` task with
retries and back-off; every try is a :class:`WebhookAttempt` row (the delivery log).

The signing secret is stored as it is (HMAC needs it to sign) and shown once, when it is
made; the pages and the API never show it again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel


class WebhookSubscription(TimeStampedModel):
    """One organisation's subscription: where to send which events, and the secret to sign.

    Deliveries act as the person who made or last saved the subscription (``created_by``),
    like an organisation token: an event is sent only when that person may see its object on
    the web *through this organisation*, and a subscription whose maker no longer manages the
    organisation sends nothing (until another manager saves it).
    """

    class DisabledReason(models.TextChoices):
        NONE = "", _("—")
        MANUAL = "manual", _("Disabled by a manager")
        GONE = "gone", _("The receiver answered 410 Gone")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="webhook_subscriptions",
                                     verbose_name=_("organisation"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("made by"))
    name = models.CharField(_("name"), max_length=80)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=10, blank=True,
                                       choices=DisabledReason.choices)
    #: The making form's one-time key (see ``ApiToken.form_key``).
    form_key = models.CharField(max_length=40, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["created_by", "form_key"], condition=~models.Q(form_key=""),
            name="api_webhook_form_once")]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.organisation.audit_tenant_id

    @property
    def secret_hint(self) -> str:
        """The secret's first characters, to tell secrets apart (never the whole secret)."""
        return self.secret[:10] + "…"


class WebhookDelivery(TimeStampedModel):
    """One event for one subscription, with its payload and where its delivery stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent: the subscription is disabled")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries",
                                     verbose_name=_("subscription"))
    #: The idempotency key: the same for every attempt and every redelivery.
    key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    #: Where the event came from (``audit:<row id>``, ``test:<uuid>``): one delivery per
    #: subscription and source, however often the fan-out runs.
    source = models.CharField(max_length=64)
    event_type = models.CharField(_("event"), max_length=40)
    object_kind = models.CharField(_("object kind"), max_length=30)
    object_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    #: Raised by each redelivery; a task of an earlier generation (still waiting for its
    #: retry) finds it changed and stops, so one delivery never has two retry chains.
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "source"],
                                    name="unique_webhook_delivery_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_kind}:{self.object_id} → {self.subscription_id}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.subscription.audit_tenant_id


class WebhookAttempt(models.Model):
    """One try of a delivery: when, the HTTP status (none when the receiver was not reached),
    how long it took and what went wrong."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log", verbose_name=_("delivery"))
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("time"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.response_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
