"""Selection: from the final ranking to decisions an applicant can understand and challenge.

The unit is the **selection of a track** (``Selection``): the ranked applications of the call's
final evaluation stage, turned into one ``Outcome`` each — selected (with an award), on the
waitlist (예비, ranked) or not selected — under the track's quota (places), the per-award cap,
the track's budget and the program's budget. The rules that decide it are stated in the call
before its deadline (``SelectionPolicy``: the tie rule, whether a lottery decides at the
funding line, the announcement instant, the appeal window, the waitlist length). A confirmed
selection is announced at ``SelectionPolicy.announcement_at``; from then on each applicant
reads their result with its reasons and may appeal (이의신청) within the window.

Sources: the quota, the per-award cap (e.g. ₩200M) and the 10-month agreement are the real
program's (../shared/docs/PRODUCT.md, "Facts about the real program"); duplicate funding
(중복지원) is what dropped four of fourteen OpenAI finalists in 2024 (same document); the
lottery at the line is the Swiss National Science Foundation's partial randomisation
(Heyard et al. 2022, "Rethinking the funding line at the Swiss National Science Foundation:
Bayesian ranking and lottery", Statistics and Public Policy 9(1):110–121; docs/selection.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel

DEFAULT_APPEAL_WORKING_DAYS = 7
DEFAULT_OFFER_WORKING_DAYS = 3
DEFAULT_WAITLIST_LENGTH = 3
DEFAULT_AGREEMENT_MONTHS = 10


class SelectionPolicy(TimeStampedModel):
    """The selection rules of a call, stated before its deadline and frozen from then on.

    ``tie_break_criterion`` names a rubric criterion (its Korean or English title): between
    equal final scores the higher mean level on it ranks first; what is still tied is drawn by
    lot. ``lottery_at_line`` adds the partial randomisation: the applications whose score
    intervals overlap the funding line are drawn for the places left there
    (``kbridge.engine.selection.plan(..., lottery_at_line=True)``). Days are working days (Korean public holidays and
    weekends excluded, ``core/workdays.py``).
    """

    call = models.OneToOneField("programs.Call", on_delete=models.CASCADE,
                                related_name="selection_policy")
    tie_break_criterion = models.CharField(
        _("tie-break criterion"), max_length=200, blank=True,
        help_text=_("Between equal scores, the higher score on this rubric criterion ranks "
                    "first; what is still tied is drawn by lot."))
    lottery_at_line = models.BooleanField(
        _("lottery at the funding line"), default=False,
        help_text=_("Applications whose scores cannot be told apart at the funding line "
                    "enter a published draw for the places left there."))
    announcement_at = models.DateTimeField(_("announcement of results"), null=True, blank=True)
    appeal_working_days = models.PositiveSmallIntegerField(
        _("appeal window (working days)"), default=DEFAULT_APPEAL_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)])
    offer_working_days = models.PositiveSmallIntegerField(
        _("time to accept a waitlist offer (working days)"), default=DEFAULT_OFFER_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)])
    waitlist_length = models.PositiveSmallIntegerField(
        _("waitlist length per track"), default=DEFAULT_WAITLIST_LENGTH,
        validators=[MaxValueValidator(100)])
    agreement_months = models.PositiveSmallIntegerField(
        _("agreement period (months)"), default=DEFAULT_AGREEMENT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(36)])

    class Meta:
        verbose_name = _("selection rules")
        verbose_name_plural = _("selection rules")

    def __str__(self) -> str:
        return f"{self.call}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.call.program.operator_id


class Selection(TimeStampedModel):
    """The selection of one track: draft while the operator works on it, then confirmed.

    ``budget_krw`` is the track's budget (default: places × cap); the awards of its selected
    applications never sum above it, and the awards of all confirmed selections of the
    program never sum above ``Program.budget_krw``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")

    track = models.OneToOneField("programs.Track", on_delete=models.CASCADE,
                                 related_name="selection")
    stage = models.ForeignKey("evaluation.Stage", on_delete=models.PROTECT, related_name="+",
                              help_text=_("The evaluation stage whose ranking is decided."))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    budget_krw = models.BigIntegerField(_("track budget (KRW)"),
                                        validators=[MinValueValidator(0)])
    cutoff_score = models.DecimalField(_("cut-off score"), max_digits=6, decimal_places=2,
                                       null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["track__call_id", "track__position", "track_id"]

    def __str__(self) -> str:
        return f"{self.track}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.track.call.program.operator_id

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class Outcome(TimeStampedModel):
    """One application's decision in its track's selection.

    ``rank`` is the competition rank in the track after the tie rule (1 = best); ``score`` the
    final score it was ranked by (0–100). Selected outcomes hold ``award_krw``; waitlisted ones
    ``waitlist_position`` (1 = offered first). ``reason_code`` says why, in one of the codes of
    ``REASONS`` (shown translated); ``detail`` what the operator wrote (an edited award, a
    drop-out).
    """

    class Status(models.TextChoices):
        SELECTED = "selected", _("Selected")
        WAITLISTED = "waitlisted", _("Waitlisted")
        NOT_SELECTED = "not_selected", _("Not selected")
        DROPPED = "dropped", _("Dropped out")

    REASONS = {
        "within_quota": _("Ranked within the places of the track."),
        "below_line": _("Ranked below the places of the track."),
        "over_budget": _("The track's budget was used up by higher-ranked applications."),
        "lottery_won": _("Drawn in the lottery at the funding line."),
        "lottery_lost": _("Not drawn in the lottery at the funding line."),
        "lottery_pending": _("Waiting for the lottery at the funding line."),
        "duplicate_funding": _("Already funded by another program for the same purpose "
                               "(duplicate funding)."),
        "ineligible": _("Not eligible at the time of the decision."),
        "withdrew": _("Withdrew."),
        "declined_offer": _("Declined the offered place."),
        "offer_expired": _("Did not accept the offered place in time."),
        "agreement_lapsed": _("Did not conclude the agreement in time."),
        "promoted": _("Offered a place that became free."),
        "appeal_upheld": _("Re-ranked after an upheld appeal."),
    }

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="outcomes")
    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE,
                                       related_name="outcome")
    rank = models.PositiveIntegerField(_("rank in the track"))
    score = models.DecimalField(_("final score (0–100)"), max_digits=6, decimal_places=2)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices)
    reason_code = models.CharField(max_length=24)
    detail = models.CharField(_("note"), max_length=500, blank=True)
    award_krw = models.BigIntegerField(_("award (KRW)"), null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True,
                                                    blank=True)
    publish_consent = models.BooleanField(
        _("name may appear on the public results page"), default=False)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["selection_id", "rank", "application_id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.selection.audit_tenant_id

    @property
    def reason(self) -> str:
        return str(self.REASONS.get(self.reason_code, ""))


class FundingImport(TimeStampedModel):
    """A CSV of other programs' selection lists, imported for the duplicate-funding check."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE,
                                related_name="funding_imports")
    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("funding list import")
        verbose_name_plural = _("funding list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows})"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.program.operator_id


class FundingRecord(models.Model):
    """One startup selected by another program (from an import), by business registration
    number (10 digits, no hyphens)."""

    source = models.ForeignKey(FundingImport, on_delete=models.CASCADE, related_name="records")
    business_registration_number = models.CharField(max_length=10, db_index=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    funding_program = models.CharField(_("program"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("funding record")
        verbose_name_plural = _("funding records")

    def __str__(self) -> str:
        return f"{self.business_registration_number} · {self.funding_program}"


class Offer(TimeStampedModel):
    """A place offered to a waitlisted application, with a deadline to accept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    respond_by = models.DateTimeField(_("answer by"))
    award_krw = models.BigIntegerField(_("award (KRW)"), validators=[MinValueValidator(0)])
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["outcome"], condition=models.Q(status="pending"),
            name="selection_one_pending_offer_per_outcome")]

    def __str__(self) -> str:
        return f"{self.outcome.application} · {self.get_status_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.outcome.audit_tenant_id


