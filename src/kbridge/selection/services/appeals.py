"""Appeals (이의신청): filed by the applicant in writing, answered with reasons by someone outside
the original panel, with the answer's time tracked; an upheld appeal may re-rank the track.

Rules (docs/selection.md, "Appeals"):

* **Window.** From the announcement (``SelectionPolicy.announcement_at``, once the track's
  selection is confirmed) until the end (23:59:59 KST) of the ``policy.appeal_working_days``-th
  working day after the announcement's KST day (:func:`kbridge.core.workdays.add_working_days`:
  weekends and Korean public holidays do not count).
* **Who.** A member of the startup that owns the application (representative or staff); one
  open (filed, not yet answered) appeal per outcome at a time.
* **Grounds.** Cleaned with ``core.text.clean_text``; ``GROUNDS_MIN_CHARS``–``GROUNDS_MAX_CHARS``
  characters counted with ``core.text.count_chars``; refused, never cut.
* **Answer.** Due ``ANSWER_WORKING_DAYS`` working days after filing (``Appeal.due_at``). Given
  by an operator of the program who did not evaluate the application in any stage of the call
  (``evaluation.Assignment`` rows); upheld or not upheld; a written answer of
  ``ANSWER_MIN_CHARS``–``ANSWER_MAX_CHARS`` characters citing at least one criterion of the
  selection stage's rubric.
* **Re-ranking.** An upheld appeal may carry a corrected final score (0–100, 2 decimals): see
  :func:`rerank`.

Every state change writes an audit row (``selection.appeal_filed``, ``selection.appeal_answered``,
``selection.reranked_after_appeal`` on the selection and ``selection.outcome_reranked`` per
outcome that moved) belonging to the program's agency. E-mail: the program's operators when an
appeal is filed, the person who filed it (and the startup's representative) when it is
answered, each in their own language, through the outbox (``core.mail.queue_email``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.core.text import clean_text, count_chars, header_line
from kbridge.core.workdays import add_working_days, working_days_left
from kbridge.evaluation.models import Assignment, Criterion
from kbridge.selection.models import Appeal, Outcome, Selection, SelectionPolicy

#: Working days the program has to answer an appeal, from the day it was filed. The Framework
#: Act on Public Administration (행정기본법, 제36조 ②) gives an administrative body 14 days to
#: answer an objection (이의신청) to its decision; ten working days are those 14 days in an
#: ordinary fortnight, and counting working days keeps a holiday week (추석, 설날) from
#: eating into the handler's time or the applicant's wait.
ANSWER_WORKING_DAYS = 10
#: Grounds: long enough to say what is contested and why, short enough to be read in full.
GROUNDS_MIN_CHARS = 30
GROUNDS_MAX_CHARS = 5_000
#: Answer: a reason, not a verdict ("not accepted" was all the real program wrote).
ANSWER_MIN_CHARS = 50
ANSWER_MAX_CHARS = 5_000
#: A corrected final score, as the ranking shows it: 0–100 with two decimals.
SCORE_MIN, SCORE_MAX = Decimal("0"), Decimal("100")
#: Not-selected outcomes an upheld appeal may move onto the waitlist: those left out by rank,
#: budget or lot. An ineligible or duplicate-funded outcome stays as it is (its score is not
#: why it was left out).
WAITLISTABLE_REASONS = {"below_line", "over_budget", "lottery_lost", "appeal_upheld"}


# --- the window ---------------------------------------------------------------------------


def policy_of(outcome: Outcome) -> SelectionPolicy | None:
    return SelectionPolicy.objects.filter(call_id=outcome.selection.track.call_id).first()


def is_announced(outcome: Outcome, policy: SelectionPolicy | None,
                 now: datetime | None = None) -> bool:
    """The outcome's selection is confirmed and its announcement instant has passed."""
    now = now or timezone.now()
    return bool(outcome.selection.is_confirmed and policy is not None
                and policy.announcement_at is not None and policy.announcement_at <= now)


def window_closes_at(policy: SelectionPolicy | None) -> datetime | None:
    """The end of the appeal window (23:59:59 KST of its last working day), or None while no
    announcement instant is set."""
    if policy is None or policy.announcement_at is None:
        return None
    return add_working_days(policy.announcement_at, policy.appeal_working_days)


