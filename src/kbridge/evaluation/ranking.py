"""Reads for the ranking of a stage and for the feedback on evaluators' reasons.

The ranking runs the aggregation engine (:func:`kbridge.engine.evaluation.aggregate`, rules
and sources in docs/evaluation-aggregation.md) over the stage's scores as they stand:

* only **submitted** scoresheets count, each with its weighted total ``Scoresheet.total``
  (0–100, computed at submission);
* a scoresheet whose pair (evaluator, application) has a **conflict of interest in force** does
  not count, even if it was submitted before the conflict was raised: the conflicted evaluator
  never appears for that application, here, in the export or on the applicant's page;
* the page sorts by one measure, the **trimmed mean** unless the operator picks another: the
  real program's rule (drop the highest and the lowest score when there are at least five,
  issue 13 item 7); the mean and the normalised score are shown beside it with their ranks.

Feedback (issue 13, item 8): applicants read the written reasons of their application's
counted scoresheets once the stage has ended, anonymised as "Evaluator 1…n", and rate each
scoresheet's reasons 1–5 while the rating window is open (``RATING_WINDOW_DAYS`` after the
stage ended). Operators see ratings only per evaluator, averaged over at least
``ReasonRating.MIN_RATINGS_SHOWN`` of them, and only once the window has closed, so that
ratings no longer change and a new one cannot be read off the difference of two averages.

Every read costs a fixed number of queries, whatever the number of applications.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from kbridge.applications.models import Application
from kbridge.engine.evaluation import (
    MEASURES,
    ApplicationResult,
    EvaluatorResult,
    Measure,
    aggregate,
)
from kbridge.evaluation.models import (
    Assignment,
    Conflict,
    ReasonRating,
    Score,
    Scoresheet,
    Stage,
)

#: The measure the ranking sorts by unless the operator picks another: the program's rule.
DEFAULT_MEASURE: Measure = "trimmed_mean"
#: Days after a stage ended during which applicants may rate (and re-rate) the reasons. Two
#: weeks: the usual period for an appeal (이의신청) after a result is announced in Korea's
#: startup programs, when applicants read the reasons anyway. Afterwards ratings are final.
RATING_WINDOW_DAYS = 14


def measure_from(value: str | None) -> Measure:
    """The measure named by a query parameter; the default for anything else."""
    return value if value in MEASURES else DEFAULT_MEASURE  # type: ignore[return-value]


def conflict_in_force(evaluator_ref: str = "evaluator_id",
                      application_ref: str = "application_id") -> Exists:
    """``Exists`` of an in-force conflict for the pair named by two outer references."""
    return Exists(Conflict.objects.filter(
        evaluator_id=OuterRef(evaluator_ref), application_id=OuterRef(application_ref),
        overridden_at__isnull=True))


def stage_ended_at(stage: Stage) -> datetime:
    """When the stage ended (or will end): closed early, else the end of its window (UTC)."""
    if stage.closed_at is not None and stage.closed_at < stage.closes_at:
        return stage.closed_at
    return stage.closes_at


def rating_closes_at(stage: Stage) -> datetime:
    return stage_ended_at(stage) + timedelta(days=RATING_WINDOW_DAYS)


def rating_window_is_open(stage: Stage, now: datetime | None = None) -> bool:
    """The stage has ended and the rating window has not closed yet."""
    now = now or timezone.now()
    return stage.has_ended(now) and now < rating_closes_at(stage)


# --- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedApplication:
    """One application of the stage: its counted and assigned scoresheets, and its result
    (None while none of its scoresheets counts)."""

    application: object
    assigned: int
    result: ApplicationResult | None

    @property
    def submitted(self) -> int:
        return self.result.n if self.result else 0

    def place(self, measure: Measure) -> str:
        """The rank as shown: "3", "=2" when tied, "" when unranked."""
        if self.result is None or self.result.ranks.of(measure) is None:
            return ""
        rank = self.result.ranks.of(measure)
        return f"={rank}" if self.result.ranks.tied(measure) else str(rank)

    @property
    def places(self) -> dict[str, str]:
        return {m: self.place(m) for m in MEASURES}

    @cached_property
    def shown(self) -> dict[str, str]:
        """The scores as the page shows them (2 decimals; the range and its ends 1), formatted
        once here: a template filter per cell costs seconds at 2,000 applications."""
        r = self.result
        if r is None:
            return {}
        return {"mean": f"{r.mean:.2f}", "trimmed_mean": f"{r.trimmed_mean:.2f}",
                "normalised": "—" if r.normalised is None else f"{r.normalised:.2f}",
                "range": f"{r.range:.1f}", "minimum": f"{r.minimum:.1f}",
                "maximum": f"{r.maximum:.1f}"}

    def sort_key(self, measure: Measure) -> tuple:
        ranks = self.result.ranks if self.result else None
        order = [measure, *(m for m in ("trimmed_mean", "mean", "normalised") if m != measure)]
        key: list = []
        for m in order:
            rank = ranks.of(m) if ranks else None
            key += [rank is None, rank or 0]
        return (*key, self.application.pk)


@dataclass(frozen=True)
class TrackRanking:
    track: object
    rows: list[RankedApplication]


@dataclass(frozen=True)
class RatingSummary:
    """Applicants' ratings of one evaluator's reasons: shown only when ``shown``."""

    count: int
    mean: float | None
    final: bool

    @property
    def shown(self) -> bool:
        return self.final and self.count >= ReasonRating.MIN_RATINGS_SHOWN


@dataclass(frozen=True)
class EvaluatorRow:
    user: object
    assigned: int
    submitted: int
    result: EvaluatorResult | None
    ratings: RatingSummary

    @property
    def deviation_points(self) -> float | None:
        """How far from the others, in points, as shown (absolute, 1 decimal)."""
        deviation = self.result.deviation if self.result else None
        return None if deviation is None else round(abs(deviation), 1)

    @property
    def deviation_direction(self) -> str:
        """"below", "above" or "level" (within 0.05 points) of the other evaluators."""
        points = self.deviation_points
        if points is None or points == 0:
            return "level"
        return "below" if self.result.deviation < 0 else "above"

    @property
    def affiliation(self):
        profile = getattr(self.user, "evaluator_profile", None)
        return profile.affiliation if profile else None


@dataclass(frozen=True)
class StageRanking:
    """The ranking page of a stage (and its export): tracks in the call's order, each with
    its applications best first by ``measure``; the evaluators by name."""

    stage: Stage
    measure: Measure
    tracks: list[TrackRanking]
    evaluators: list[EvaluatorRow]
    excluded_conflicted: int
    rating_closes_at: datetime
    parameters: dict = field(default_factory=dict)

    def rows(self) -> Iterator[tuple[object, RankedApplication]]:
        for track in self.tracks:
            for row in track.rows:
                yield track.track, row


def _stage_pairs(stage: Stage):
    """(application id, evaluator id, conflicted, scoresheet status, total) of every
    assignment of the stage: plain tuples, not model instances (10,000 pairs at 2,000
    applications × 5 evaluators)."""
    return (Assignment.objects.filter(stage=stage)
            .annotate(conflicted=conflict_in_force())
            .order_by("pk")
            .values_list("application_id", "evaluator_id", "conflicted", "scoresheet__status",
                         "scoresheet__total"))


def _rating_summaries(stage: Stage, final: bool) -> dict[int, RatingSummary]:
    rows = (ReasonRating.objects
            .filter(scoresheet__assignment__stage=stage,
                    scoresheet__status=Scoresheet.Status.SUBMITTED)
            .filter(~conflict_in_force("scoresheet__assignment__evaluator_id",
                                       "scoresheet__assignment__application_id"))
            .values("scoresheet__assignment__evaluator_id")
            .annotate(count=Count("pk"), mean=Avg("usefulness"))
            .order_by())
    return {r["scoresheet__assignment__evaluator_id"]: RatingSummary(
        r["count"], float(r["mean"]) if r["mean"] is not None else None, final) for r in rows}


def stage_ranking(stage: Stage, *, measure: Measure = DEFAULT_MEASURE) -> StageRanking:
    """The ranking of ``stage`` (an operator's: the caller checked ``manage_stage``).

    Five queries: the stage's pairs (scoresheet status and total, whether the pair is
    conflicted), the call's tracks, the applications, the evaluators, and the ratings per
    evaluator.
    """
    pairs = list(_stage_pairs(stage))
    tracks = list(stage.call.tracks.select_related("partner__organisation").order_by(
        "position", "pk"))
    records, track_of = [], {}
    assigned: dict[int, int] = defaultdict(int)
    per_evaluator: dict[int, dict] = {}
    excluded = 0
    for application_id, evaluator_id, conflicted, status, total in pairs:
        counted = status == Scoresheet.Status.SUBMITTED and total is not None
        if conflicted:
            excluded += int(counted)
            continue
        track_of[application_id] = None
        assigned[application_id] += 1
        row = per_evaluator.setdefault(evaluator_id, {"assigned": 0, "submitted": 0})
        row["assigned"] += 1
        if counted:
            row["submitted"] += 1
            records.append((application_id, evaluator_id, total))
    in_stage = Assignment.objects.filter(stage=stage)
    applications = {a.pk: a for a in (
        Application.objects.filter(pk__in=in_stage.values("application_id"))
        .select_related("applicant").only("id", "track_id", "applicant__id",
                                          "applicant__name_ko", "applicant__name_en"))}
    users = {u.pk: u for u in (
        get_user_model().objects.filter(pk__in=in_stage.values("evaluator_id"))
        .select_related("evaluator_profile__affiliation"))}
    for application_id in track_of:
        track_of[application_id] = applications[application_id].track_id
    # Tracks in the call's order (the engine orders its results by first appearance).
    track_order = list(dict.fromkeys([t.pk for t in tracks] + list(track_of.values())))
    position = {pk: i for i, pk in enumerate(track_order)}
    result = (aggregate(records, dict(sorted(track_of.items(), key=lambda i: position[i[1]])))
              if records else None)
    scored = {r.application_id for r in result.applications} if result else set()
    by_track: dict[int, list[RankedApplication]] = defaultdict(list)
    for pk in track_of:
        application = applications[pk]
        app_result = result.application(pk) if pk in scored else None
        by_track[application.track_id].append(RankedApplication(application, assigned[pk],
                                                                app_result))
    track_objects = {t.pk: t for t in tracks}
    track_rankings = []
    for pk in track_order:
        rows = by_track.get(pk)
        if not rows:
            continue
        track = track_objects.get(pk) or rows[0].application.track
        track_rankings.append(TrackRanking(track, sorted(rows, key=lambda r: r.sort_key(measure))))
    final = timezone.now() >= rating_closes_at(stage)
    summaries = _rating_summaries(stage, final)
    evaluator_results = {e.evaluator_id: e for e in result.evaluators} if result else {}
    evaluators = sorted(
        (EvaluatorRow(users[pk], row["assigned"], row["submitted"],
                      evaluator_results.get(pk),
                      summaries.get(pk, RatingSummary(0, None, final)))
         for pk, row in per_evaluator.items()),
        key=lambda e: (str(e.user).casefold(), e.user.pk))
    return StageRanking(stage, measure, track_rankings, evaluators, excluded,
                        rating_closes_at(stage),
                        result.parameters.to_dict() if result else {})


# --- feedback ------------------------------------------------------------------------------


def counted_scoresheets() -> QuerySet[Scoresheet]:
    """Submitted scoresheets whose pair has no conflict of interest in force."""
    return (Scoresheet.objects.filter(status=Scoresheet.Status.SUBMITTED)
            .filter(~conflict_in_force("assignment__evaluator_id",
                                       "assignment__application_id")))


#: Functions ``now -> Q`` over Scoresheet naming scoresheets whose reasons the applicant may
#: not read yet, though their stage has ended. Apps above register theirs from ``ready()``
#: (selection: the deciding stage's reasons wait for the announcement of the results).
REASON_HOLDS: list[Callable[[datetime], Q]] = []


def _published(application_id: int, now: datetime) -> QuerySet[Scoresheet]:
    """The application's counted scoresheets in stages that have ended (and held by no app
    above, ``REASON_HOLDS``)."""
    sheets = counted_scoresheets().filter(
        Q(assignment__stage__closed_at__isnull=False) | Q(assignment__stage__closes_at__lte=now),
        assignment__application_id=application_id)
    for hold in REASON_HOLDS:
        sheets = sheets.exclude(hold(now))
    return sheets


def has_published_reasons(application_id: int) -> bool:
    """Whether the applicant's evaluation page has anything to show (one query)."""
    return _published(application_id, timezone.now()).exists()


