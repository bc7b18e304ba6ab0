"""Milestone reports (issue 16, part 3): what a selected startup reports under its agreement
(협약) — jobs, revenue, overseas revenue, follow-on investment, patents, M&A — on the
schedule the agreement sets, the operator's review, and the funding tranches released.

A tranche after the first is held until the report due before it is approved
(:attr:`MilestoneReport.unlocks_tranche`). Amounts are whole won (KRW); ``jobs_created`` counts
full-time positions added during the report's period. These are the outcome figures the
ministry publishes for the program (PRODUCT.md: jobs, follow-on investment, firms with overseas
revenue).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel


class MilestoneReport(TimeStampedModel):
    """One report due under one agreement, for the period ``period_starts_on`` –
    ``period_ends_on`` (inclusive), due on ``due_on`` (KST calendar day).

    Status: due (nothing sent yet; the startup may keep a draft) → submitted → returned (with
    the operator's comment; the startup fixes and submits again) or approved (final; counted
    in the KPIs). Only approved reports count anywhere.
    """

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    class MergerAcquisition(models.TextChoices):
        NONE = "", _("None")
        ACQUIRED = "acquired", _("The company was acquired")
        ACQUIRER = "acquirer", _("The company acquired another")
        MERGED = "merged", _("Merger")

    agreement = models.ForeignKey("selection.Agreement", verbose_name=_("agreement"),
                                  on_delete=models.CASCADE, related_name="milestone_reports")
    sequence = models.PositiveSmallIntegerField(_("report number"))
    period_starts_on = models.DateField(_("period from"))
    period_ends_on = models.DateField(_("period until"))
    due_on = models.DateField(_("due on"))
    unlocks_tranche = models.PositiveSmallIntegerField(
        _("releases tranche"), null=True, blank=True,
        help_text=_("The tranche (1 = first) held until this report is approved."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DUE, db_index=True)
    jobs_created = models.PositiveIntegerField(_("jobs created"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees at the end of the period"),
                                            null=True, blank=True)
    revenue_krw = models.BigIntegerField(_("revenue (KRW)"), null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    overseas_revenue_krw = models.BigIntegerField(_("overseas revenue (KRW)"), null=True,
                                                  blank=True, validators=[MinValueValidator(0)])
    patents_filed = models.PositiveIntegerField(_("patents filed"), null=True, blank=True)
    patents_granted = models.PositiveIntegerField(_("patents granted"), null=True, blank=True)
    merger_acquisition = models.CharField(_("M&A"), max_length=10, blank=True,
                                          choices=MergerAcquisition.choices)
    merger_detail = models.CharField(_("M&A details"), max_length=500, blank=True)
    narrative = models.TextField(_("progress"), blank=True, max_length=8000)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True, max_length=4000)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_14_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("milestone report")
        verbose_name_plural = _("milestone reports")
        ordering = ["agreement_id", "sequence"]
        constraints = [models.UniqueConstraint(fields=["agreement", "sequence"],
                                               name="unique_report_sequence")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.agreement} · #{self.sequence}"

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff read this row's audit log."""
        return self.agreement.audit_tenant_id

    @property
    def submitted_late(self) -> bool:
        """Submitted (or approved) and its latest submission came after ``due_on`` (a KST
        day): the overdue flag is gone once it is submitted, this keeps the fact."""
        from django.utils import timezone

        return (self.status in (self.Status.SUBMITTED, self.Status.APPROVED)
                and self.submitted_at is not None
                and timezone.localdate(self.submitted_at) > self.due_on)


class FollowOnInvestment(models.Model):
    """One follow-on investment a report declares: round, amount (KRW), investor, date."""

    class Round(models.TextChoices):
        SEED = "seed", _("Seed")
        PRE_A = "pre_a", _("Pre-Series A")
        SERIES_A = "series_a", _("Series A")
        SERIES_B = "series_b", _("Series B")
        SERIES_C = "series_c", _("Series C or later")
        GRANT = "grant", _("Public funding")
        OTHER = "other", _("Other")

    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE,
                               related_name="investments")
    round = models.CharField(_("round"), max_length=10, choices=Round.choices)
    amount_krw = models.BigIntegerField(_("amount (KRW)"), validators=[MinValueValidator(1)])
    investor = models.CharField(_("investor"), max_length=200)
    closed_on = models.DateField(_("closed on"))

    class Meta:
        verbose_name = _("follow-on investment")
        verbose_name_plural = _("follow-on investments")
        ordering = ["report_id", "closed_on", "id"]

    def __str__(self) -> str:
        return f"{self.investor} · {self.amount_krw}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.report.audit_tenant_id


class ReportReview(models.Model):
    """The history of a report: each submission, return (with its comment) and approval."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE,
                               related_name="reviews")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("report review")
        verbose_name_plural = _("report reviews")
        ordering = ["report_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report} · {self.action}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.report.audit_tenant_id


class TrancheRelease(models.Model):
    """A funding tranche of an agreement released for payment (``tranche``: 1 = first)."""

    agreement = models.ForeignKey("selection.Agreement", on_delete=models.CASCADE,
                                  related_name="tranche_releases")
    tranche = models.PositiveSmallIntegerField(_("tranche"))
    amount_krw = models.BigIntegerField(_("amount (KRW)"))
    released_at = models.DateTimeField(_("released"), auto_now_add=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("tranche release")
        verbose_name_plural = _("tranche releases")
        ordering = ["agreement_id", "tranche"]
        constraints = [models.UniqueConstraint(fields=["agreement", "tranche"],
                                               name="unique_tranche_release")]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.tranche}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.agreement.audit_tenant_id