@dataclass(frozen=True)
class Window:
    """The appeal window of one outcome as the applicant's page shows it."""

    announced: bool
    closes_at: datetime | None
    is_open: bool
    open_appeal: Appeal | None

    @property
    def may_file(self) -> bool:
        return self.is_open and self.open_appeal is None


def window_of(outcome: Outcome, now: datetime | None = None) -> Window:
    now = now or timezone.now()
    policy = policy_of(outcome)
    announced = is_announced(outcome, policy, now)
    closes = window_closes_at(policy)
    open_appeal = outcome.appeals.filter(status=Appeal.Status.FILED).first()
    return Window(announced, closes, bool(announced and closes and now <= closes), open_appeal)


def working_days_taken(appeal: Appeal) -> int | None:
    """The answer's response time: working days after the KST day of filing up to and
    including the KST day of the answer (answered the day it was filed: 0). None while
    unanswered."""
    if appeal.answered_at is None:
        return None
    return working_days_left(appeal.created_at, appeal.answered_at)


def is_overdue(appeal: Appeal, now: datetime | None = None) -> bool:
    """Unanswered past its due time, or answered after it."""
    if appeal.answered_at is not None:
        return appeal.answered_at > appeal.due_at
    return (now or timezone.now()) > appeal.due_at


def panel_member_ids(application) -> set[int]:
    """Everyone who evaluated ``application`` in any stage of its call (assignment rows,
    whatever their scoresheet's state)."""
    return set(Assignment.objects.filter(application_id=application.pk,
                                         stage__call_id=application.call_id)
               .values_list("evaluator_id", flat=True))


def is_on_panel(user, application) -> bool:
    return Assignment.objects.filter(application_id=application.pk,
                                     stage__call_id=application.call_id,
                                     evaluator_id=user.pk).exists()


# --- filing -------------------------------------------------------------------------------


def _check_length(text: str, low: int, high: int, what: str) -> None:
    count = count_chars(text)
    if count < low:
        raise ValidationError(
            _("Write at least %(low)s characters for the %(what)s: it has %(count)s.")
            % {"low": f"{low:,}", "what": what, "count": f"{count:,}"}, code="too_short")
    if count > high:
        raise ValidationError(
            _("Keep the %(what)s to %(high)s characters or fewer: it has %(count)s, "
              "%(over)s too many.") % {"what": what, "high": f"{high:,}",
                                        "count": f"{count:,}", "over": f"{count - high:,}"},
            code="too_long")


def _tenant(outcome: Outcome) -> int:
    return outcome.selection.track.call.program.operator_id


def _outcome_for_update(outcome_id: int) -> Outcome:
    return (Outcome.objects.select_for_update(of=("self",))
            .select_related("selection__track__call__program", "application__applicant",
                            "application__call")
            .get(pk=outcome_id))


def file_appeal(*, outcome: Outcome, by, grounds: str) -> Appeal:
    """File an appeal against ``outcome`` for the startup ``by`` belongs to.

    ``grounds`` is cleaned (``core.text.clean_text``) and must have ``GROUNDS_MIN_CHARS`` to
    ``GROUNDS_MAX_CHARS`` characters. The answer is due ``ANSWER_WORKING_DAYS`` working days
    later (23:59:59 KST). Raises ``ValidationError`` (translated message, ``code``
    ``not_member``, ``not_announced``, ``closed``, ``already_open``, ``too_short`` or
    ``too_long``). Side effects: audit ``selection.appeal_filed``; an e-mail to each operator of
    the program.
    """
    from kbridge.applications.rules import is_startup_member_of

    now = timezone.now()
    grounds = clean_text(grounds or "").strip()
    with transaction.atomic():
        # The outcome's row is locked: two members filing at once make one appeal.
        outcome = _outcome_for_update(outcome.pk)
        if not is_startup_member_of(by, outcome.application):
            raise ValidationError(_("Only the applicant's own members may appeal."),
                                  code="not_member")
        policy = policy_of(outcome)
        if not is_announced(outcome, policy, now):
            raise ValidationError(_("Results have not been announced yet: an appeal can be "
                                    "filed once they are."), code="not_announced")
        closes = window_closes_at(policy)
        if now > closes:
            raise ValidationError(
                _("The appeal window closed at %(time)s.") % {"time": _kst(closes)},
                code="closed")
        if outcome.appeals.filter(status=Appeal.Status.FILED).exists():
            raise ValidationError(_("An appeal against this result is already waiting for "
                                    "its answer."), code="already_open")
        _check_length(grounds, GROUNDS_MIN_CHARS, GROUNDS_MAX_CHARS, _("grounds"))
        appeal = Appeal.objects.create(
            outcome=outcome, filed_by=by, grounds=grounds,
            due_at=add_working_days(now, ANSWER_WORKING_DAYS))
        audit.record("selection.appeal_filed", appeal, after={
            **audit.snapshot(appeal, ["status", "due_at"]), "outcome": outcome.pk,
            "grounds_chars": count_chars(grounds)}, actor=by, tenant_id=_tenant(outcome))
        for operator in _program_operators(outcome):
            _mail(operator, appeal, "filed",
                  link=absolute(reverse("selection:appeal_detail", args=[appeal.pk])))
    return appeal


