from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.accounts.models import Organisation
from kbridge.core.i18n import localized_text
from kbridge.core.models import TimeStampedModel
from kbridge.core.text import MAX_TEXT_CHARS
from kbridge.core.validators import (
    MAX_COUNT,
    amount_validators,
    signed_bound_validators,
    validate_founding_date,
    validate_plausible_instant,
)
from kbridge.programs.models import Call, Program, Track


class StartupProfile(TimeStampedModel):
    """What a startup tells every call about itself. Names and descriptions live on the
    organisation; this holds the facts eligibility and evaluation need."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        related_name="profile")
    is_pre_founder = models.BooleanField(
        _("pre-founder (not yet incorporated)"), default=False)
    business_registration_number = models.CharField(
        _("business registration number"), max_length=12, blank=True,
        help_text=_("10 digits, e.g. 123-45-67891. Pre-founders leave it empty."))
    founded_on = models.DateField(_("founding date"), null=True, blank=True,
                                  validators=[validate_founding_date])
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("representative"), on_delete=models.PROTECT,
        related_name="represented_startups")
    technology_keywords = models.JSONField(_("technology keywords"), default=list, blank=True)
    team_size = models.PositiveIntegerField(_("team size"), null=True, blank=True,
                                            validators=[MaxValueValidator(MAX_COUNT)])
    revenue_krw = models.BigIntegerField(_("revenue last year (KRW)"), null=True, blank=True,
                                         validators=amount_validators())
    investment_krw = models.BigIntegerField(_("investment raised (KRW)"), null=True, blank=True,
                                            validators=amount_validators())
    patents = models.PositiveIntegerField(_("patents"), null=True, blank=True,
                                          validators=[MaxValueValidator(MAX_COUNT)])
    discoverable = models.BooleanField(
        _("discoverable by partners"), default=False,
        help_text=_("Global partners may find your profile when searching for startups."))

    class Meta:
        verbose_name = _("startup profile")
        verbose_name_plural = _("startup profiles")

    def __str__(self) -> str:
        return str(self.organisation)


class Question(models.Model):
    """One question of a call's application form."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice")
        FILE = "file", _("PDF file")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label_ko = models.CharField(_("question (Korean)"), max_length=300)
    label_en = models.CharField(_("question (English)"), max_length=300)
    help_ko = models.CharField(_("help (Korean)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    max_length = models.PositiveIntegerField(
        _("maximum length (characters)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TEXT_CHARS)])
    min_value = models.BigIntegerField(_("minimum"), null=True, blank=True,
                                       validators=signed_bound_validators())
    max_value = models.BigIntegerField(_("maximum"), null=True, blank=True,
                                       validators=signed_bound_validators())
    choices = models.JSONField(
        _("choices"), default=list, blank=True,
        help_text=_('For choice questions: [{"value": "a", "ko": "…", "en": "…"}, …]'))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "position", "pk"]

    def __str__(self) -> str:
        return localized_text(self, "label")


class Application(TimeStampedModel):
    """A startup's application to one track of a call: a draft until submitted.

    ``version`` increases on every saved change; autosaves send the version they started
    from, so two tabs editing one draft cannot overwrite each other silently.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (not submitted)")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # Set by the selection workflow; read by the duplicate-funding rule.
        SELECTED = "selected", _("Selected")

    applicant = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                  related_name="applications")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    # One live application per program (or per track when the program allows several):
    # enforced by the unique constraint below, not only by code.
    exclusivity_key = models.CharField(max_length=60, editable=False)
    answers = models.JSONField(default=dict, blank=True)
    declares_government_support = models.BooleanField(
        _("we currently receive funding from another government startup program"),
        null=True, blank=True)
    government_support_detail = models.CharField(
        _("which program"), max_length=300, blank=True)
    # Evaluators the applicant objects to (기피, challenge): a list of
    # {"name", "organisation", "email", "reason"}; the evaluation app reads it (this app does
    # not know evaluators).
    challenges = models.JSONField(_("evaluators you object to"), default=list, blank=True)
    declares_no_tax_arrears = models.BooleanField(
        _("we have no unpaid national or local taxes"), default=False)
    version = models.PositiveIntegerField(default=1)
    # The editing page (one per browser tab) that saved last, and the version its run of
    # saves started from: a tab's own quick successive saves never conflict with each
    # other, while a save from a page that has not seen another tab's change does.
    editor = models.CharField(max_length=32, blank=True)
    editor_since = models.PositiveIntegerField(default=1)
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_version = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exclusivity_key", "applicant"], condition=~Q(status="withdrawn"),
                name="one_live_application"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.track}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("applications:edit", args=[self.pk])

    @property
    def audit_tenant_id(self) -> int:
        """The agency running the program: its staff read this application's audit trail."""
        return self.program.operator_id

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.SUBMITTED}

    @property
    def may_withdraw(self) -> bool:
        """A draft or submitted application may be withdrawn until the call's announcement of
        results (KST day, ``Call.announcement_on``); from then on its outcome stands — a
        selected company declines its agreement instead (docs/selection.md). Issue 17's
        tester withdrew a selected application after its agreement was accepted."""
        return self.is_editable and timezone.localdate() < self.call.announcement_on

    @property
    def has_unsubmitted_changes(self) -> bool:
        return self.status == self.Status.SUBMITTED and self.submitted_version != self.version


def _stored_name() -> str:
    return uuid.uuid4().hex


class Attachment(models.Model):
    """An uploaded PDF. Immutable: a new upload to the same slot is a new row, so every
    submitted version keeps pointing at exactly the bytes it was submitted with."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="attachments")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    stored_name = models.CharField(max_length=64, unique=True, default=_stored_name,
                                   editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    pages = models.PositiveIntegerField(_("pages"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["question__position", "-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Submission(models.Model):
    """One submitted version: frozen answers, profile and files, and the receipt."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="submissions")
    number = models.PositiveIntegerField(_("version"))
    draft_version = models.PositiveIntegerField()
    receipt_number = models.CharField(_("receipt number"), max_length=40, unique=True)
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    answers = models.JSONField()
    profile = models.JSONField()
    files = models.JSONField(default=list)
    answers_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["application", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"],
                                    name="unique_submission_number"),
            models.UniqueConstraint(fields=["application", "draft_version"],
                                    name="one_submission_per_draft_version"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class DeadlineExtension(models.Model):
    """An operator's documented extension, for one applicant or for the whole call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="extensions")
    applicant = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="+",
                                  help_text=_("Leave empty to extend the whole call."))
    deadline_at = models.DateTimeField(_("new deadline"),
                                       validators=[validate_plausible_instant])
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call} → {self.deadline_at:%Y-%m-%d %H:%M}"
