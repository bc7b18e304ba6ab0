"""Collaborations (issue 16, part 2): what a partner company and a startup do together in a
program — a PoC, cloud credits, mentoring, market entry, investment interest — and how far it
got. The stage moves proposed → agreed → running → done, or to dropped from any open stage;
each move is a :class:`StageChange` row with its date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel


class Collaboration(TimeStampedModel):
    """One collaboration between a partner (``programs.Partner``: a company in one program)
    and a startup company (``accounts.Organisation`` of kind startup).

    ``amount_krw`` is the value in won where it has one (credits, a PoC budget, an
    investment); ``meeting_outcome`` is the 1:1 meeting whose "follow-up wanted" created it.
    """

    class Kind(models.TextChoices):
        POC = "poc", _("Proof of concept (PoC)")
        CREDITS = "credits", _("Cloud credits")
        MENTORING = "mentoring", _("Mentoring")
        MARKET_ENTRY = "market_entry", _("Market entry")
        INVESTMENT = "investment", _("Investment interest")

    class Stage(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    #: Stages a collaboration may move to from each stage.
    NEXT = {
        Stage.PROPOSED: (Stage.AGREED, Stage.DROPPED),
        Stage.AGREED: (Stage.RUNNING, Stage.DROPPED),
        Stage.RUNNING: (Stage.DONE, Stage.DROPPED),
        Stage.DONE: (),
        Stage.DROPPED: (),
    }

    program = models.ForeignKey("programs.Program", verbose_name=_("program"),
                                on_delete=models.CASCADE, related_name="collaborations")
    partner = models.ForeignKey("programs.Partner", verbose_name=_("partner"),
                                on_delete=models.PROTECT, related_name="collaborations")
    startup = models.ForeignKey("accounts.Organisation", verbose_name=_("startup"),
                                on_delete=models.PROTECT, related_name="collaborations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices,
                             default=Stage.PROPOSED, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    amount_krw = models.BigIntegerField(_("amount (KRW)"), null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    proposed_on = models.DateField(_("proposed on"))
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    meeting_outcome = models.OneToOneField(
        "events.MeetingOutcome", verbose_name=_("from the 1:1 meeting"),
        on_delete=models.SET_NULL, null=True, blank=True, related_name="collaboration")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["-proposed_on", "-id"]
        indexes = [models.Index(fields=["program", "stage"]),
                   models.Index(fields=["partner", "stage"])]

    def __str__(self) -> str:
        return f"{self.title} · {self.get_stage_display()}"

    @property
    def audit_tenant_id(self) -> int:
        """The agency whose staff read this row's audit log."""
        return self.program.operator_id


class StageChange(models.Model):
    """One move of a collaboration's stage: from, to, on which day, by whom, with a note."""

    collaboration = models.ForeignKey(Collaboration, on_delete=models.CASCADE,
                                      related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=10, choices=Collaboration.Stage.choices,
                                  blank=True)
    to_stage = models.CharField(_("to"), max_length=10, choices=Collaboration.Stage.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["collaboration_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    @property
    def audit_tenant_id(self) -> int:
        return self.collaboration.audit_tenant_id
