"""API tokens (docs/api.md, "Authentication").

A token is a bearer secret ``kb_<prefix>_<secret>``: the 8-character prefix is stored in the
clear (to find the row and to show the token in lists), the whole token only as its SHA-256
(a 256-bit random secret needs no slow hash: nothing to brute-force; docs/decisions.md,
"API: tokens"). A token always acts as a person, the one who made it, with that person's
permissions and never more (the web's predicates): a *personal* token has no organisation; an
*organisation* token names one of that person's organisations, is listed to the
organisation's managers (who may revoke it) and stops working the moment its maker is no
longer a member there.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel

#: Areas a token may be scoped to; each is granted ``read`` or ``write`` (write includes read).
AREAS = ("calls", "applications", "evaluation", "selection", "events", "alliance", "webhooks")
#: Areas without operations that change anything (public calls and tracks): read only.
READ_ONLY_AREAS = frozenset({"calls"})
TOKEN_PREFIX = "kb_"  # noqa: S105  (a label, not a secret)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, 64 hex characters."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(TimeStampedModel):
    """One bearer token; see the module docstring. ``scopes`` maps area → "read" | "write"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("made by"))
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="api_tokens", verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=8, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=dict)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.CharField(_("last used from"), max_length=64, blank=True)
    #: The making form's one-time key: the same form sent again (a reload of the page that
    #: showed the token) makes no second token.
    form_key = models.CharField(max_length=40, blank=True, default="", editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["user", "form_key"], condition=~models.Q(form_key=""),
            name="api_token_form_once")]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}{self.prefix}…)"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.organisation.audit_tenant_id if self.organisation_id else None

    @staticmethod
    def new_secret() -> tuple[str, str, str]:
        """A fresh token: ``(token, prefix, hash)``; the token is shown once, never stored."""
        prefix = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        return token, prefix, hash_token(token)

    def allows(self, area: str, *, write: bool = False) -> bool:
        """Whether the token's scopes grant ``area`` (for writing when ``write``)."""
        granted = self.scopes.get(area)
        return granted == "write" or (granted == "read" and not write)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# Webhooks live in their own module; importing them here registers them with the app.
from kbridge.api.models_webhooks import (  # noqa: E402, F401
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
