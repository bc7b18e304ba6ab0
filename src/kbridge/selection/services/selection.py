"""The selection of a track: propose from the ranking, adjust awards, draw at the line, confirm.

The decision runs the pure engine (:func:`kbridge.engine.selection.plan`, rules in
docs/selection.md) over the final evaluation stage's scores as they stand:

* the **final stage** is the call's presentation evaluation when it has one, else its
  document evaluation; it must have ended (scores locked);
* each application's **score** is the trimmed mean of its counted scoresheets (submitted, no
  conflict of interest in force: ``evaluation.ranking``), its **interval** mean ± 1.96·sd/√n
  of the evaluators' totals (for the lottery at the line), its **tie score** the mean level
  on the call's tie-break criterion;
* **eligibility** is re-checked now: withdrawn applications are out; a match in an imported
  selection list of another program makes the application ineligible for duplicate funding
  when the track excludes it (``services.eligibility``);
* **limits**: the track's places (``Track.quota``), the per-award cap
  (``Track.funding_cap_krw``), the track's budget (``Selection.budget_krw``) and what the
  program's budget (``Program.budget_krw``) has left after the other tracks' confirmed
  selections.

When the plan needs a draw (a tie at the last place, or the lottery at the line), the
operator commits one (the seed's SHA-256 is published at once), then draws it (the seed is
published; ``kbridge-lottery`` re-runs it from the published JSON), and proposes again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.accounts.models import User
from kbridge.applications.models import Application, Submission
from kbridge.core import audit
from kbridge.core.money import amount_text as format_won
from kbridge.core.text import clean_text, count_chars
from kbridge.engine import lottery
from kbridge.engine.selection import Candidate, Limits, Plan, interval, plan
from kbridge.evaluation.models import Criterion, Score, Stage
from kbridge.evaluation.ranking import counted_scoresheets
from kbridge.programs.models import Call, Track
from kbridge.selection.models import LotteryDraw, Outcome, Selection
from kbridge.selection.services import eligibility
from kbridge.selection.services.policy import policy_of

AWARD_REASON_MIN_CHARS = 10
AWARD_REASON_MAX_CHARS = 500


class SelectionError(ValidationError):
    """A refused selection step; ``messages`` say why, translated."""


def final_stage(call: Call) -> Stage | None:
    """The stage whose ranking decides: the presentation evaluation, else the document one."""
    stages = {s.kind: s for s in Stage.objects.filter(call=call)}
    return stages.get(Stage.Kind.PRESENTATION) or stages.get(Stage.Kind.DOCUMENT)


def receipt_numbers(application_ids) -> dict[int, str]:
    """Application id → the receipt number of its latest submission (one query)."""
    numbers: dict[int, str] = {}
    for app_id, number in (Submission.objects.filter(application_id__in=application_ids)
                           .order_by("application_id", "number")
                           .values_list("application_id", "receipt_number")):
        numbers[app_id] = number
    return numbers


@dataclass
class Standing:
    """Everything the track's selection page shows next to the plan."""

    track: Track
    stage: Stage
    applications: dict[int, Application]
    candidates: list[Candidate]
    checks: dict[int, eligibility.FundingCheck]
    limits: Limits
    plan: Plan
    program_left_krw: int
    receipts: dict[int, str] = field(default_factory=dict)
    tie_criterion: Criterion | None = None


def _tie_criterion(stage: Stage, name: str) -> Criterion | None:
    name = (name or "").strip().casefold()
    if not name:
        return None
    for criterion in stage.criteria.all():
        if name in {criterion.title_ko.strip().casefold(), criterion.title_en.strip().casefold()}:
            return criterion
    return None


def _program_left(track: Track, selection: Selection | None) -> int:
    """What the program's budget has left after the other tracks' confirmed selections."""
    program = track.call.program
    used = (Outcome.objects.filter(selection__track__call__program=program,
                                   selection__status=Selection.Status.CONFIRMED,
                                   status=Outcome.Status.SELECTED)
            .exclude(selection__track=track).aggregate(total=Sum("award_krw"))["total"] or 0)
    return max(0, program.budget_krw - used)