def _anonymous_order(scoresheet_id: int) -> bytes:
    """A fixed order of a stage's scoresheets that says nothing about who wrote them or when
    (not the order of assignment or submission): a keyed hash of the scoresheet's id."""
    return hmac.new(settings.SECRET_KEY.encode(), f"reasons:{scoresheet_id}".encode(),
                    hashlib.sha256).digest()


@dataclass(frozen=True)
class PublishedReasons:
    """One evaluator's reasons as the applicant reads them: "Evaluator ``number``"."""

    number: int
    scoresheet: Scoresheet
    scores: list[Score]
    rating: ReasonRating | None


@dataclass(frozen=True)
class StageFeedback:
    stage: Stage
    reasons: list[PublishedReasons]
    rating_open: bool
    rating_closes_at: datetime


def feedback_for_applicant(application) -> list[StageFeedback]:
    """The written reasons of ``application``'s counted scoresheets, per ended stage (in the
    order the stages ran), anonymised: no evaluator, no affiliation, no level or total — only
    the criterion and its reason. The caller checked the user belongs to the applicant.
    Two queries."""
    now = timezone.now()
    sheets = (_published(application.pk, now)
              .select_related("assignment__stage", "rating")
              .prefetch_related(Prefetch("scores", Score.objects.select_related("criterion")
                                         .order_by("criterion__position", "criterion_id"))))
    by_stage: dict[int, list[Scoresheet]] = defaultdict(list)
    stages: dict[int, Stage] = {}
    for sheet in sheets:
        stage = sheet.assignment.stage
        stages[stage.pk] = stage
        by_stage[stage.pk].append(sheet)
    result = []
    for stage in sorted(stages.values(), key=lambda s: (s.opens_at, s.pk)):
        ordered = sorted(by_stage[stage.pk], key=lambda s: _anonymous_order(s.pk))
        result.append(StageFeedback(
            stage,
            [PublishedReasons(i, s, list(s.scores.all()), getattr(s, "rating", None))
             for i, s in enumerate(ordered, start=1)],
            rating_window_is_open(stage, now), rating_closes_at(stage)))
    return result
