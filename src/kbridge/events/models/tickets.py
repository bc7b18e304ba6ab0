"""Tickets and check-in (issue 15, part 4): one ticket per CHOSEN registration, scanned or
typed at the door once.

A ticket has two codes: ``code``, 32 random URL-safe characters that only ever travel inside
the signed QR payload (:mod:`kbridge.events.ticket_codes`), and ``short_code``, ten
characters from an unambiguous alphabet (nine random plus a Luhn mod N check character) that a
person can read out and type. ``revoked_at`` is set when the registration stops being chosen.

``CheckIn`` has one row per ticket (a unique ``ticket``): of two phones scanning the same code
at the same instant the database admits one and the other is refused with who came first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel
from kbridge.events.models.event import Event, Registration


class Ticket(TimeStampedModel):
    """The ticket of one chosen registration (see the module doc for the two codes)."""

    registration = models.OneToOneField(Registration, verbose_name=_("registration"),
                                        on_delete=models.CASCADE, related_name="ticket")
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="tickets")
    code = models.CharField(_("code"), max_length=64, unique=True)
    short_code = models.CharField(_("typed code"), max_length=10)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "short_code"],
                                    name="ticket_short_code_unique_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.registration.attendee_name} · {self.short_code}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class CheckIn(models.Model):
    """A ticket admitted at the door: when, by which staff member, by camera or typed code."""

    class Method(models.TextChoices):
        SCAN = "scan", _("Camera scan")
        TYPED = "typed", _("Typed code")

    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="check_in")
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="check_ins")
    at = models.DateTimeField(_("checked in"), default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"),
                           on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket} @ {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id
