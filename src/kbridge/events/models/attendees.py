"""Choosing an event's attendees: the fit review's marks, the published lottery and the
waitlist's offers (docs/events.md, "Registration and choosing attendees")."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel
from kbridge.events.models.event import Event, Registration


class FitReview(TimeStampedModel):
    """One reviewer's mark on one registration: a score from 1 (poor fit) to 5 (excellent)
    and/or a place on the shortlist. One row per (registration, reviewer)."""

    registration = models.ForeignKey(Registration, verbose_name=_("registration"),
                                     on_delete=models.CASCADE, related_name="fit_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"),
                                 on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("fit score"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    shortlisted = models.BooleanField(_("shortlisted"), default=False)

    class Meta:
        verbose_name = _("fit review")
        verbose_name_plural = _("fit reviews")
        ordering = ["registration_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "reviewer"],
                                    name="one_fit_review_per_reviewer"),
            models.CheckConstraint(condition=models.Q(score__isnull=True)
                                   | models.Q(score__gte=1, score__lte=5),
                                   name="fit_review_score_1_to_5"),
        ]

    @property
    def audit_tenant_id(self) -> int:
        return self.registration.event.audit_tenant_id


class EventLottery(TimeStampedModel):
    """The event's lottery for the places the fit review left: committed first (the seed's
    SHA-256, the entrants' codes and the places are published), drawn after (the seed is
    published); ``kbridge-lottery`` reproduces ``winners`` from ``entrants``, ``places`` and
    ``seed``. ``seed`` is secret until ``drawn_at`` is set. ``committed_at`` is the commit's
    instant as the service saw it (its ``now``): the draw waits
    ``services.attendees.DRAW_DELAY`` after it."""

    event = models.OneToOneField(Event, verbose_name=_("event"), on_delete=models.CASCADE,
                                 related_name="lottery")
    # registration codes, sorted
    entrants = models.JSONField(_("entrants (registration codes)"), default=list)
    places = models.PositiveIntegerField(_("places drawn"))
    seed_sha256 = models.CharField(_("SHA-256 of the seed"), max_length=64)
    seed = models.CharField(_("seed"), max_length=64)
    winners = models.JSONField(_("winners"), default=list)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("committed by"),
                                     on_delete=models.PROTECT, related_name="+")
    committed_at = models.DateTimeField(_("committed"), default=timezone.now)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("event lottery")
        verbose_name_plural = _("event lotteries")

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None


class WaitlistOffer(TimeStampedModel):
    """A freed place offered to the first startup on the event's waitlist, to accept before
    ``respond_by`` (``Event.waitlist_offer_hours`` after the offer)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    registration = models.ForeignKey(Registration, verbose_name=_("registration"),
                                     on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    respond_by = models.DateTimeField(_("answer by"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"),
                                     on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["registration"],
                                    condition=models.Q(status="pending"),
                                    name="one_pending_offer_per_registration"),
        ]

    @property
    def audit_tenant_id(self) -> int:
        return self.registration.event.audit_tenant_id
