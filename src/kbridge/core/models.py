from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def delete(self):
        raise AppendOnlyError("the audit log is append-only")

    def for_object(self, obj: models.Model) -> AuditLogQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def for_tenants(self, tenant_ids) -> AuditLogQuerySet:
        """Rows of these agencies only (the tenancy model's scoped audit log)."""
        return self.filter(tenant_id__in=list(tenant_ids))


class AuditLog(models.Model):
    """One decision: who did what to which object, with the state before and after.

    Rows are only ever inserted. The model refuses updates and deletes, and on PostgreSQL a
    trigger (migration 0002) refuses them at the database too, so not even a raw query from
    the application can rewrite history.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # No database constraint and no cascade: the row keeps the actor's id even if the
        # account is ever removed, and removing it never touches the audit table.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_email = models.CharField(_("actor e-mail"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The agency (operator organisation) whose staff may read this row; empty for rows that
    # belong to no agency (accounts, startup profiles), which only superusers read, in the admin.
    # A plain integer, not a foreign key: core sits below accounts in the layer order.
    tenant_id = models.BigIntegerField(_("agency"), null=True, blank=True, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")


class ThrottleCounter(models.Model):
    """How many requests one subject made in one fixed window (``kbridge.core.throttle``).

    ``name`` is ``<scope>:<subject>`` (e.g. ``signup:203.0.113.0``; e-mail addresses only as a
    hash); ``window_start`` and ``expires_at`` are Unix seconds. Rows are incremented with one
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, so concurrent requests in any
    number of processes each get a distinct count.
    """

    name = models.CharField(max_length=200, db_index=True)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "window_start"],
                                    name="unique_throttle_window")
        ]

    def __str__(self) -> str:
        return f"{self.name} @{self.window_start}: {self.hits}"


class EmailDelivery(TimeStampedModel):
    """One e-mail in the outbox: written in the sender's transaction, sent by the mail worker.

    ``idempotency_key`` is unique: queueing the same key twice returns the first row, and a
    delivery recorded as ``sent`` is never sent again, however often its task runs.
    ``organisation`` is the operator organisation the mail concerns (program mail such as
    application receipts); account mail (sign-up, password reset) has none and is visible
    only to administrators.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("operator organisation"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="email_deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    subject = models.CharField(_("subject"), max_length=300)
    recipients = models.JSONField(_("recipients"), default=list)
    payload = models.JSONField(_("message"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this delivery's audit rows (tenancy model)."""
        return self.organisation_id

    # ``last_error`` starts with the exception's class name (``core.services.deliver_email``).
    FAILURE_REASONS = (
        (("SMTPAuthenticationError",),
         _("Signing in to the mail server failed: check the server's user name and password.")),
        (("SMTPRecipientsRefused",), _("The mail server refused the recipient's address.")),
        (("SMTPSenderRefused", "SMTPDataError"), _("The mail server refused the message.")),
        (("ConnectionRefusedError", "TimeoutError", "SMTPConnectError",
          "SMTPServerDisconnected", "OSError", "gaierror", "socket"),
         _("The mail server could not be reached.")),
    )

    @property
    def failure_reason(self) -> str:
        """The last error as a translated sentence (the raw text stays in ``last_error``)."""
        if not self.last_error:
            return ""
        for prefixes, reason in self.FAILURE_REASONS:
            if self.last_error.startswith(prefixes):
                return str(reason)
        return str(_("Sending failed."))


class TaskLease(models.Model):
    """The lease a worker holds on the task it runs, renewed by its heartbeat.

    A task still RUNNING after its lease expired lost its worker (killed, machine gone) and
    is queued again by ``core.worker.reap_expired_leases``.
    """

    task = models.OneToOneField("django_tasks_database.DBTaskResult", primary_key=True,
                                on_delete=models.CASCADE, related_name="lease")
    worker_id = models.CharField(_("worker"), max_length=64)
    lease_until = models.DateTimeField(_("leased until"), db_index=True)

    class Meta:
        verbose_name = _("task lease")
        verbose_name_plural = _("task leases")

    def __str__(self) -> str:
        return f"{self.task_id} by {self.worker_id} until {self.lease_until:%H:%M:%S}"
