"""Events (행사) such as "K-Startups meet OpenAI": the page, its agenda and speakers, the fit
questions of the registration form, and registrations — one per company.

Instants are stored in UTC and shown in KST. The 2023 meetup this models (PRODUCT.md, the seed
article): the ministry hosted OpenAI's leaders and about 100 AI startups, chosen from 334
applicants by a fit review plus a lottery.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kbridge.accounts.models import Organisation
from kbridge.core.i18n import localized_text
from kbridge.core.models import TimeStampedModel
from kbridge.core.validators import MAX_COUNT, validate_plausible_instant
from kbridge.programs.models import Partner, Program


class EventQuerySet(models.QuerySet):
    def published(self) -> EventQuerySet:
        return self.filter(status=Event.Status.PUBLISHED)


class Event(TimeStampedModel):
    """An event of a program, hosted by one of its partners (or by the agency alone).

    ``capacity`` is the number of startups that attend; ``review_places`` of them are chosen by
    the fit review (operator and host partner) and the rest by a published lottery among the
    other registrations. Registration is open from ``registration_opens_at`` (inclusive) to
    ``registration_closes_at`` (exclusive), exact instants.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE,
                                related_name="events")
    host = models.ForeignKey(Partner, verbose_name=_("host partner"), on_delete=models.PROTECT,
                             related_name="hosted_events", null=True, blank=True,
                             help_text=_("Leave empty for an event of the agency alone."))
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_ko = models.TextField(_("description (Korean)"), blank=True)
    summary_en = models.TextField(_("description (English)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    starts_at = models.DateTimeField(_("starts"), validators=[validate_plausible_instant])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_plausible_instant])
    venue_ko = models.CharField(_("venue (Korean)"), max_length=200)
    venue_en = models.CharField(_("venue (English)"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("places for startups"), validators=[MinValueValidator(1), MaxValueValidator(MAX_COUNT)])
    review_places = models.PositiveIntegerField(
        _("places chosen by the fit review"), default=0,
        validators=[MaxValueValidator(MAX_COUNT)],
        help_text=_("The rest are drawn by lottery among the other registrations."))
    registration_opens_at = models.DateTimeField(
        _("registration opens"), validators=[validate_plausible_instant])
    registration_closes_at = models.DateTimeField(
        _("registration closes"), validators=[validate_plausible_instant],
        help_text=_("The exact instant registration closes."))
    # --- registration and choosing attendees (docs/events.md) ---
    waitlist_length = models.PositiveIntegerField(
        _("waitlist length"), default=20, validators=[MaxValueValidator(MAX_COUNT)],
        help_text=_("How many of the lottery's losers, in draw order, wait for a place that "
                    "frees up; the others are not chosen."))
    waitlist_offer_hours = models.PositiveIntegerField(
        _("hours to answer a waitlist offer"), default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("A place offered from the waitlist passes to the next startup when it is "
                    "not accepted within this many hours."))
    review_confirmed_at = models.DateTimeField(_("fit review confirmed"), null=True,
                                               blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="event_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="event_registration_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return localized_text(self, "title")

    @property
    def audit_tenant_id(self) -> int:
        """The agency whose staff read this row's audit log."""
        return self.program.operator_id

    @property
    def lottery_places(self) -> int:
        """Places left for the lottery after the fit review's."""
        return max(0, self.capacity - self.review_places)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The event must end after it starts.")
        if (self.registration_opens_at and self.registration_closes_at
                and self.registration_closes_at <= self.registration_opens_at):
            errors["registration_closes_at"] = _(
                "Registration must close after it opens.")
        elif (self.registration_closes_at and self.starts_at
              and self.registration_closes_at > self.starts_at):
            errors["registration_closes_at"] = _(
                "Registration must close before the event starts.")
        if self.capacity is not None and self.review_places is not None and (
                self.review_places > self.capacity):
            errors["review_places"] = _(
                "The fit review cannot choose more startups than the event has places.")
        if self.host_id and self.program_id and self.host.program_id != self.program_id:
            errors["host"] = _("The host must be a partner of the event's program.")
        if errors:
            raise ValidationError(errors)

    def registration_is_open(self, when=None) -> bool:
        """Published, and ``registration_opens_at <= when < registration_closes_at``."""
        when = when or timezone.now()
        return (self.status == self.Status.PUBLISHED
                and self.registration_opens_at <= when < self.registration_closes_at)


class Speaker(models.Model):
    """A speaker on the event page (name and role in both languages)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speakers")
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    role_ko = models.CharField(_("role (Korean)"), max_length=200, blank=True)
    role_en = models.CharField(_("role (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return localized_text(self, "name")

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id


class AgendaItem(models.Model):
    """One item of the event's agenda (e.g. 14:00–14:40 keynote; 15:00 live Q&A)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda")
    starts_at = models.DateTimeField(_("starts"), validators=[validate_plausible_instant])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_plausible_instant])
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    speaker = models.ForeignKey(Speaker, verbose_name=_("speaker"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="agenda_items")

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return localized_text(self, "title")

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The item must end after it starts.")})


class FitQuestion(models.Model):
    """A question of the registration form that the fit review reads (e.g. "What would you
    build with OpenAI's platform?"). ``choices`` (``[{"ko": …, "en": …}, …]``) makes it a
    choice question; empty means free text."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="fit_questions")
    text_ko = models.CharField(_("question (Korean)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    max_chars = models.PositiveIntegerField(
        _("longest answer (characters)"), default=1000,
        validators=[MinValueValidator(10), MaxValueValidator(10000)])
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fit question")
        verbose_name_plural = _("fit questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return localized_text(self, "text")

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id


class Registration(TimeStampedModel):
    """A company's registration for an event: one per business registration number (and one
    per organisation), so a company's extra accounts buy no extra lottery tickets.

    ``business_registration_number`` is stored canonical (``###-##-#####``);
    ``answers`` maps a fit question's id (as str) to the answer (text, or the chosen option's
    index as str). ``attendee_name``/``attendee_email`` name the person who comes (their ticket
    goes there).
    """

    class Status(models.TextChoices):
        # A context of its own: "Registered" is also the events list's column of counts.
        REGISTERED = "registered", pgettext_lazy("registration status", "Registered")
        CHOSEN = "chosen", _("Chosen")
        WAITLISTED = "waitlisted", _("On the waitlist")
        NOT_CHOSEN = "not_chosen", _("Not chosen")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Via(models.TextChoices):
        REVIEW = "review", _("Fit review")
        LOTTERY = "lottery", _("Lottery")
        WAITLIST = "waitlist", _("Waitlist")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(Organisation, verbose_name=_("company"),
                                     on_delete=models.PROTECT, related_name="event_registrations")
    business_registration_number = models.CharField(_("business registration number"),
                                                    max_length=12)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"),
                                      on_delete=models.PROTECT, related_name="+")
    attendee_name = models.CharField(_("attendee's name"), max_length=120)
    attendee_email = models.EmailField(_("attendee's e-mail address"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.REGISTERED, db_index=True)
    chosen_via = models.CharField(_("chosen by"), max_length=20, choices=Via.choices,
                                  blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # --- registration and choosing attendees ---
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True,
                                                    blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "business_registration_number"],
                                    name="one_registration_per_company_number"),
            models.UniqueConstraint(fields=["event", "organisation"],
                                    name="one_registration_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.event}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    @property
    def is_chosen(self) -> bool:
        return self.status == self.Status.CHOSEN

    @property
    def code(self) -> str:
        """The registration's public code (``R-`` and the id, e.g. ``R-0042``): its key in
        the published lottery, which names no company."""
        return f"R-{self.pk:04d}"
