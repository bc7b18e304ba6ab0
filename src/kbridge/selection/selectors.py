"""Reads of selection, scoped to the requesting user (each area appends its own section).

Results (issue 14, item 4) and the partners' view (item 7) are described in
``services/results.py`` and docs/selection.md ("Results", "Partners").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from kbridge.accounts.tenancy import partner_organisation_ids
from kbridge.evaluation import ranking
from kbridge.evaluation.models import Shortlisted
from kbridge.programs.models import Call, Track
from kbridge.selection.models import Outcome, PartnerInterest, Selection, SelectionPolicy
from kbridge.selection.services.results import RankBand, is_announced, rank_band

# --- results -------------------------------------------------------------------------------

TWO_PLACES = Decimal("0.01")


def _two(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CriterionScore:
    """One rubric criterion as the applicant reads it: the mean level the counted evaluators
    gave (on the stage's scale ``scale_min``–``scale_max``) and the mean points it earned of
    its ``weight`` (``weight × (level − scale_min) / (scale_max − scale_min)``, the share it
    adds to the 0–100 total when the weights sum to 100), both to 2 decimals."""

    criterion: object
    weight: int
    mean_level: Decimal | None
    mean_points: Decimal | None
    evaluators: int


@dataclass(frozen=True)
class ApplicantResult:
    """The result page of one application (``result_for_applicant``).

    ``announced`` False: only ``announcement_at`` (may be None) is meaningful — nothing of the
    outcome is read. ``outcome`` None after the announcement: the application was not in the
    announced selection of its track."""

    announced: bool
    announcement_at: datetime | None
    outcome: Outcome | None = None
    selection: Selection | None = None
    band: RankBand | None = None
    ranked: int = 0
    criteria: list[CriterionScore] = field(default_factory=list)
    scale: tuple[int, int] | None = None
    reasons: list = field(default_factory=list)  # ranking.PublishedReasons, "Evaluator n"


def policy_of_call(call) -> SelectionPolicy | None:
    return SelectionPolicy.objects.filter(call=call).first()


def _criterion_scores(stage, reasons) -> list[CriterionScore]:
    """Per criterion of ``stage`` (rubric order), the mean level and points over the counted
    scoresheets in ``reasons`` (conflicted and draft ones are never among them)."""
    levels: dict[int, list[int]] = defaultdict(list)
    for published in reasons:
        for score in published.scores:
            if score.level is not None:
                levels[score.criterion_id].append(score.level)
    span = stage.scale_max - stage.scale_min
    result = []
    for criterion in stage.criteria.all():
        given = levels.get(criterion.pk, [])
        if given and span > 0:
            mean = sum(given) / len(given)
            points = criterion.weight * (mean - stage.scale_min) / span
            result.append(CriterionScore(criterion, criterion.weight, _two(mean), _two(points),
                                         len(given)))
        else:
            result.append(CriterionScore(criterion, criterion.weight, None, None, len(given)))
    return result


def result_for_applicant(application, now: datetime | None = None) -> ApplicantResult:
    """What the applicant's result page shows for ``application`` at ``now``.

    The caller checked the user belongs to the applicant (``selection.view_result``). Before
    the track's selection is announced nothing of the outcome is read beyond the call's
    announcement instant. After it: the outcome (decision, reason, award or waitlist
    position, final score), the track's cut-off, the rank band among the track's ranked
    applications, the mean level and points per criterion and the written reasons of the
    decided stage's counted scoresheets, anonymised as "Evaluator 1…n" in a keyed order
    (``evaluation.ranking.feedback_for_applicant``)."""
    now = now or timezone.now()
    policy = policy_of_call(application.call)
    at = policy.announcement_at if policy else None
    selection = (Selection.objects.filter(track_id=application.track_id)
                 .select_related("track__call__selection_policy", "stage").first())
    if not is_announced(selection, now):
        return ApplicantResult(False, at)
    outcome = Outcome.objects.filter(selection=selection, application=application).first()
    if outcome is None:
        return ApplicantResult(True, at, selection=selection)
    ranked = selection.outcomes.count()
    stage = selection.stage
    feedback = [f for f in ranking.feedback_for_applicant(application) if f.stage.pk == stage.pk]
    reasons = feedback[0].reasons if feedback else []
    return ApplicantResult(
        True, at, outcome, selection, rank_band(outcome.rank, ranked), ranked,
        _criterion_scores(stage, reasons), (stage.scale_min, stage.scale_max), reasons)


@dataclass(frozen=True)
class PublicTrack:
    track: Track
    shown: list[Outcome]  # selected and consented, by rank
    others: int           # selected, not consented


@dataclass(frozen=True)
class PublicResults:
    call: Call
    announcement_at: datetime
    tracks: list[PublicTrack]


def public_results(call_id: int, now: datetime | None = None) -> PublicResults | None:
    """The public results page of a published call: per track whose selection is announced,
    the selected startups that consented (by rank) and how many others were selected. None
    (the page answers 404) for a draft or unknown call or before any track is announced.
    Three queries, whatever the number of tracks."""
    now = now or timezone.now()
    call = (Call.objects.published().select_related("program", "selection_policy")
            .filter(pk=call_id).first())
    policy = getattr(call, "selection_policy", None) if call else None
    if call is None or policy is None or policy.announcement_at is None or (
            policy.announcement_at > now):
        return None
    selections = list(
        Selection.objects.filter(track__call=call, status=Selection.Status.CONFIRMED)
        .select_related("track__partner__organisation")
        .prefetch_related(Prefetch(
            "outcomes", Outcome.objects.filter(status=Outcome.Status.SELECTED)
            .select_related("application__applicant").order_by("rank", "application_id"),
            to_attr="selected"))
        .order_by("track__position", "track_id"))
    if not selections:
        return None
    tracks = []
    for selection in selections:
        shown = [o for o in selection.selected if o.publish_consent]
        tracks.append(PublicTrack(selection.track, shown, len(selection.selected) - len(shown)))
    return PublicResults(call, policy.announcement_at, tracks)


def public_results_version(call_id: int, now: datetime | None = None) -> str | None:
    """A fingerprint of what the public results page shows (for its ETag), or None when the
    page answers 404 (a draft or unknown call, not announced yet). Two queries."""
    from django.db.models import Max, Q

    now = now or timezone.now()
    policy = (SelectionPolicy.objects.filter(call_id=call_id,
                                             call__status=Call.Status.PUBLISHED)
              .values_list("announcement_at", "updated_at").first())
    if policy is None or policy[0] is None or policy[0] > now:
        return None
    row = Outcome.objects.filter(selection__track__call_id=call_id,
                                 selection__status=Selection.Status.CONFIRMED).aggregate(
        changed=Max("updated_at"), consented=Count("pk", filter=Q(publish_consent=True)),
        outcomes=Count("pk"), selections=Max("selection__updated_at"))
    if not row["outcomes"]:
        return None
    return "|".join(str(v) for v in (policy[1], *row.values()))


# --- partners ------------------------------------------------------------------------------


def tracks_for_partner(user) -> QuerySet[Track]:
    """The tracks of the partner companies ``user`` works for, newest call first, each with
    its ``selection`` (or none) — the partners' selection list."""
    return (Track.objects.filter(partner__organisation_id__in=partner_organisation_ids(user))
            .select_related("call__program", "partner__organisation", "selection",
                            "call__selection_policy")
            .order_by("-call__deadline_at", "position", "pk"))


@dataclass(frozen=True)
class PartnerTrackView:
    """A partner's page of one of its tracks: the shortlist of the track's latest stage with
    one (if any) and, once the selection is confirmed, the outcomes; the partner company's
    interests by application id."""

    track: Track
    selection: Selection | None
    shortlist: list[Shortlisted]
    outcomes: list[Outcome]
    interests: dict[int, PartnerInterest]

    @property
    def outcome_ids(self) -> set[int]:
        return {o.application_id for o in self.outcomes}

    @property
    def application_ids(self) -> set[int]:
        return {r.application_id for r in self.shortlist} | {
            o.application_id for o in self.outcomes}


def partner_track_view(track: Track, organisation_id: int) -> PartnerTrackView:
    """The partner page of ``track`` (the caller checked ``selection.view_partner_track``).
    Outcomes carry rank, score and status only; no evaluator is read. Five queries."""
    selection = Selection.objects.filter(track=track).first()
    stage_id = (Shortlisted.objects.filter(track=track).order_by("-stage__opens_at", "-stage_id")
                .values_list("stage_id", flat=True).first())
    shortlist = list(Shortlisted.objects.filter(track=track, stage_id=stage_id)
                     .select_related("application__applicant")
                     .order_by("rank", "application_id")) if stage_id else []
    outcomes = (list(selection.outcomes.select_related("application__applicant")
                     .order_by("rank", "application_id"))
                if selection is not None and selection.is_confirmed else [])
    interests = {i.application_id: i for i in PartnerInterest.objects.filter(
        application__track=track, organisation_id=organisation_id).select_related(
        "recorded_by")}
    return PartnerTrackView(track, selection, shortlist, outcomes, interests)


def partner_may_see_application(track: Track, application_id: int) -> bool:
    """Whether the application appears on the partner's page of ``track`` (shortlisted in
    the track, or decided in its confirmed selection): the applications a partner may
    record interest in."""
    return (Shortlisted.objects.filter(track=track, application_id=application_id).exists()
            or Outcome.objects.filter(selection__track=track, application_id=application_id,
                                      selection__status=Selection.Status.CONFIRMED).exists())


def interests_for_selection(selection: Selection) -> dict[int, list[PartnerInterest]]:
    """The partners' interests in the applications of ``selection``'s track, for the
    program's operator on the track's selection page (the caller checked the operator's
    permission): application id → its interests, newest first, each with the company, the
    person who recorded it and the application's startup. One query."""
    result: dict[int, list[PartnerInterest]] = defaultdict(list)
    for interest in (PartnerInterest.objects.filter(application__track_id=selection.track_id)
                     .select_related("organisation", "recorded_by", "application__applicant")
                     .order_by("-updated_at", "-pk")):
        result[interest.application_id].append(interest)
    return dict(result)