def standing(track: Track, *, selection: Selection | None = None,
             draw: LotteryDraw | None = None) -> Standing:
    """The plan for ``track`` as the data stand now (reads only). Raises SelectionError when
    the call has no evaluation stage or it has not ended."""
    stage = final_stage(track.call)
    if stage is None:
        raise SelectionError(_("This call has no evaluation yet: nothing to select from."))
    if not stage.has_ended():
        raise SelectionError(_("The evaluation has not ended: scores may still change."))
    policy = policy_of(track.call)
    sheets = list(counted_scoresheets().filter(
        assignment__stage=stage, assignment__application__track=track, total__isnull=False)
        .values_list("pk", "assignment__application_id", "total"))
    totals: dict[int, list[float]] = defaultdict(list)
    for _pk, app_id, total in sheets:
        totals[app_id].append(float(total))
    applications = {a.pk: a for a in Application.objects.filter(pk__in=totals)
                    .select_related("applicant", "track", "program")}
    tie = _tie_criterion(stage, policy.tie_break_criterion)
    tie_scores: dict[int, float] = {}
    if tie is not None:
        tie_scores = {row["scoresheet__assignment__application_id"]: float(row["mean"])
                      for row in Score.objects.filter(
                          scoresheet_id__in=[pk for pk, _a, _t in sheets], criterion=tie,
                          level__isnull=False)
                      .values("scoresheet__assignment__application_id")
                      .annotate(mean=Avg("level")).order_by()}
    checks = eligibility.check_applications(list(applications.values()))
    candidates = []
    for app_id, values in sorted(totals.items()):
        application = applications[app_id]
        ordered = sorted(values)
        trimmed = ordered[1:-1] if len(ordered) >= 5 else ordered
        score = round(sum(trimmed) / len(trimmed), 2)
        eligible = (application.status != Application.Status.WITHDRAWN
                    and not checks[app_id].ineligible)
        candidates.append(Candidate(key=str(app_id), score=score,
                                    tie_score=tie_scores.get(app_id),
                                    interval=interval(values), eligible=eligible))
    program_left = _program_left(track, selection)
    budget = selection.budget_krw if selection else track.quota * track.funding_cap_krw
    limits = Limits(places=track.quota, cap_krw=track.funding_cap_krw,
                    budget_krw=min(budget, program_left),
                    waitlist_length=policy.waitlist_length)
    receipts = receipt_numbers(list(applications))
    lottery_order = None
    if draw is not None and draw.drawn_at is not None:
        by_receipt = {receipts.get(pk): str(pk) for pk in applications}
        lottery_order = [by_receipt[r] for r in lottery.order(draw.seed, draw.entrants)
                         if r in by_receipt]
    result = plan(candidates, limits, lottery_at_line=policy.lottery_at_line,
                  lottery_order=lottery_order)
    return Standing(track, stage, applications, candidates, checks, limits, result,
                    program_left, receipts, tie)


