"""The selection area of the API (scope ``selection``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person.

Startups (their members): the result of an application as its result page shows it
(``selection.view_result``, ``selectors.result_for_applicant``: nothing of the outcome before
the announcement instant), and their announced results in one list. Partners: their tracks
(``selectors.tracks_for_partner``) and a track's shortlist and, once the selection is
confirmed, its results (``selectors.partner_track_view``; rank, score and status, never an
award or an evaluator). Operators of the program: a track's selection as their track page
(the outcomes with awards and reasons, draft or confirmed).
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kbridge.accounts.tenancy import partner_organisation_ids
from kbridge.api.auth import TokenAuth
from kbridge.api.errors import not_found
from kbridge.api.schemas import Mapped, Pagination, bilingual
from kbridge.applications import selectors as application_selectors
from kbridge.applications.models import Application
from kbridge.programs.models import Track
from kbridge.selection import selectors
from kbridge.selection.models import Outcome, Selection

router = Router(auth=TokenAuth("selection"), tags=["selection"])

OutcomeStatus = Literal["selected", "waitlisted", "not_selected", "dropped"]


# --- schemas ----------------------------------------------------------------------------------


class BandOut(Schema):
    key: str
    label: str


class CriterionScoreOut(Schema):
    criterion_id: int
    title: str
    title_ko: str
    title_en: str
    weight: int
    mean_level: Decimal | None
    mean_points: Decimal | None
    evaluators: int


class ReasonOut(Schema):
    criterion_id: int
    title: str
    title_ko: str
    title_en: str
    reason: str


class EvaluatorReasonsOut(Schema):
    evaluator: str = Field(description="“Evaluator n”: never a name.")
    number: int
    reasons: list[ReasonOut]


class DecisionOut(Schema):
    status: OutcomeStatus
    status_label: str
    reason_code: str
    reason: str
    detail: str
    award_krw: int | None
    waitlist_position: int | None
    score: Decimal
    cutoff_score: Decimal | None
    band: BandOut
    ranked: int
    publish_consent: bool


class ResultOut(Schema):
    application_id: int
    announced: bool
    announcement_at: datetime | None
    decided: bool = Field(description="False after the announcement when the application "
                                      "was not among those decided in its track.")
    decision: DecisionOut | None
    scale_min: int | None
    scale_max: int | None
    criteria: list[CriterionScoreOut]
    evaluator_reasons: list[EvaluatorReasonsOut]


class MyResultOut(Schema):
    application_id: int
    call_id: int
    call: str
    call_ko: str
    call_en: str
    track_id: int
    track: str
    track_ko: str
    track_en: str
    announcement_at: datetime
    status: OutcomeStatus
    status_label: str
    reason: str
    award_krw: int | None
    waitlist_position: int | None
    score: Decimal


class SelectionRef(Schema):
    id: int
    status: Literal["draft", "confirmed"]
    status_label: str
    cutoff_score: Decimal | None = Field(description="Partners: once the selection is "
                                                     "confirmed.")


class PartnerTrackOut(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str
    partner: str
    call_id: int
    call: str
    call_ko: str
    call_en: str
    announcement_at: datetime | None
    selection: SelectionRef | None


class InterestOut(Schema):
    note: str
    updated_at: datetime


class ShortlistRow(Schema):
    application_id: int
    applicant: str
    applicant_ko: str
    applicant_en: str
    rank: int
    tied: bool
    score: Decimal
    your_interest: InterestOut | None = None


class OutcomeRow(Schema):
    application_id: int
    applicant: str
    applicant_ko: str
    applicant_en: str
    rank: int
    score: Decimal
    status: OutcomeStatus
    status_label: str
    waitlist_position: int | None
    your_interest: InterestOut | None = Field(None, description="Partners: your company's "
                                                                "recorded interest.")
    reason: str | None = Field(None, description="Operators only.")
    award_krw: int | None = Field(None, description="Operators only.")


class TrackSelectionOut(PartnerTrackOut):
    shortlist: list[ShortlistRow]
    outcomes: list[OutcomeRow] = Field(description="Partners: once the selection is "
                                                   "confirmed. Operators: draft or confirmed.")


class ResultFilter(Schema):
    call: int | None = Field(None, ge=1, le=2**62)
    status: OutcomeStatus | None = None


# --- helpers ---------------------------------------------------------------------------------


def _renamed(obj, field: str, name: str) -> dict:
    return {k.replace(field, name, 1): v for k, v in bilingual(obj, field).items()}


def _result(application) -> dict:
    result = selectors.result_for_applicant(application)
    body = {"application_id": application.pk, "announced": result.announced,
            "announcement_at": result.announcement_at, "decided": False, "decision": None,
            "scale_min": None, "scale_max": None, "criteria": [], "evaluator_reasons": []}
    outcome = result.outcome
    if not result.announced or outcome is None:
        return body
    body.update({
        "decided": True,
        "decision": {
            "status": outcome.status, "status_label": outcome.get_status_display(),
            "reason_code": outcome.reason_code, "reason": outcome.reason,
            "detail": outcome.detail,
            "award_krw": outcome.award_krw if outcome.status == Outcome.Status.SELECTED
            else None,
            "waitlist_position": outcome.waitlist_position
            if outcome.status == Outcome.Status.WAITLISTED else None,
            "score": outcome.score, "cutoff_score": result.selection.cutoff_score,
            "band": {"key": result.band.key, "label": str(result.band.label)},
            "ranked": result.ranked, "publish_consent": outcome.publish_consent},
        "scale_min": result.scale[0] if result.scale else None,
        "scale_max": result.scale[1] if result.scale else None,
        "criteria": [{"criterion_id": c.criterion.pk, **bilingual(c.criterion, "title"),
                      "weight": c.weight, "mean_level": c.mean_level,
                      "mean_points": c.mean_points, "evaluators": c.evaluators}
                     for c in result.criteria],
        "evaluator_reasons": [
            {"evaluator": _("Evaluator %(n)s") % {"n": r.number}, "number": r.number,
             "reasons": [{"criterion_id": s.criterion_id, **bilingual(s.criterion, "title"),
                          "reason": s.reason} for s in r.scores]}
            for r in result.reasons],
    })
    return body


def _track(track, *, operator: bool = False) -> dict:
    """A track with its selection; a partner reads the cut-off only once the selection is
    confirmed (the partner page shows it with the results)."""
    call = track.call
    policy = getattr(call, "selection_policy", None)
    selection = getattr(track, "selection", None)
    return {
        "id": track.pk, **bilingual(track, "name"), "partner": str(track.partner.organisation),
        "call_id": call.pk, **_renamed(call, "title", "call"),
        "announcement_at": policy.announcement_at if policy else None,
        "selection": None if selection is None else {
            "id": selection.pk, "status": selection.status,
            "status_label": selection.get_status_display(),
            "cutoff_score": selection.cutoff_score
            if operator or selection.is_confirmed else None},
    }


def _interest(interests: dict, application_id: int) -> dict | None:
    interest = interests.get(application_id)
    return None if interest is None else {"note": interest.note,
                                          "updated_at": interest.updated_at}


# --- operations --------------------------------------------------------------------------------


@router.get("/applications/{application_id}/result", response=ResultOut,
            summary="The result of an application as its result page shows it (the startup)")
def get_result(request, application_id: int):
    application = (Application.objects.select_related(
        "call__program", "track__partner__organisation", "applicant")
        .filter(pk=application_id).first())
    if application is None or not request.user.has_perm("selection.view_result", application):
        raise not_found()
    return _result(application)


@router.get("/selection/results", response=list[MyResultOut],
            summary="The announced results of the token's startups' applications")
@paginate(Pagination)
def list_my_results(request, filters: Query[ResultFilter]):
    startups = application_selectors.startups_of(request.user)
    if not startups.exists():
        raise not_found()
    # The result page's rule (services.results.is_announced): a confirmed selection whose
    # announcement instant has come.
    queryset = (Outcome.objects.filter(
        application__applicant__in=startups, selection__status=Selection.Status.CONFIRMED,
        selection__track__call__selection_policy__announcement_at__lte=timezone.now())
        .select_related("application__call__selection_policy", "application__track"))
    if filters.call is not None:
        queryset = queryset.filter(application__call_id=filters.call)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)

    def row(outcome):
        application = outcome.application
        return {
            "application_id": application.pk, "call_id": application.call_id,
            **_renamed(application.call, "title", "call"), "track_id": application.track_id,
            **_renamed(application.track, "name", "track"),
            "announcement_at": application.call.selection_policy.announcement_at,
            "status": outcome.status, "status_label": outcome.get_status_display(),
            "reason": outcome.reason,
            "award_krw": outcome.award_krw if outcome.status == Outcome.Status.SELECTED
            else None,
            "waitlist_position": outcome.waitlist_position
            if outcome.status == Outcome.Status.WAITLISTED else None,
            "score": outcome.score}

    return Mapped(queryset.order_by(
        F("application__call__selection_policy__announcement_at").desc(), "application_id"),
        row)


@router.get("/selection/tracks", response=list[PartnerTrackOut],
            summary="The tracks of the token's partner companies with their selection")
@paginate(Pagination)
def list_partner_tracks(request):
    if not request.user.has_perm("selection.view_partner_selection"):
        raise not_found()
    return Mapped(selectors.tracks_for_partner(request.user), _track)


@router.get("/selection/tracks/{track_id}", response=TrackSelectionOut,
            summary="A track's shortlist and results: its partner's page, or its operators'")
def get_track_selection(request, track_id: int):
    track = (Track.objects.select_related("call__program", "partner__organisation",
                                          "call__selection_policy", "selection")
             .filter(pk=track_id).first())
    if track is None:
        raise not_found()
    user = request.user
    operator = False
    if user.has_perm("selection.view_partner_track", track):
        organisation_id = track.partner.organisation_id
        if organisation_id not in partner_organisation_ids(user):  # pragma: no cover
            raise not_found()
        view = selectors.partner_track_view(track, organisation_id)
        interests = view.interests
        outcomes = [{"application_id": o.application_id,
                     **_renamed(o.application.applicant, "name", "applicant"),
                     "rank": o.rank, "score": o.score, "status": o.status,
                     "status_label": o.get_status_display(),
                     "waitlist_position": o.waitlist_position,
                     "your_interest": _interest(interests, o.application_id)}
                    for o in view.outcomes]
        shortlist = view.shortlist
    elif user.has_perm("selection.manage_selection", track):
        operator = True
        view = selectors.partner_track_view(track, organisation_id=0)
        interests = {}
        selection = view.selection
        rows = (list(selection.outcomes.select_related("application__applicant")
                     .order_by("rank", "application_id")) if selection else [])
        outcomes = [{"application_id": o.application_id,
                     **_renamed(o.application.applicant, "name", "applicant"),
                     "rank": o.rank, "score": o.score, "status": o.status,
                     "status_label": o.get_status_display(),
                     "waitlist_position": o.waitlist_position, "reason": o.reason,
                     "award_krw": o.award_krw}
                    for o in rows]
        shortlist = view.shortlist
    else:
        raise not_found()
    return {**_track(track, operator=operator),
            "shortlist": [{"application_id": s.application_id,
                           **_renamed(s.application.applicant, "name", "applicant"),
                           "rank": s.rank, "tied": s.tied, "score": s.score,
                           "your_interest": _interest(interests, s.application_id)}
                          for s in shortlist],
            "outcomes": outcomes}
