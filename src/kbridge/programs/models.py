from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.accounts.models import Organisation
from kbridge.core.i18n import localized_text
from kbridge.core.models import TimeStampedModel
from kbridge.core.money import amount_text
from kbridge.core.validators import (
    MAX_AMOUNT_KRW,
    MAX_BUDGET_KRW,
    MAX_QUOTA,
    amount_validators,
    validate_plausible_date,
    validate_plausible_instant,
)


class Program(TimeStampedModel):
    """A yearly programme run by an operator organisation, e.g. "2026 글로벌 기업 협업 프로그램"."""

    operator = models.ForeignKey(
        Organisation, verbose_name=_("operator"), on_delete=models.PROTECT,
        related_name="programs", limit_choices_to={"kind": Organisation.Kind.OPERATOR},
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    budget_krw = models.BigIntegerField(_("budget (KRW)"),
                                        validators=amount_validators(MAX_BUDGET_KRW))
    one_application_per_program = models.BooleanField(
        _("one application per program"), default=True,
        help_text=_("Each startup may apply to only one track in the whole program."),
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-year", "name_ko"]

    def __str__(self) -> str:
        return localized_text(self, "name")

    @property
    def audit_tenant_id(self) -> int:
        return self.operator_id

    def clean(self) -> None:
        if self.pk and self.budget_krw is not None and Track.objects.filter(
                call__program=self, funding_cap_krw__gt=self.budget_krw).exists():
            raise ValidationError({"budget_krw": _(
                "A track of this program has a funding cap per startup above this budget. "
                "Lower that cap first.")})


class Partner(TimeStampedModel):
    """A global company taking part in a program with its own sub-program."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("company"), on_delete=models.PROTECT,
        related_name="partnerships", limit_choices_to={"kind": Organisation.Kind.PARTNER},
    )
    sub_program_ko = models.CharField(_("sub-program (Korean)"), max_length=200)
    sub_program_en = models.CharField(_("sub-program (English)"), max_length=200)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["organisation__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["program", "organisation"], name="unique_partner")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {localized_text(self, 'sub_program')}"

    @property
    def audit_tenant_id(self) -> int:
        return self.program.operator_id


class CallQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Call.Status.PUBLISHED)

    def open_at(self, when):
        return self.published().filter(opens_at__lte=when, deadline_at__gt=when)

    def upcoming_at(self, when):
        return self.published().filter(opens_at__gt=when)

    def closed_at(self, when):
        return self.published().filter(deadline_at__lte=when)


class Call(TimeStampedModel):
    """A call for applications (공고) with its timeline. Instants are stored in UTC."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="calls")
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_ko = models.TextField(_("summary (Korean)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    opens_at = models.DateTimeField(_("applications open"),
                                    validators=[validate_plausible_instant])
    deadline_at = models.DateTimeField(_("deadline"), db_index=True,
                                       help_text=_("The exact instant submissions close."),
                                       validators=[validate_plausible_instant])
    document_evaluation_start = models.DateField(_("document evaluation from"),
                                                 validators=[validate_plausible_date])
    document_evaluation_end = models.DateField(_("document evaluation until"),
                                               validators=[validate_plausible_date])
    presentation_evaluation_start = models.DateField(_("presentation evaluation from"),
                                                     validators=[validate_plausible_date])
    presentation_evaluation_end = models.DateField(_("presentation evaluation until"),
                                                   validators=[validate_plausible_date])
    announcement_on = models.DateField(_("announcement of results"),
                                       validators=[validate_plausible_date])

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["deadline_at"]

    def __str__(self) -> str:
        return localized_text(self, "title")

    @property
    def audit_tenant_id(self) -> int:
        return self.program.operator_id

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.opens_at and self.deadline_at and self.deadline_at <= self.opens_at:
            errors["deadline_at"] = _("The deadline must be after the opening time.")
        deadline_day = timezone.localtime(self.deadline_at).date() if self.deadline_at else None
        order = [
            ("document_evaluation_start", deadline_day),
            ("document_evaluation_end", self.document_evaluation_start),
            ("presentation_evaluation_start", self.document_evaluation_end),
            ("presentation_evaluation_end", self.presentation_evaluation_start),
            ("announcement_on", self.presentation_evaluation_end),
        ]
        for field, earliest in order:
            value = getattr(self, field)
            if value and earliest and value < earliest:
                errors[field] = _("This date must not be earlier than the previous step.")
        if errors:
            raise ValidationError(errors)

    def is_open(self, when=None) -> bool:
        when = when or timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= when < self.deadline_at


class Track(TimeStampedModel):
    """A partner's track within a call, e.g. OpenAI *API track*, with quota and eligibility."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="tracks")
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT,
                                related_name="tracks")
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    quota = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUOTA)])
    funding_cap_krw = models.BigIntegerField(
        _("funding cap per startup (KRW)"), validators=amount_validators(MAX_AMOUNT_KRW),
        help_text=_("At most the program budget; places × cap must fit in the budget too."),
    )
    interest_keywords = models.JSONField(_("interest keywords"), default=list, blank=True)
    max_company_age_years = models.PositiveSmallIntegerField(
        _("maximum company age (years)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Leave empty for no limit."),
    )
    pre_founders_allowed = models.BooleanField(_("pre-founders may apply"), default=False)
    exclude_duplicate_funding = models.BooleanField(
        _("exclude duplicate government funding"), default=True
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["call", "partner_id", "position", "pk"]

    def __str__(self) -> str:
        return localized_text(self, "name")

    @property
    def audit_tenant_id(self) -> int:
        return self.call.program.operator_id

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.partner_id and self.call_id and self.partner.program_id != self.call.program_id:
            errors["partner"] = _("The partner must belong to the call's program.")
        budget = self.call.program.budget_krw if self.call_id else None
        cap, quota = self.funding_cap_krw, self.quota
        if budget is not None and cap is not None and cap > budget:
            errors["funding_cap_krw"] = _(
                "The funding cap per startup (%(cap)s) is above the program budget "
                "(%(budget)s).") % {"cap": amount_text(cap), "budget": amount_text(budget)}
        elif budget is not None and cap and quota and quota * cap > budget:
            errors["quota"] = _(
                "%(quota)s places × %(cap)s is %(total)s, more than the program budget "
                "(%(budget)s). Lower the places or the cap.") % {
                    "quota": f"{quota:,}", "cap": amount_text(cap),
                    "total": amount_text(quota * cap), "budget": amount_text(budget)}
        if errors:
            raise ValidationError(errors)


class SupportItem(models.Model):
    """One item of a track's support package."""

    class Kind(models.TextChoices):
        CLOUD_CREDITS = "cloud_credits", _("Cloud / API credits")
        MENTORING = "mentoring", _("Mentoring")
        POC = "poc", _("Proof of concept (PoC)")
        OVERSEAS = "overseas", _("Overseas market entry")
        DEMO_DAY = "demo_day", _("Demo day")
        INVESTMENT = "investment", _("Investment review")
        OTHER = "other", _("Other")

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="support_items")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description_ko = models.CharField(_("description (Korean)"), max_length=300)
    description_en = models.CharField(_("description (English)"), max_length=300)

    class Meta:
        verbose_name = _("support item")
        verbose_name_plural = _("support items")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {localized_text(self, 'description')}"