def _kst(value: datetime) -> str:
    from kbridge.core.templatetags.kbridge import kst

    return kst(value)


def _program_operators(outcome: Outcome):
    from kbridge.accounts.models import User

    agency = outcome.selection.track.call.program.operator_id
    return (User.objects.filter(memberships__organisation_id=agency,
                                memberships__role=Membership.Role.OPERATOR, is_active=True)
            .distinct().order_by("pk"))


def _mail(user, appeal: Appeal, kind: str, **context) -> None:
    """Queue one e-mail about ``appeal`` to ``user`` in their language (subject on the first
    line of the template). Key ``appeal:<kind>:<appeal>:<user>``: sent once."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        text = render_to_string(f"selection/appeals/mail/{kind}.txt",
                                {"user": user, "appeal": appeal, **context})
    subject, _sep, body = text.strip().partition("\n")
    message = EmailMessage(header_line(subject), body.strip() + "\n",
                           settings.DEFAULT_FROM_EMAIL, [user.email])
    queue_email(message, idempotency_key=f"appeal:{kind}:{appeal.pk}:{user.pk}",
                organisation=appeal.outcome.selection.track.call.program.operator)


# --- answering ----------------------------------------------------------------------------


def parse_score(value) -> Decimal | None:
    """A corrected final score: None for empty; else a Decimal of 0–100 with at most two
    decimals (ValidationError otherwise)."""
    if value is None or value == "":
        return None
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite() or score != score.quantize(Decimal("0.01")) \
            or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationError(_("Enter the corrected final score from 0 to 100, with at most "
                                "two decimals."), code="score")
    return score.quantize(Decimal("0.01"))


def answer_appeal(*, appeal: Appeal, by, upheld: bool, answer: str, criteria,
                  corrected_score=None) -> Appeal:
    """Answer ``appeal``: upheld or not upheld, with a written ``answer`` citing ``criteria``.

    ``by`` must be an operator of the program who did not evaluate the application in any
    stage of the call; ``answer`` is cleaned and has ``ANSWER_MIN_CHARS``–``ANSWER_MAX_CHARS``
    characters; ``criteria`` (Criterion instances or ids) are at least one criterion of the
    selection stage's rubric; ``corrected_score`` (0–100, 2 decimals, or None) only on an
    upheld appeal, and it re-ranks the track (:func:`rerank`).

    Raises ``ValidationError`` (translated; codes ``not_operator``, ``on_panel``, ``answered``,
    ``too_short``, ``too_long``, ``no_criterion``, ``criterion``, ``score``,
    ``score_not_upheld``). Side effects: audit ``selection.appeal_answered`` (and the re-rank's
    rows); an e-mail to the person who filed the appeal and the startup's representative.
    """
    from kbridge.accounts.tenancy import agency_ids

    now = timezone.now()
    answer = clean_text(answer or "").strip()
    score = parse_score(corrected_score)
    with transaction.atomic():
        appeal = (Appeal.objects.select_for_update(of=("self",))
                  .select_related("outcome__selection__track__call__program",
                                  "outcome__application__call", "filed_by")
                  .get(pk=appeal.pk))
        outcome = appeal.outcome
        application = outcome.application
        if outcome.selection.track.call.program.operator_id not in agency_ids(by):
            raise ValidationError(_("Only the program's operators may answer an appeal."),
                                  code="not_operator")
        if is_on_panel(by, application):
            raise ValidationError(
                _("You evaluated this application, so you may not answer its appeal: someone "
                  "outside the panel must."), code="on_panel")
        if appeal.status != Appeal.Status.FILED:
            raise ValidationError(_("This appeal has already been answered."),
                                  code="answered")
        _check_length(answer, ANSWER_MIN_CHARS, ANSWER_MAX_CHARS, _("answer"))
        ids = {getattr(c, "pk", c) for c in (criteria or [])}
        if not ids:
            raise ValidationError(_("Cite at least one criterion of the rubric that the answer "
                                    "concerns."), code="no_criterion")
        cited = list(Criterion.objects.filter(stage_id=outcome.selection.stage_id, pk__in=ids)
                     .order_by("position", "pk"))
        if len(cited) != len(ids):
            raise ValidationError(_("Cite criteria of the rubric this result was decided on."),
                                  code="criterion")
        if score is not None and not upheld:
            raise ValidationError(_("A corrected score can only be given when the appeal is "
                                    "upheld."), code="score_not_upheld")
        before = audit.snapshot(appeal, ["status", "handler", "answered_at"])
        appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
        appeal.answer = answer
        appeal.handler = by
        appeal.answered_at = now
        appeal.save(update_fields=["status", "answer", "handler", "answered_at", "updated_at"])
        appeal.criteria_cited.set(cited)
        audit.record("selection.appeal_answered", appeal, before=before, after={
            **audit.snapshot(appeal, ["status", "handler", "answered_at"]),
            "criteria_cited": [c.pk for c in cited], "answer_chars": count_chars(answer),
            "corrected_score": str(score) if score is not None else None,
            "working_days": working_days_taken(appeal)},
            actor=by, tenant_id=_tenant(outcome))
        if score is not None:
            rerank(selection=outcome.selection, outcome=outcome, score=score, by=by,
                   appeal=appeal)
            # A place free now (places and budget left) goes to the waitlist's first, which
            # is the appellant when its corrected score passes the line.
            from kbridge.selection.services import selection as selection_services
            from kbridge.selection.services import waitlist

            selection_services.refresh_cutoff(outcome.selection)
            waitlist.offer_next(outcome.selection, by)
        link = absolute(reverse("selection:appeal", args=[application.pk]))
        for person in _applicant_recipients(appeal):
            _mail(person, appeal, "answered", link=link)
    return appeal


def _applicant_recipients(appeal: Appeal) -> list:
    people = [appeal.filed_by]
    profile = getattr(appeal.outcome.application.applicant, "profile", None)
    rep = getattr(profile, "representative", None) if profile else None
    if rep is not None and rep.pk != appeal.filed_by_id and rep.is_active:
        people.append(rep)
    return people


# --- re-ranking ---------------------------------------------------------------------------


def _ranks(outcomes) -> list[dict]:
    return [{"application": o.application_id, "rank": o.rank, "score": str(o.score),
             "status": o.status, "waitlist_position": o.waitlist_position}
            for o in sorted(outcomes, key=lambda o: (o.rank, o.application_id))]


OUTCOME_FIELDS = ["rank", "score", "status", "waitlist_position", "reason_code"]


def rerank(*, selection: Selection, outcome: Outcome, score: Decimal, by,
           appeal: Appeal | None = None) -> list[Outcome]:
    """Give ``outcome`` the corrected final ``score`` and re-rank its track's selection.

    With the selection row locked (``select_for_update``): every outcome gets its competition
    rank by score (1 + the number of outcomes with a higher score; equal scores share a rank);
    the order within equal scores stays as the tie rule left it (earlier rank first). Nobody
    loses a place already given: selected stay selected, waitlisted stay waitlisted, dropped
    stay dropped. A not-selected appellant (left out by rank, budget or lot) joins the waitlist
    when its place in the waitlist's rank order is within ``policy.waitlist_length``; waitlist
    positions are then renumbered 1… in rank order. No place above the quota is created: an
    appellant ranking above the line waits first in line for the next place that frees up.
    The appellant's ``reason_code`` becomes ``appeal_upheld``.

    Audit: ``selection.reranked_after_appeal`` on the selection (``before``/``after``: every
    outcome's application, rank, score, status and waitlist position) and
    ``selection.outcome_reranked`` for each outcome that changed. Returns the outcomes, best
    first.
    """
    with transaction.atomic():
        Selection.objects.select_for_update().filter(pk=selection.pk).get()
        outcomes = list(Outcome.objects.select_for_update().filter(selection_id=selection.pk)
                        .order_by("rank", "application_id"))
        snapshots = {o.pk: audit.snapshot(o, OUTCOME_FIELDS) for o in outcomes}
        ranks_before = _ranks(outcomes)
        previous = {o.pk: (o.rank, o.application_id) for o in outcomes}
        appellant = next(o for o in outcomes if o.pk == outcome.pk)
        appellant.score = score
        order = sorted(outcomes, key=lambda o: (-o.score, previous[o.pk]))
        for o in outcomes:
            o.rank = 1 + sum(1 for other in outcomes if other.score > o.score)
        policy = SelectionPolicy.objects.filter(call_id=selection.track.call_id).first()
        length = policy.waitlist_length if policy else 0
        if (appellant.status == Outcome.Status.NOT_SELECTED
                and appellant.reason_code in WAITLISTABLE_REASONS):
            ahead = 0
            for o in order:
                if o is appellant:
                    break
                ahead += o.status == Outcome.Status.WAITLISTED
            if ahead + 1 <= length:
                appellant.status = Outcome.Status.WAITLISTED
        position = 1
        for o in order:
            if o.status == Outcome.Status.WAITLISTED:
                o.waitlist_position = position
                position += 1
            else:
                o.waitlist_position = None
        appellant.reason_code = "appeal_upheld"
        tenant = selection.track.call.program.operator_id
        for o in outcomes:
            after = audit.snapshot(o, OUTCOME_FIELDS)
            if after != snapshots[o.pk]:
                o.save(update_fields=[*OUTCOME_FIELDS, "updated_at"])
                changed_before, changed_after = audit.diff(snapshots[o.pk], after)
                audit.record("selection.outcome_reranked", o, before=changed_before,
                             after={**changed_after, **({"appeal": appeal.pk} if appeal else {})},
                             actor=by, tenant_id=tenant)
        audit.record("selection.reranked_after_appeal", selection,
                     before={"ranks": ranks_before},
                     after={"ranks": _ranks(outcomes),
                            "appeal": appeal.pk if appeal else None,
                            "application": appellant.application_id,
                            "corrected_score": str(score)},
                     actor=by, tenant_id=tenant)
    return order


# --- reads --------------------------------------------------------------------------------


def appeals_for_operator(user):
    """The appeals of the programs the user's agencies run, newest first, with what the list
    shows (application, company, track, call, handler) in one query."""
    from kbridge.accounts.tenancy import agency_ids

    return (Appeal.objects.filter(
        outcome__selection__track__call__program__operator_id__in=agency_ids(user))
        .select_related("outcome__application__applicant", "outcome__selection__track__call",
                        "outcome__selection__track__partner__organisation", "handler")
        .order_by("-created_at", "-id"))


def appeals_of_outcome(outcome: Outcome):
    return (outcome.appeals.select_related("handler")
            .prefetch_related("criteria_cited").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class CriterionRow:
    """One criterion of the stage for the appeal's review: each evaluator's level (in the
    anonymised order of the applicant's page) and their mean."""

    criterion: Criterion
    levels: list
    mean: float | None


@dataclass(frozen=True)
class Review:
    """What the handler reads: the selection stage's feedback (anonymised reasons) and the
    scores per criterion."""

    stage: object
    feedback: object  # evaluation.ranking.StageFeedback or None
    rows: list[CriterionRow]


def review_of(appeal: Appeal) -> Review:
    """The application's scores per criterion and the evaluators' anonymised reasons in the
    outcome's selection stage (``evaluation.ranking.feedback_for_applicant``)."""
    from kbridge.evaluation.ranking import feedback_for_applicant

    stage = appeal.outcome.selection.stage
    feedback = next((f for f in feedback_for_applicant(appeal.outcome.application)
                     if f.stage.pk == stage.pk), None)
    criteria = list(stage.criteria.order_by("position", "pk"))
    rows = []
    for criterion in criteria:
        levels = []
        for reasons in (feedback.reasons if feedback else []):
            level = next((s.level for s in reasons.scores if s.criterion_id == criterion.pk),
                         None)
            levels.append(level)
        given = [lv for lv in levels if lv is not None]
        rows.append(CriterionRow(criterion, levels,
                                 round(sum(given) / len(given), 2) if given else None))
    return Review(stage, feedback, rows)
