"""Live Q&A of an event: attendees' questions, their votes, and the event's Q&A settings.

Votes are rows, one per (question, voter) — a vote count is always ``COUNT(*)`` of the rows,
never a stored counter that could drift. A merge moves the duplicate's voters onto the target
in one set-based statement (``services/qna.py``, :func:`merge_questions`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel
from kbridge.events.models.event import Event

#: Longest question (characters); a question read aloud in about 30 seconds.
QUESTION_MAX_CHARS = 300
#: Longest written answer (characters).
ANSWER_MAX_CHARS = 2000


class QnaSettings(models.Model):
    """The Q&A settings of one event (absent = the defaults: open, no pre-moderation).

    ``premoderated``: questions wait for a moderator's approval before the audience sees them
    (the default shows them at once and moderators hide what does not belong; docs/events.md).
    ``open``: attendees may post and vote.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="qna_settings")
    premoderated = models.BooleanField(
        _("approve questions before they are shown"), default=False)
    open = models.BooleanField(_("questions and votes open"), default=True)

    class Meta:
        verbose_name = _("Q&A settings")
        verbose_name_plural = _("Q&A settings")

    def __str__(self) -> str:
        return f"Q&A settings of event {self.event_id}"

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id


class Question(TimeStampedModel):
    """A question of an attendee. ``anonymous`` hides the author's name from the audience (and
    the presenter); the event's moderators always see it.

    ``status``: pending (waiting for approval, pre-moderated events only) → approved (shown) →
    answered (shown in the answered list), or hidden (shown to nobody but its author and the
    moderators; the audience sees how many are hidden). ``merged_into``: a duplicate merged
    into another question; its votes moved there and it is shown to nobody but moderators.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Shown")
        HIDDEN = "hidden", _("Hidden")
        ANSWERED = "answered", _("Answered")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.PROTECT, related_name="event_questions")
    text = models.TextField(_("question"), max_length=QUESTION_MAX_CHARS)
    anonymous = models.BooleanField(_("ask anonymously"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.APPROVED)
    highlighted = models.BooleanField(_("highlighted"), default=False)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True,
                                    blank=True, on_delete=models.PROTECT,
                                    related_name="merged")
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_CHARS, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "status"], name="events_qna_event_status")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(merged_into=models.F("id")),
                                   name="events_question_not_merged_into_itself"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def audit_tenant_id(self) -> int:
        return self.event.audit_tenant_id

    @property
    def is_public(self) -> bool:
        """Shown to the audience: approved or answered, and not merged away."""
        return self.merged_into_id is None and self.status in (
            self.Status.APPROVED, self.Status.ANSWERED)


class Vote(models.Model):
    """One attendee's upvote of one question (unique per question and voter)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="event_question_votes")
    created_at = models.DateTimeField(_("voted"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["question", "voter"],
                                    name="events_one_vote_per_question_and_voter"),
        ]

    def __str__(self) -> str:
        return f"vote of {self.voter_id} for question {self.question_id}"

    @property
    def audit_tenant_id(self) -> int:
        return self.question.audit_tenant_id