class LotteryDraw(TimeStampedModel):
    """A draw at the funding line: committed (the seed's SHA-256 published) before it is
    drawn, the seed published after; ``kbridge-lottery`` reproduces ``winners`` from
    ``entrants``, ``places`` and ``seed`` (docs/selection.md)."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="draws")
    entrants = models.JSONField(default=list)  # keys (application ids as str), published order
    places = models.PositiveIntegerField()
    seed_sha256 = models.CharField(max_length=64)
    seed = models.CharField(max_length=64, blank=True)  # hex; empty until drawn
    winners = models.JSONField(default=list)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.selection} · {self.places}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.selection.audit_tenant_id


class Appeal(TimeStampedModel):
    """An applicant's appeal (이의신청) against their outcome, answered with reasons.

    Filed within ``SelectionPolicy.appeal_working_days`` working days of the announcement;
    handled by an operator who was not on the application's panel; answered citing the
    criteria concerned. An upheld appeal re-ranks the track with an audit trail.
    """

    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Not upheld")

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="appeals")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    grounds = models.TextField(_("grounds"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.FILED)
    due_at = models.DateTimeField(_("answer due"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    criteria_cited = models.ManyToManyField("evaluation.Criterion", blank=True,
                                            related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome.application} · {self.get_status_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.outcome.audit_tenant_id


class Agreement(TimeStampedModel):
    """The agreement (협약) of a selected application: period, tranches, documents, acceptance.

    ``tranches`` is a list of ``{"due_on": "YYYY-MM-DD", "amount_krw": int}`` summing to the
    outcome's award. The startup's representative accepts it by ``accept_by``; acceptance
    records who, when and from which address.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", _("Waiting for the startup")
        ACCEPTED = "accepted", _("Accepted")
        LAPSED = "lapsed", _("Lapsed")

    outcome = models.OneToOneField(Outcome, on_delete=models.CASCADE, related_name="agreement")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OFFERED)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    tranches = models.JSONField(_("funding tranches"), default=list)
    accept_by = models.DateTimeField(_("accept by"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.outcome.application} · {self.get_status_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.outcome.audit_tenant_id


class AgreementDocument(models.Model):
    """A document the agreement requires (a PDF through the shared upload checks)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="documents")
    kind = models.CharField(_("document"), max_length=40)
    stored_name = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    pages = models.PositiveIntegerField(_("pages"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        ordering = ["agreement_id", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.original_name}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.agreement.audit_tenant_id


class PartnerInterest(TimeStampedModel):
    """A partner company's recorded interest in an application of its own track."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE,
                                    related_name="partner_interests")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("partner interest")
        verbose_name_plural = _("partner interests")
        constraints = [models.UniqueConstraint(fields=["application", "organisation"],
                                               name="selection_one_interest_per_partner")]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.application}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.application.program.operator_id