def _score(candidate: Candidate) -> Decimal:
    return Decimal(str(candidate.score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _latest_draw(selection: Selection) -> LotteryDraw | None:
    return selection.draws.order_by("-created_at", "-pk").first()


def _entrants_of(s: Standing) -> list[str]:
    return sorted(s.receipts[int(k)] for k in s.plan.lottery.entrants) if s.plan.lottery else []


@transaction.atomic
def propose(*, track: Track, by: User, budget_krw: int | None = None) -> Selection:
    """Write the plan as the track's draft selection (outcomes replaced). Refused once the
    selection is confirmed. ``budget_krw`` sets the track's budget (default places × cap).
    A drawn lottery whose entrants are still the ones at the line is applied."""
    selection = Selection.objects.select_for_update().filter(track=track).first()
    if selection and selection.is_confirmed:
        raise SelectionError(_("The selection is confirmed: it can no longer be proposed "
                               "again."))
    stage = final_stage(track.call)
    if selection is None:
        if stage is None:
            raise SelectionError(_("This call has no evaluation yet: nothing to select "
                                   "from."))
        selection = Selection(track=track, stage=stage, created_by=by,
                              budget_krw=track.quota * track.funding_cap_krw)
    if budget_krw is not None:
        if budget_krw < 0:
            raise SelectionError(_("The budget cannot be negative."))
        selection.budget_krw = budget_krw
    selection.stage = stage or selection.stage
    selection.save()
    draw = _latest_draw(selection)
    current = standing(track, selection=selection)
    if draw is not None and draw.drawn_at is not None and \
            sorted(draw.entrants) == _entrants_of(current):
        current = standing(track, selection=selection, draw=draw)
    _write_outcomes(selection, current)
    audit.record("selection.proposed", selection, after={
        "selected": len(current.plan.selected), "waitlist": len(current.plan.waitlist),
        "budget_krw": selection.budget_krw,
        "lottery_pending": bool(current.plan.lottery)}, actor=by)
    return selection


def _write_outcomes(selection: Selection, s: Standing) -> None:
    p = s.plan
    Outcome.objects.filter(selection=selection).delete()
    by_key = {c.key: c for c in s.candidates}
    rank_after = max(p.ranks.values(), default=0)
    waitlist = {k: i for i, k in enumerate(p.waitlist, 1)}
    rows = []
    for key, candidate in by_key.items():
        if key in p.awards:
            status, award = Outcome.Status.SELECTED, p.awards[key]
        elif key in waitlist:
            status, award = Outcome.Status.WAITLISTED, None
        else:
            status, award = Outcome.Status.NOT_SELECTED, None
        reason = p.reasons.get(key, "below_line")
        rows.append(Outcome(selection=selection, application_id=int(key),
                            rank=p.ranks.get(key) or rank_after + 1, score=_score(candidate),
                            status=status, reason_code=reason, award_krw=award,
                            waitlist_position=waitlist.get(key)))
    Outcome.objects.bulk_create(rows)
    selection.cutoff_score = (Decimal(str(p.cutoff)).quantize(Decimal("0.01"))
                              if p.cutoff is not None else None)
    selection.save(update_fields=["cutoff_score", "updated_at"])


@transaction.atomic
def set_award(*, outcome: Outcome, by: User, amount_krw: int, reason: str) -> Outcome:
    """Change a selected outcome's award in a draft selection, with a written reason.
    Raises SelectionError: not selected, confirmed, over the cap, over the track's budget."""
    selection = Selection.objects.select_for_update().get(pk=outcome.selection_id)
    outcome = Outcome.objects.get(pk=outcome.pk)
    reason = clean_text(reason or "")
    problems = []
    if selection.is_confirmed:
        problems.append(_("The selection is confirmed: awards can no longer change."))
    if outcome.status != Outcome.Status.SELECTED:
        problems.append(_("Only a selected application has an award."))
    cap = selection.track.funding_cap_krw
    if amount_krw <= 0 or amount_krw > cap:
        problems.append(_("The award must be more than ₩0 and at most the cap of "
                          "%(cap)s.") % {"cap": format_won(cap)})
    if not AWARD_REASON_MIN_CHARS <= count_chars(reason) <= AWARD_REASON_MAX_CHARS:
        problems.append(_("Write why the award changes, in %(min)s to %(max)s characters.")
                        % {"min": AWARD_REASON_MIN_CHARS, "max": AWARD_REASON_MAX_CHARS})
    others = (Outcome.objects.filter(selection=selection, status=Outcome.Status.SELECTED)
              .exclude(pk=outcome.pk).aggregate(total=Sum("award_krw"))["total"] or 0)
    limit = min(selection.budget_krw, _program_left(selection.track, selection))
    if not problems and others + amount_krw > limit:
        problems.append(_("Over budget: the awards would total %(total)s, the budget left is "
                          "%(budget)s.") % {"total": format_won(others + amount_krw),
                                            "budget": format_won(limit)})
    if problems:
        raise SelectionError(problems)
    before = outcome.award_krw
    outcome.award_krw, outcome.detail = amount_krw, reason
    outcome.save(update_fields=["award_krw", "detail", "updated_at"])
    audit.record("selection.award_changed", outcome, before={"award_krw": before},
                 after={"award_krw": amount_krw, "reason": reason}, actor=by)
    return outcome


def budget_problems(selection: Selection) -> list[str]:
    """Why the selection's awards do not fit (empty when they do)."""
    track = selection.track
    outcomes = list(Outcome.objects.filter(selection=selection, status=Outcome.Status.SELECTED))
    total = sum(o.award_krw or 0 for o in outcomes)
    problems = []
    if len(outcomes) > track.quota:
        problems.append(_("%(n)s applications are selected; the track has %(places)s "
                          "places.") % {"n": len(outcomes), "places": track.quota})
    if total > selection.budget_krw:
        problems.append(_("Over budget: the awards total %(total)s, the track's budget is "
                          "%(budget)s.") % {"total": format_won(total),
                                            "budget": format_won(selection.budget_krw)})
    left = _program_left(track, selection)
    if total > left:
        problems.append(_("Over the program's budget: the awards total %(total)s, the "
                          "program has %(left)s left after the other tracks.")
                        % {"total": format_won(total), "left": format_won(left)})
    if any((o.award_krw or 0) > track.funding_cap_krw for o in outcomes):
        problems.append(_("An award is above the cap of %(cap)s.")
                        % {"cap": format_won(track.funding_cap_krw)})
    return problems


@transaction.atomic
def confirm(*, selection: Selection, by: User, now: datetime | None = None) -> Selection:
    """Confirm the draft selection. Re-checks, at this instant: quota and budgets, a pending
    draw, the final stage still ended, and duplicate funding of every selected application
    (a new import since the proposal refuses until proposed again). Raises SelectionError."""
    now = now or timezone.now()
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.is_confirmed:
        return selection  # a second click
    problems = budget_problems(selection)
    outcomes = list(Outcome.objects.filter(selection=selection).select_related(
        "application__track"))
    if not outcomes:
        problems.append(_("Propose the selection first."))
    if any(o.reason_code == "lottery_pending" for o in outcomes):
        problems.append(_("A draw at the funding line is still to be made."))
    selected = [o.application for o in outcomes if o.status == Outcome.Status.SELECTED]
    checks = eligibility.check_applications(selected)
    flagged = [a for a in selected if checks[a.pk].ineligible
               or a.status == Application.Status.WITHDRAWN]
    if flagged:
        problems.append(_("Selected applications are no longer eligible (duplicate funding "
                          "or withdrawn): %(names)s. Propose the selection again.")
                        % {"names": ", ".join(str(a.applicant) for a in flagged)})
    policy = policy_of(selection.track.call)
    if policy.announcement_at is None:
        problems.append(_("Set the announcement instant in the call's selection rules "
                          "first."))
    if problems:
        raise SelectionError(problems)
    selection.status = Selection.Status.CONFIRMED
    selection.confirmed_by, selection.confirmed_at = by, now
    selection.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    audit.record("selection.confirmed", selection, after={
        "selected": len(selected),
        "awards_krw": sum(o.award_krw or 0 for o in outcomes
                          if o.status == Outcome.Status.SELECTED)}, actor=by)
    _schedule_announcement(selection)
    return selection


def _schedule_announcement(selection: Selection) -> None:
    """The result e-mails at the announcement instant (services.results, when present)."""
    try:
        from kbridge.selection.services import results
    except ImportError:  # pragma: no cover - the results area is optional at this layer
        return
    schedule = getattr(results, "schedule_announcement", None)
    if schedule is not None:
        transaction.on_commit(lambda: schedule(selection))


# --- the lottery at the funding line --------------------------------------------------------


@transaction.atomic
def commit_draw(*, selection: Selection, by: User) -> LotteryDraw:
    """Commit a draw for the plan's lottery: a fresh seed, kept secret; its SHA-256, the
    entrants (receipt numbers, sorted) and the places are published at once. Raises
    SelectionError when the plan needs no draw or the selection is confirmed."""
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.is_confirmed:
        raise SelectionError(_("The selection is confirmed."))
    current = standing(selection.track, selection=selection)
    if current.plan.lottery is None:
        raise SelectionError(_("No draw is needed: the scores decide every place."))
    pending = selection.draws.filter(drawn_at__isnull=True).first()
    entrants = _entrants_of(current)
    if pending is not None and pending.entrants == entrants:
        return pending
    seed = lottery.new_seed()
    draw = LotteryDraw.objects.create(selection=selection, entrants=entrants,
                                      places=current.plan.lottery.places,
                                      seed_sha256=lottery.commitment(seed), seed=seed,
                                      committed_by=by)
    audit.record("selection.draw_committed", draw, after={
        "entrants": entrants, "places": draw.places, "seed_sha256": draw.seed_sha256},
        actor=by)
    return draw


@transaction.atomic
def run_draw(*, draw: LotteryDraw, by: User, now: datetime | None = None) -> LotteryDraw:
    """Draw a committed lottery (the seed becomes public) and propose the selection again
    with its result. A second call returns the same draw."""
    draw = LotteryDraw.objects.select_for_update().get(pk=draw.pk)
    if draw.drawn_at is not None:
        return draw
    if draw.selection.is_confirmed:
        raise SelectionError(_("The selection is confirmed."))
    draw.winners = lottery.draw(draw.seed, draw.entrants, draw.places)
    draw.drawn_at = now or timezone.now()
    draw.save(update_fields=["winners", "drawn_at", "updated_at"])
    audit.record("selection.drawn", draw, after={"seed": draw.seed, "winners": draw.winners},
                 actor=by)
    propose(track=draw.selection.track, by=by)
    return draw


def published_draw(draw: LotteryDraw) -> dict:
    """The JSON the public page gives (what ``kbridge-lottery --entrants-file`` reads): the
    seed only once drawn."""
    return {"entrants": draw.entrants, "places": draw.places,
            "seed_sha256": draw.seed_sha256,
            "seed": draw.seed if draw.drawn_at else None,
            "winners": draw.winners if draw.drawn_at else None,
            "committed_at": draw.created_at.isoformat(),
            "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None}


def refresh_cutoff(selection: Selection) -> Selection:
    """Set the cut-off to the lowest final score among the selected outcomes as they stand
    (after a drop-out, a promotion from the waitlist or a re-ranking after an appeal), so
    result pages never show the score of a startup that has left. The caller holds the
    selection's lock."""
    lowest = (Outcome.objects.filter(selection=selection, status=Outcome.Status.SELECTED)
              .order_by("score").values_list("score", flat=True).first())
    if lowest != selection.cutoff_score:
        selection.cutoff_score = lowest
        selection.save(update_fields=["cutoff_score", "updated_at"])
    return selection
