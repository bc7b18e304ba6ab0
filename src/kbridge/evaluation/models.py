"""Evaluation: who evaluates what, with which rubric, and what they scored.

The stage is the unit of an evaluation (서면평가 document evaluation, then 발표평가
presentation evaluation, per call). An operator invites evaluators from the pool to a stage;
an evaluator signs the stage's pledge (서약서) before seeing anything; conflicts of interest
(제척·기피·회피) keep an evaluator away from an application; an assignment run (the engine in
``kbridge.engine.assignment``) pairs applications with evaluators; each pair has one scoresheet
with a score and a written reason per rubric criterion.

Sources: the panel rules (≥ 5 evaluators, ≥ 50 % market experts, ≥ 10 % women, pledge,
conflicts) and the two stages with a shortlist of about twice the places are the real
program's (../shared/docs/PRODUCT.md, "Facts about the real program").
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.i18n import localized_text
from kbridge.core.models import TimeStampedModel

# Defaults of a stage's rules; each is editable per stage.
DEFAULT_EVALUATORS_PER_APPLICATION = 5
DEFAULT_MIN_MARKET_SHARE = Decimal("0.50")
DEFAULT_MIN_WOMEN_SHARE = Decimal("0.10")
DEFAULT_MIN_REASON_LENGTH = 100
DEFAULT_SHORTLIST_FACTOR = Decimal("2.0")
# Ties (employment, investment, advisory) count as a conflict when they ended less than this
# many years ago; three years is the look-back of Korea's national R&D evaluation rules
# (국가연구개발사업 평가위원 제척 기준) and the usual one in agency guidelines.
DEFAULT_CONFLICT_LOOKBACK_YEARS = 3


class EvaluatorProfile(TimeStampedModel):
    """An external expert in the pool: expertise, affiliation and what panel rules need.

    ``gender`` is self-declared, asked with consent (``gender_consent_at``) and read only by
    operators, for the ≥ 10 % women rule of panels; without consent it is empty and the
    evaluator counts as not declared.
    """

    class ExpertType(models.TextChoices):
        VC = "vc", _("Market expert: venture capital")
        ACCELERATOR = "accelerator", _("Market expert: accelerator")
        INDUSTRY = "industry", _("Market expert: industry")
        ACADEMIC = "academic", _("Academic")
        RESEARCH = "research", _("Research institute")

    MARKET_TYPES = (ExpertType.VC, ExpertType.ACCELERATOR, ExpertType.INDUSTRY)

    class Gender(models.TextChoices):
        UNDECLARED = "", _("Not declared")
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        OTHER = "other", _("Other")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="evaluator_profile")
    expertise_ko = models.TextField(_("expertise (Korean)"), blank=True)
    expertise_en = models.TextField(_("expertise (English)"), blank=True)
    expertise_keywords = models.JSONField(_("expertise keywords"), default=list, blank=True)
    affiliation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("affiliation"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    expert_type = models.CharField(_("expert type"), max_length=20,
                                   choices=ExpertType.choices, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of experience"), null=True, blank=True,
        validators=[MaxValueValidator(70)])
    gender = models.CharField(_("gender (self-declared)"), max_length=10,
                              choices=Gender.choices, blank=True)
    gender_consent_at = models.DateTimeField(_("consent to use gender given"), null=True,
                                             blank=True)

    class Meta:
        verbose_name = _("evaluator profile")
        verbose_name_plural = _("evaluator profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_market_expert(self) -> bool:
        return self.expert_type in self.MARKET_TYPES

    @property
    def is_woman(self) -> bool:
        return self.gender == self.Gender.WOMAN and self.gender_consent_at is not None

    @property
    def expertise(self) -> str:
        return localized_text(self, "expertise")


class EvaluatorTie(TimeStampedModel):
    """A declared employment, investment or advisory tie to a company, with its period.

    Matched against applicants by business registration number when given, else by
    organisation name (case and spacing ignored). ``ended_on`` empty means ongoing.
    """

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("Employment")
        INVESTMENT = "investment", _("Investment")
        ADVISORY = "advisory", _("Advisory")
        FAMILY = "family", _("Family or personal relationship")

    profile = models.ForeignKey(EvaluatorProfile, on_delete=models.CASCADE, related_name="ties")
    kind = models.CharField(_("kind of tie"), max_length=20, choices=Kind.choices)
    organisation_name = models.CharField(_("company"), max_length=200)
    business_registration_number = models.CharField(
        _("business registration number"), max_length=12, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("declared tie")
        verbose_name_plural = _("declared ties")
        ordering = ["-ended_on", "organisation_name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.organisation_name}"


class Stage(TimeStampedModel):
    """One evaluation stage of a call: its window (stored UTC, shown KST), rules and pledge."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document evaluation")
        PRESENTATION = "presentation", _("Presentation evaluation")

    class Mode(models.TextChoices):
        TOTAL = "total", _("Best total fit")
        FAIR = "fair", _("Fair (best for the worst-served application)")
        RANDOMISED = "randomised", _("Randomised (probability cap)")

    call = models.ForeignKey("programs.Call", on_delete=models.CASCADE,
                             related_name="evaluation_stages")
    kind = models.CharField(_("stage"), max_length=20, choices=Kind.choices)
    opens_at = models.DateTimeField(_("evaluation opens"))
    closes_at = models.DateTimeField(_("evaluation closes"))
    # Rules of the assignment.
    mode = models.CharField(_("assignment mode"), max_length=20, choices=Mode.choices,
                            default=Mode.TOTAL)
    max_probability = models.DecimalField(
        _("probability cap q"), max_digits=3, decimal_places=2, default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Randomised mode: no pair is chosen with a higher probability."))
    evaluators_per_application = models.PositiveSmallIntegerField(
        _("evaluators per application"), default=DEFAULT_EVALUATORS_PER_APPLICATION,
        validators=[MinValueValidator(1), MaxValueValidator(30)])
    load_min = models.PositiveSmallIntegerField(_("minimum applications per evaluator"),
                                                default=0)
    load_max = models.PositiveSmallIntegerField(_("maximum applications per evaluator"),
                                                null=True, blank=True)
    min_market_share = models.DecimalField(
        _("minimum share of market experts"), max_digits=3, decimal_places=2,
        default=DEFAULT_MIN_MARKET_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    min_women_share = models.DecimalField(
        _("minimum share of women"), max_digits=3, decimal_places=2,
        default=DEFAULT_MIN_WOMEN_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    one_per_affiliation = models.BooleanField(_("at most one evaluator per affiliation"),
                                              default=True)
    panel_min_size = models.PositiveSmallIntegerField(_("minimum panel size"), default=5)
    conflict_lookback_years = models.PositiveSmallIntegerField(
        _("conflict look-back (years)"), default=DEFAULT_CONFLICT_LOOKBACK_YEARS,
        validators=[MaxValueValidator(20)])
    # Scoring.
    min_reason_length = models.PositiveSmallIntegerField(
        _("minimum reason length (characters)"), default=DEFAULT_MIN_REASON_LENGTH,
        validators=[MaxValueValidator(2000)])
    scale_min = models.PositiveSmallIntegerField(_("lowest level"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest level"), default=5,
                                                 validators=[MaxValueValidator(10)])
    shortlist_factor = models.DecimalField(
        _("shortlist size (× places per track)"), max_digits=3, decimal_places=1,
        default=DEFAULT_SHORTLIST_FACTOR,
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("10.0"))])
    pledge_version = models.CharField(_("pledge version"), max_length=40)
    # Presentation day (presentation stage): slots of this length in the window.
    slot_minutes = models.PositiveSmallIntegerField(_("presentation slot (minutes)"),
                                                    default=20)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation stage")
        verbose_name_plural = _("evaluation stages")
        ordering = ["call_id", "opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="one_stage_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.get_kind_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.call.program.operator_id

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closed_at is None and self.opens_at <= now < self.closes_at

    def has_ended(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closed_at is not None or now >= self.closes_at


class Criterion(models.Model):
    """One rubric criterion of a stage: weight (points of 100), and anchored levels.

    ``anchors`` is a list of ``{"level": int, "ko": str, "en": str}``, one per level of the
    stage's scale, saying what the level means.
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title_ko = models.CharField(_("criterion (Korean)"), max_length=200)
    title_en = models.CharField(_("criterion (English)"), max_length=200)
    description_ko = models.TextField(_("what is judged (Korean)"), blank=True)
    description_en = models.TextField(_("what is judged (English)"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight (points)"),
                                              validators=[MinValueValidator(1),
                                                          MaxValueValidator(100)])
    anchors = models.JSONField(_("level descriptors"), default=list, blank=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["stage_id", "position", "pk"]

    def __str__(self) -> str:
        return localized_text(self, "title")

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id


class StageEvaluator(TimeStampedModel):
    """An evaluator invited to a stage, and their signature of its pledge."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="evaluators")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="evaluation_stages")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    pledge_version = models.CharField(_("pledge version signed"), max_length=40, blank=True)
    pledge_sha256 = models.CharField(max_length=64, blank=True)
    pledge_signed_at = models.DateTimeField(_("pledge signed"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage evaluator")
        verbose_name_plural = _("stage evaluators")
        constraints = [
            models.UniqueConstraint(fields=["stage", "evaluator"], name="one_invitation_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} · {self.stage}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id

    @property
    def has_signed(self) -> bool:
        return self.pledge_signed_at is not None and self.pledge_version == self.stage.pledge_version


class Conflict(TimeStampedModel):
    """A conflict of interest between an evaluator and an application (제척·기피·회피).

    ``source`` says who raised it: detected by the system (제척, exclusion), declared by the
    evaluator (회피, recusal) or named by the applicant (기피, challenge). It is in force unless an
    operator overrode it, which needs a reason and is audited.
    """

    class Source(models.TextChoices):
        DETECTED = "detected", _("Exclusion (detected)")
        RECUSAL = "recusal", _("Recusal (declared by the evaluator)")
        CHALLENGE = "challenge", _("Challenge (named by the applicant)")
        OPERATOR = "operator", _("Set by an operator")

    class Basis(models.TextChoices):
        SAME_ORGANISATION = "same_organisation", _("Same organisation")
        EMAIL_DOMAIN = "email_domain", _("Same e-mail domain")
        EMPLOYMENT = "employment", _("Employment tie")
        INVESTMENT = "investment", _("Investment tie")
        ADVISORY = "advisory", _("Advisory tie")
        FAMILY = "family", _("Family or personal relationship")
        MEMBERSHIP = "membership", _("Member of the startup")
        OTHER = "other", _("Other")

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="conflicts")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="evaluation_conflicts")
    source = models.CharField(_("raised by"), max_length=20, choices=Source.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    overridden_at = models.DateTimeField(_("overridden"), null=True, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")
    override_reason = models.TextField(_("reason for the override"), blank=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator", "source", "basis"],
                                    name="one_conflict_per_basis"),
        ]
        indexes = [models.Index(fields=["evaluator", "application"])]

    def __str__(self) -> str:
        return f"{self.evaluator} × {self.application_id} · {self.get_basis_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.application.program.operator_id

    @property
    def in_force(self) -> bool:
        return self.overridden_at is None


class AssignmentRun(TimeStampedModel):
    """One run of the assignment engine for a stage: its rules, seed, outcome and report.

    ``rules`` is the JSON of everything the run was given (mode, k, loads, shares, q), so
    the run can be repeated with ``kbridge-assign`` and the stored seed.
    """

    class Outcome(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        INFEASIBLE = "infeasible", _("Infeasible")

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    mode = models.CharField(_("assignment mode"), max_length=20, choices=Stage.Mode.choices)
    seed = models.BigIntegerField(_("seed"))
    rules = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    diagnoses = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    # The run's full input (numpy npz: affinities in millionths, conflicts, forced pairs,
    # evaluator attributes, panels), written out as kbridge-assign's CSV files on request.
    inputs = models.BinaryField(blank=True, default=b"", editable=False)

    class Meta:
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stage} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id


class Panel(models.Model):
    """A presentation-stage panel (분과): its evaluators and the applications it hears."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="panels")
    position = models.PositiveSmallIntegerField(default=0)
    name_ko = models.CharField(_("panel (Korean)"), max_length=120)
    name_en = models.CharField(_("panel (English)"), max_length=120)
    room = models.CharField(_("room"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["stage_id", "position", "pk"]

    def __str__(self) -> str:
        return localized_text(self, "name")

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id


class Assignment(TimeStampedModel):
    """An application given to an evaluator in a stage, and why.

    ``explanation`` is the engine's reason for the pair (affinity, the pair's rank among the
    evaluator's and the application's options) or, for a manual change, the operator's reason.
    """

    class Source(models.TextChoices):
        ENGINE = "engine", _("Assignment run")
        MANUAL = "manual", _("Manual change")

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT,
                                    related_name="evaluation_assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="evaluation_assignments")
    run = models.ForeignKey(AssignmentRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="assignments")
    panel = models.ForeignKey(Panel, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="assignments")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices,
                              default=Source.ENGINE)
    affinity = models.FloatField(_("fit"), null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["stage", "application", "evaluator"],
                                    name="one_assignment_per_pair"),
        ]
        indexes = [models.Index(fields=["evaluator", "stage"])]

    def __str__(self) -> str:
        return f"{self.evaluator} → {self.application_id} · {self.stage}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id


class PresentationSlot(models.Model):
    """When an application presents to its panel (from the scheduling engine)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="slots")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="presentation_slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("presentation slot")
        verbose_name_plural = _("presentation slots")
        ordering = ["starts_at", "panel_id"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "application"], name="one_slot_per_panel"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} · {self.application_id} · {self.starts_at:%Y-%m-%d %H:%M}"


class Scoresheet(TimeStampedModel):
    """One evaluator's scores for one assigned application: a draft until submitted.

    Drafts autosave with the applications' never-lose-work protocol (``version``,
    ``editor``/``editor_since`` for per-tab conflicts). ``total`` is the weighted total on
    0–100 computed at submission (``engine.evaluation.weighted_total``). After the stage
    ends the scoresheet is locked unless ``unlocked_until`` (an operator's audited unlock)
    is in the future.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE,
                                      related_name="scoresheet")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    overall_comment = models.TextField(_("overall comment"), blank=True)
    version = models.PositiveIntegerField(default=1)
    editor = models.CharField(max_length=32, blank=True)
    editor_since = models.PositiveIntegerField(default=1)
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    total = models.DecimalField(_("total (0–100)"), max_digits=6, decimal_places=2,
                                null=True, blank=True)
    unlocked_until = models.DateTimeField(_("unlocked until"), null=True, blank=True)
    # What was last submitted ({"levels": {criterion pk: level}, "reasons": {…}, "comment"}):
    # others see this, never a change typed afterwards under an unlock until it is submitted.
    submitted_scores = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("scoresheet")
        verbose_name_plural = _("scoresheets")

    def __str__(self) -> str:
        return str(self.assignment)

    @property
    def audit_tenant_id(self) -> int | None:
        return self.assignment.stage.audit_tenant_id


class Score(models.Model):
    """One criterion's level and written reason on a scoresheet."""

    scoresheet = models.ForeignKey(Scoresheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["scoresheet", "criterion"],
                                    name="one_score_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} · {self.level}"


class ReasonRating(models.Model):
    """An applicant's rating of how useful one scoresheet's written reasons were.

    Anonymous to the evaluator: no rater is stored, and operators see ratings only aggregated
    over at least ``MIN_RATINGS_SHOWN`` of them (named ratings are known to be inflated —
    ../shared/docs/PRODUCT.md, "Known complaints"). One rating per scoresheet.
    """

    MIN_RATINGS_SHOWN = 5

    scoresheet = models.OneToOneField(Scoresheet, on_delete=models.CASCADE,
                                      related_name="rating")
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    rated_on = models.DateField(_("rated on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("rating of reasons")
        verbose_name_plural = _("ratings of reasons")

    def __str__(self) -> str:
        return f"{self.scoresheet} · {self.usefulness}"


class Shortlisted(models.Model):
    """An application shortlisted for a presentation stage, confirmed by an operator.

    Proposed per track from the document stage by trimmed mean (``services.stages.shortlist``):
    the best ``ceil(shortlist_factor × track.quota)`` and every application tied with the last
    of them. ``rank`` is the competition rank in the track, ``score`` the trimmed mean (0–100)
    it was ranked by, ``tied`` whether it shares its rank.
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="shortlist")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="shortlistings")
    track = models.ForeignKey("programs.Track", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField(_("rank in the track"))
    score = models.DecimalField(_("trimmed mean (0–100)"), max_digits=6, decimal_places=2)
    tied = models.BooleanField(_("tied"), default=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("shortlisted application")
        verbose_name_plural = _("shortlisted applications")
        ordering = ["stage_id", "track_id", "rank", "application_id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "application"],
                                    name="one_shortlisting_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} · {self.application_id} · {self.rank}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.stage.audit_tenant_id
