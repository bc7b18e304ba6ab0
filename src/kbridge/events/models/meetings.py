"""1:1 meetings (1:1 미팅) at an event: startups and the host partner's staff ask to meet, the
other side accepts or declines, and the scheduling engine (:mod:`kbridge.engine.scheduling`)
places the accepted meetings over tables and slots.

Participants are the attendee startups (a company whose registration is CHOSEN: whoever of
its members comes sits at the table) and the host partner's staff, person by person. Slots
are ``slot_minutes`` long from the session's start; instants are stored in UTC and shown in
KST (docs/events.md, "1:1 meetings").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.accounts.models import Organisation
from kbridge.core.models import TimeStampedModel
from kbridge.core.validators import validate_plausible_instant
from kbridge.events.models.event import Event

#: Longest message of a meeting request (characters): a short note, not a pitch deck.
MESSAGE_MAX_CHARS = 500
#: Longest outcome note (characters).
NOTE_MAX_CHARS = 1000
#: Most slots a session may have (e.g. 10 hours of 10-minute slots): bounds the grid and the
#: availability form.
MAX_SLOTS = 60
#: Most tables of a session; the 2023 meetup used about a dozen.
MAX_TABLES = 100


class MeetingSession(models.Model):
    """When and where an event's 1:1 meetings happen: one block of equal slots at ``tables``
    interchangeable tables (numbered 1 … ``tables``).

    Slot ``s`` runs from ``starts_at + s * slot_minutes`` for ``slot_minutes``; a trailing
    remainder shorter than a slot is not used.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="meeting_session")
    starts_at = models.DateTimeField(_("meetings start"), validators=[validate_plausible_instant])
    ends_at = models.DateTimeField(_("meetings end"), validators=[validate_plausible_instant])
    slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per meeting"), default=20,
        validators=[MinValueValidator(5), MaxValueValidator(120)])
    tables = models.PositiveSmallIntegerField(
        _("tables"), default=10, validators=[MinValueValidator(1), MaxValueValidator(MAX_TABLES)])

    class Meta:
        verbose_name = _("meeting session")
        verbose_name_plural = _("meeting sessions")
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="meeting_session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.event} · 1:1"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    @property
    def n_slots(self) -> int:
        """Whole slots between start and end (0 when unset)."""
        if not (self.starts_at and self.ends_at and self.slot_minutes):
            return 0
        return int((self.ends_at - self.starts_at) // dt.timedelta(minutes=self.slot_minutes))

    def slot_start(self, slot: int) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.slot_minutes * slot)

    def slot_starts(self) -> list[dt.datetime]:
        return [self.slot_start(s) for s in range(self.n_slots)]

    def slot_of(self, instant: dt.datetime) -> int | None:
        """The slot starting exactly at ``instant``, or None."""
        offset = instant - self.starts_at
        step = dt.timedelta(minutes=self.slot_minutes)
        if offset < dt.timedelta(0) or offset % step:
            return None
        slot = int(offset // step)
        return slot if slot < self.n_slots else None

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The meetings must end after they start.")
        elif self.slot_minutes and self.starts_at and self.ends_at:
            if self.n_slots < 1:
                errors["slot_minutes"] = _("The session is shorter than one meeting.")
            elif self.n_slots > MAX_SLOTS:
                errors["slot_minutes"] = _(
                    "At most %(max)d meetings fit in one session; use longer meetings or a "
                    "shorter session.") % {"max": MAX_SLOTS}
        event = getattr(self, "event", None) if self.event_id else None
        if event and self.starts_at and self.ends_at and (
                self.starts_at < event.starts_at or self.ends_at > event.ends_at):
            errors["starts_at"] = _("The meetings must happen during the event.")
        if errors:
            raise ValidationError(errors)


class MeetingBusySlot(models.Model):
    """A slot in which a participant cannot meet (everyone is available by default).

    Exactly one of ``organisation`` (an attendee startup) and ``person`` (a host partner's
    staff member) is set; ``starts_at`` is the slot's start.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_busy_slots")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    starts_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(organisation__isnull=True) ^ models.Q(person__isnull=True)),
                name="busy_slot_one_participant"),
            models.UniqueConstraint(fields=["event", "organisation", "starts_at"],
                                    name="busy_slot_once_per_company"),
            models.UniqueConstraint(fields=["event", "person", "starts_at"],
                                    name="busy_slot_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.person} · {self.starts_at:%Y-%m-%d %H:%M}Z"


class MeetingRequest(TimeStampedModel):
    """A request for a 1:1 meeting between an attendee startup and one of the host partner's
    staff, made by either side with a short message.

    ``requested`` → ``accepted`` | ``declined`` (by the other side) | ``withdrawn`` (by the
    side that asked); ``accepted`` → ``cancelled`` (by either side or the operator).
    ``must_meet`` (set by the operator or the partner) makes the scheduler weigh the meeting
    ten ordinary ones (:class:`kbridge.engine.scheduling.SolveOptions`).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")

    class From(models.TextChoices):
        STARTUP = "startup", _("From the startup")
        PARTNER = "partner", _("From the partner")

    OPEN = (Status.REQUESTED, Status.ACCEPTED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    startup = models.ForeignKey(Organisation, verbose_name=_("startup"),
                                on_delete=models.PROTECT, related_name="meeting_requests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("partner staff"),
                               on_delete=models.PROTECT, related_name="meeting_requests")
    direction = models.CharField(_("asked by"), max_length=10, choices=From.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    message = models.TextField(_("message"), max_length=MESSAGE_MAX_CHARS, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.REQUESTED, db_index=True)
    must_meet = models.BooleanField(_("must meet"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["event", "startup", "person"],
            condition=models.Q(status__in=["requested", "accepted"]),
            name="one_open_meeting_request_per_pair")]

    def __str__(self) -> str:
        return f"{self.startup} ↔ {self.person}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id


class MeetingRun(models.Model):
    """One run of the scheduler over the event's accepted meetings, with its figures.

    ``stages`` are the lexicographic stages' reports (name, objective, bound, optimal,
    seconds); ``unplaced`` the explanations of meetings left out (request id, reason code,
    params, English text: :func:`kbridge.engine.scheduling.explain_unplaced`); ``moved`` the
    requests whose slot changed against the previous schedule (a re-run).
    """

    class Kind(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        RESCHEDULE = "reschedule", _("Re-schedule (fewest moves)")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_runs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    meetings = models.PositiveIntegerField(default=0)
    placed = models.PositiveIntegerField(default=0)
    placed_weight = models.PositiveIntegerField(default=0)
    weight_bound = models.PositiveIntegerField(default=0)
    holes = models.PositiveIntegerField(default=0)
    optimal = models.BooleanField(default=False)
    seconds = models.FloatField(default=0)
    stages = models.JSONField(default=list)
    unplaced = models.JSONField(default=list)
    moved = models.JSONField(default=list)
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} · {self.placed}/{self.meetings}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id


class MeetingPlacement(models.Model):
    """Where an accepted meeting is in the current schedule: its start and its table."""

    request = models.OneToOneField(MeetingRequest, on_delete=models.CASCADE,
                                   related_name="placement")
    run = models.ForeignKey(MeetingRun, on_delete=models.PROTECT, related_name="placements")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    table = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["starts_at", "table"]

    def __str__(self) -> str:
        return f"{self.request} · {self.starts_at:%Y-%m-%d %H:%M}Z · {self.table}"

    @property
    def audit_tenant_id(self) -> int:
        return self.request.event.audit_tenant_id


class MeetingOutcome(models.Model):
    """What one side recorded after the meeting's slot ended."""

    class Side(models.TextChoices):
        STARTUP = "startup", _("Startup")
        PARTNER = "partner", _("Partner")

    class Result(models.TextChoices):
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("The other side did not come")
        FOLLOW_UP = "follow_up", _("Held, follow-up wanted")

    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE,
                                related_name="outcomes")
    side = models.CharField(max_length=10, choices=Side.choices)
    result = models.CharField(_("outcome"), max_length=12, choices=Result.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX_CHARS, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "side"],
                                               name="one_outcome_per_side")]

    def __str__(self) -> str:
        return f"{self.request} · {self.side}: {self.result}"

    @property
    def audit_tenant_id(self) -> int:
        return self.request.event.audit_tenant_id
