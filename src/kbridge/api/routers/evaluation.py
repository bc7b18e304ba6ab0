"""The evaluation area of the API (scope ``evaluation``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person.

Evaluators: their assignments (``selectors.assignments_for_evaluator``: stages whose current
pledge they signed, never an application they have a conflict of interest in force with), one
assignment as the scoring page shows it (``evaluation.view_assignment``: the application as
submitted, the rubric, their own scoresheet, and the other evaluators' submitted scores only
with ``evaluation.view_panel_scores`` — independence), and their scoresheet written through
``services.scoring`` (the same version rule, locks and phase rules: 409 when locked or
stale, 422 with the reasons when incomplete).

Operators of the program: a stage's ranking per track (``ranking.stage_ranking``, as the
ranking page: scores and ranks, submitted scoresheets only, conflicted pairs left out).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kbridge.accounts.models import Membership
from kbridge.api.auth import TokenAuth
from kbridge.api.errors import ApiError, detail_fields, details_of, invalid, not_found
from kbridge.api.schemas import Mapped, Pagination, bilingual
from kbridge.applications import selectors as application_selectors
from kbridge.core.i18n import page_language
from kbridge.evaluation import selectors
from kbridge.evaluation.models import Assignment, Scoresheet, StageEvaluator
from kbridge.evaluation.services import scoring

router = Router(auth=TokenAuth("evaluation"), tags=["evaluation"])

SheetStatus = Literal["draft", "submitted"]


# --- schemas ----------------------------------------------------------------------------------


class StageRef(Schema):
    id: int
    kind: Literal["document", "presentation"]
    kind_label: str
    call_id: int
    call: str
    call_ko: str
    call_en: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    has_ended: bool


class AssignedApplication(Schema):
    id: int
    applicant: str
    applicant_ko: str
    applicant_en: str
    track_id: int
    track: str
    track_ko: str
    track_en: str
    partner: str


class AssignmentOut(Schema):
    id: int
    stage: StageRef
    application: AssignedApplication
    scoresheet_status: SheetStatus
    scoresheet_status_label: str
    saved_at: datetime | None
    submitted_at: datetime | None


class AnchorOut(Schema):
    level: int
    text: str
    text_ko: str
    text_en: str


class CriterionOut(Schema):
    id: int
    title: str
    title_ko: str
    title_en: str
    description: str
    description_ko: str
    description_en: str
    weight: int
    anchors: list[AnchorOut]


class RubricOut(Schema):
    scale_min: int
    scale_max: int
    min_reason_length: int
    reason_max_chars: int
    comment_max_chars: int
    criteria: list[CriterionOut]


class ProfileSnapshot(Schema):
    name: str
    name_ko: str
    name_en: str
    description: str
    description_ko: str
    description_en: str
    website: str
    sector: str
    founded_on: date | None
    team_size: int | None
    revenue_krw: int | None
    investment_krw: int | None
    patents: int | None
    technology_keywords: list[str]


class SubmittedFile(Schema):
    question_id: int | None
    name: str
    size: int | None
    pages: int | None
    sha256: str


class AnsweredQuestion(Schema):
    question_id: int
    label: str
    label_ko: str
    label_en: str
    kind: str
    answer: str | int | None


class SubmittedApplication(Schema):
    """The application as submitted (its latest submitted version), as the scoring page."""

    receipt_number: str
    submitted_at: datetime
    profile: ProfileSnapshot
    answers: list[AnsweredQuestion]
    files: list[SubmittedFile]


class ScoresheetOut(Schema):
    status: SheetStatus
    status_label: str
    version: int
    levels: dict[str, int | None] = Field(description="Criterion id → level (null: none yet).")
    reasons: dict[str, str]
    comment: str
    saved_at: datetime | None
    submitted_at: datetime | None
    total: Decimal | None = Field(description="Weighted total on 0–100, set at submission.")
    unlocked_until: datetime | None
    has_unsubmitted_changes: bool
    may_change: bool


class PanelScoreOut(Schema):
    evaluator: str = Field(description="“Evaluator n”: never a name.")
    number: int
    total: Decimal | None
    submitted_at: datetime | None
    levels: dict[str, int | None]
    reasons: dict[str, str]
    comment: str


class AssignmentDetailOut(AssignmentOut):
    rubric: RubricOut
    submission: SubmittedApplication | None
    scoresheet: ScoresheetOut
    may_see_panel: bool
    panel: list[PanelScoreOut] = Field(description="The other evaluators' submitted scores: "
                                                   "only after submitting one's own.")


class AssignmentFilter(Schema):
    stage: int | None = Field(None, ge=1, le=2**62)
    status: SheetStatus | None = None


class ScoresheetIn(Schema):
    """A change of the scoresheet: only the criteria named change; ``comment`` null keeps
    it. ``version`` is the scoresheet version the change starts from; ``editor`` names the
    client's editing session (its own quick successive saves never conflict)."""

    version: int = Field(ge=0, le=2**31)
    editor: str = Field("", max_length=32)
    levels: dict[str, int | None] = Field(default_factory=dict,
                                          description="Criterion id → level (null clears).")
    reasons: dict[str, str] = Field(default_factory=dict)
    comment: str | None = Field(None, max_length=50_000)


class ScoresheetSubmitIn(Schema):
    version: int = Field(ge=0, le=2**31, description="The scoresheet version to submit "
                                                     "(the one the last save returned).")


# --- helpers ---------------------------------------------------------------------------------


def _signed(user):
    """The user's invitation to the assignment's stage, not removed, with its current pledge
    signed (``rules.has_signed_pledge``; the web lists nothing of a stage before)."""
    return StageEvaluator.objects.filter(
        stage=OuterRef("stage"), evaluator_id=user.pk, removed_at__isnull=True,
        pledge_signed_at__isnull=False, pledge_version=OuterRef("stage__pledge_version"))


def _stage(stage) -> dict:
    call = stage.call
    return {"id": stage.pk, "kind": stage.kind, "kind_label": stage.get_kind_display(),
            "call_id": call.pk, "call": bilingual(call, "title")["title"],
            "call_ko": call.title_ko, "call_en": call.title_en,
            "opens_at": stage.opens_at, "closes_at": stage.closes_at,
            "is_open": stage.is_open(), "has_ended": stage.has_ended()}


def _row(assignment, sheet) -> dict:
    application, track = assignment.application, assignment.application.track
    status = sheet.status if sheet is not None else Scoresheet.Status.DRAFT
    return {
        "id": assignment.pk, "stage": _stage(assignment.stage),
        "application": {
            "id": application.pk,
            **{k.replace("name", "applicant"): v
               for k, v in bilingual(application.applicant, "name").items()},
            "track_id": track.pk,
            **{k.replace("name", "track"): v for k, v in bilingual(track, "name").items()},
            "partner": str(track.partner.organisation)},
        "scoresheet_status": status,
        "scoresheet_status_label": str(Scoresheet.Status(status).label),
        "saved_at": sheet.saved_at if sheet is not None else None,
        "submitted_at": sheet.submitted_at if sheet is not None else None,
    }


def _assignment_for(request, assignment_id: int) -> Assignment:
    """The assignment if ``evaluation.view_assignment`` allows it (the scoring page's
    ``_assignment_for``): the assigned evaluator, invited, pledge signed, no conflict."""
    assignment = (Assignment.objects.select_related(
        "stage__call__program", "application__applicant",
        "application__track__partner__organisation", "application__call")
        .filter(pk=assignment_id).first())
    if assignment is None or not request.user.has_perm("evaluation.view_assignment",
                                                        assignment):
        raise not_found()
    return assignment


def _anchor(anchor: dict) -> dict:
    ko, en = str(anchor.get("ko") or ""), str(anchor.get("en") or "")
    first, second = (en, ko) if page_language() == "en" else (ko, en)
    return {"level": int(anchor.get("level", 0)), "text": first or second,
            "text_ko": ko, "text_en": en}


def _rubric(stage, criteria) -> dict:
    return {"scale_min": stage.scale_min, "scale_max": stage.scale_max,
            "min_reason_length": stage.min_reason_length,
            "reason_max_chars": scoring.REASON_MAX_CHARS,
            "comment_max_chars": scoring.COMMENT_MAX_CHARS,
            "criteria": [{"id": c.pk, **bilingual(c, "title"), **bilingual(c, "description"),
                          "weight": c.weight,
                          "anchors": [_anchor(a) for a in c.anchors or []
                                      if isinstance(a, dict)
                                      and str(a.get("level", "")).lstrip("-").isdigit()]}
                         for c in criteria]}


class _Snapshot:
    """A submission's frozen profile with attribute access (for :func:`bilingual`)."""

    def __init__(self, data: dict):
        self.data = data or {}

    def __getattr__(self, name):
        return self.data.get(name) or ""


def _int_or_none(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _submission(application) -> dict | None:
    submission = selectors.latest_submission(application)
    if submission is None:
        return None
    snapshot = _Snapshot(submission.profile)
    founded = submission.profile.get("founded_on") if submission.profile else None
    try:
        founded = date.fromisoformat(founded) if isinstance(founded, str) else None
    except ValueError:
        founded = None
    questions = {str(q.pk): q for q in application_selectors.questions_of(application.call)}
    answers = []
    for key, value in ((submission.answers or {}).get("answers") or {}).items():
        question = questions.get(str(key))
        if question is None:
            continue
        answers.append({"question_id": question.pk, **bilingual(question, "label"),
                        "kind": question.kind,
                        "answer": value if isinstance(value, int | str) or value is None
                        else str(value)})
    keywords = snapshot.data.get("technology_keywords") or []
    return {
        "receipt_number": submission.receipt_number, "submitted_at": submission.submitted_at,
        "profile": {**bilingual(snapshot, "name"), **bilingual(snapshot, "description"),
                    "website": str(snapshot.website), "sector": str(snapshot.sector),
                    "founded_on": founded,
                    **{name: _int_or_none(snapshot.data.get(name)) for name in
                       ("team_size", "revenue_krw", "investment_krw", "patents")},
                    "technology_keywords": [str(k) for k in keywords]
                    if isinstance(keywords, list) else []},
        "answers": answers,
        "files": [{"question_id": f.get("question"), "name": str(f.get("name", "")),
                   "size": f.get("size"), "pages": f.get("pages"),
                   "sha256": str(f.get("sha256", ""))} for f in submission.files or []],
    }


def _detail(request, assignment) -> dict:
    stage = assignment.stage
    criteria = scoring.criteria_of(stage)
    sheet = selectors.scoresheet_of(assignment)
    content = scoring.payload(sheet, criteria)
    may_see_panel = request.user.has_perm("evaluation.view_panel_scores", assignment)
    panel = selectors.panel_scores(assignment, request.user) if may_see_panel else []
    return {
        **_row(assignment, sheet if sheet.pk else None),
        "rubric": _rubric(stage, criteria),
        "submission": _submission(assignment.application),
        "scoresheet": {
            "status": sheet.status, "status_label": sheet.get_status_display(),
            "version": sheet.version, "levels": content["levels"],
            "reasons": content["reasons"], "comment": content["comment"],
            "saved_at": sheet.saved_at, "submitted_at": sheet.submitted_at,
            "total": sheet.total, "unlocked_until": sheet.unlocked_until,
            "has_unsubmitted_changes": (sheet.status == Scoresheet.Status.SUBMITTED
                                        and content != sheet.submitted_scores),
            "may_change": request.user.has_perm("evaluation.change_scoresheet", assignment),
        },
        "may_see_panel": may_see_panel,
        "panel": [{"evaluator": _("Evaluator %(n)s") % {"n": entry["label_number"]},
                   "number": entry["label_number"], "total": entry["total"],
                   "submitted_at": entry["submitted_at"],
                   "levels": {str(k): _int_or_none(v) for k, v in
                              ((entry["scores"] or {}).get("levels") or {}).items()},
                   "reasons": {str(k): str(v) for k, v in
                               ((entry["scores"] or {}).get("reasons") or {}).items()},
                   "comment": str((entry["scores"] or {}).get("comment", ""))}
                  for entry in panel],
    }


def _field(name: str) -> str:
    """A field of the scoring service's errors as the JSON names it."""
    if name.startswith("level_"):
        return f"levels.{name[6:]}"
    if name.startswith("reason_"):
        return f"reasons.{name[7:]}"
    if name == "overall_comment":
        return "comment"
    return "" if name == "__all__" else name




def _locked(exc: ValidationError) -> ApiError:
    return ApiError(409, "conflict", " ".join(str(m) for m in exc.messages))


def _stale() -> ApiError:
    return ApiError(409, "conflict", _(
        "Not saved: this scoresheet was changed in another tab or on another device."))


# --- operations --------------------------------------------------------------------------------


@router.get("/evaluation/assignments", response=list[AssignmentOut],
            summary="The token's evaluator's assigned applications (signed stages, no "
                    "conflicts)")
@paginate(Pagination)
def list_assignments(request, filters: Query[AssignmentFilter]):
    user = request.user
    if not selectors.invitations_of(user).exists() and not Membership.objects.filter(
            user=user, role=Membership.Role.EVALUATOR).exists():
        raise not_found()
    queryset = (selectors.assignments_for_evaluator(user).filter(Exists(_signed(user)))
                .select_related("scoresheet", "stage__call",
                                "application__track__partner__organisation"))
    if filters.stage is not None:
        queryset = queryset.filter(stage_id=filters.stage)
    if filters.status == "submitted":
        queryset = queryset.filter(scoresheet__status=Scoresheet.Status.SUBMITTED)
    elif filters.status == "draft":
        queryset = queryset.filter(Q(scoresheet__isnull=True)
                                   | Q(scoresheet__status=Scoresheet.Status.DRAFT))
    return Mapped(queryset.order_by(F("stage__closes_at").desc(), "application_id", "pk"),
                  lambda a: _row(a, getattr(a, "scoresheet", None)))


@router.get("/evaluation/assignments/{assignment_id}", response=AssignmentDetailOut,
            summary="One assignment as the scoring page shows it to its evaluator")
def get_assignment(request, assignment_id: int):
    return _detail(request, _assignment_for(request, assignment_id))


@router.put("/evaluation/assignments/{assignment_id}/scoresheet",
            response=AssignmentDetailOut,
            summary="Save the scoresheet's levels, reasons and comment (the autosave's rules)")
def save_scoresheet(request, assignment_id: int, payload: ScoresheetIn):
    assignment = _assignment_for(request, assignment_id)
    criteria = scoring.criteria_of(assignment.stage)
    known = {str(c.pk) for c in criteria}
    unknown = [(part, key) for part, keys in (("levels", payload.levels),
                                              ("reasons", payload.reasons))
               for key in keys if key not in known]
    if unknown:
        raise invalid([{"field": f"{part}.{key}"[:100],
                        "message": _("No such criterion in this stage's rubric.")}
                       for part, key in unknown[:20]])
    try:
        scoring.save_scoresheet(
            assignment=assignment, by=request.user,
            levels={k: "" if v is None else str(v) for k, v in payload.levels.items()},
            reasons=payload.reasons, comment=payload.comment, base_version=payload.version,
            editor=payload.editor)
    except scoring.ScoresheetConflict as exc:
        raise _stale() from exc
    except scoring.ScoresheetLocked as exc:
        raise _locked(exc) from exc
    except ValidationError as exc:
        raise invalid(details_of(exc, _field)) from exc
    return _detail(request, _assignment_for(request, assignment.pk))


@router.post("/evaluation/assignments/{assignment_id}/scoresheet/submit",
             response=AssignmentDetailOut,
             summary="Submit the scoresheet at a version (final for the evaluator)",
             openapi_extra=detail_fields("levels", "reasons", "comment"))
def submit_scoresheet(request, assignment_id: int, payload: ScoresheetSubmitIn):
    assignment = _assignment_for(request, assignment_id)
    try:
        scoring.submit_scoresheet(assignment=assignment, by=request.user,
                                  version=payload.version)
    except scoring.ScoresheetIncomplete as exc:
        raise invalid(details_of(exc.errors, _field), _(
            "The scoresheet was not submitted: some levels or reasons are missing. Your draft "
            "is kept.")) from exc
    except scoring.ScoresheetConflict as exc:
        raise _stale() from exc
    except scoring.ScoresheetLocked as exc:
        raise _locked(exc) from exc
    except ValidationError as exc:
        raise _locked(exc) from exc
    return _detail(request, _assignment_for(request, assignment.pk))


# --- operators: a stage's ranking --------------------------------------------------------------


class RanksOut(Schema):
    mean: int | None
    mean_tied: bool
    trimmed_mean: int | None
    trimmed_mean_tied: bool
    normalised: int | None
    normalised_tied: bool


class RankedRowOut(Schema):
    application_id: int
    applicant: str
    applicant_ko: str
    applicant_en: str
    place: str = Field(description="The rank by the chosen measure as shown: “3”, “=2” "
                                   "when tied, “” while unscored.")
    submitted: int
    assigned: int
    mean: float | None
    trimmed_mean: float | None
    trimmed: bool | None
    normalised: float | None
    minimum: float | None
    maximum: float | None
    disagreement: bool | None
    ranks: RanksOut | None


class TrackRankingOut(Schema):
    track_id: int
    track: str
    track_ko: str
    track_en: str
    rows: list[RankedRowOut]


class StageRankingOut(Schema):
    stage: StageRef
    measure: Literal["mean", "trimmed_mean", "normalised"]
    excluded_conflicted: int = Field(description="Submitted scoresheets left out: their "
                                                 "evaluator has a conflict of interest.")
    tracks: list[TrackRankingOut]


class RankingFilter(Schema):
    by: Literal["mean", "trimmed_mean", "normalised"] = "trimmed_mean"


def _two(value):
    return None if value is None else round(value, 2)


def _ranked(row, measure) -> dict:
    r = row.result
    ranks = r.ranks if r else None
    return {
        "application_id": row.application.pk,
        **{k.replace("name", "applicant"): v
           for k, v in bilingual(row.application.applicant, "name").items()},
        "place": row.place(measure), "submitted": row.submitted, "assigned": row.assigned,
        "mean": _two(r.mean) if r else None,
        "trimmed_mean": _two(r.trimmed_mean) if r else None,
        "trimmed": r.trimmed if r else None, "normalised": _two(r.normalised) if r else None,
        "minimum": _two(r.minimum) if r else None, "maximum": _two(r.maximum) if r else None,
        "disagreement": r.disagreement if r else None,
        "ranks": None if ranks is None else {
            "mean": ranks.mean, "mean_tied": ranks.mean_tied,
            "trimmed_mean": ranks.trimmed_mean, "trimmed_mean_tied": ranks.trimmed_mean_tied,
            "normalised": ranks.normalised, "normalised_tied": ranks.normalised_tied},
    }


@router.get("/evaluation/stages/{stage_id}/ranking", response=StageRankingOut,
            summary="A stage's ranking per track, as its ranking page (the program's operators)")
def get_stage_ranking(request, stage_id: int, filters: Query[RankingFilter]):
    from kbridge.engine.evaluation import ScoreInputError
    from kbridge.evaluation import ranking

    stage = selectors.stages_for_operator(request.user).filter(pk=stage_id).first()
    if stage is None or not request.user.has_perm("evaluation.manage_stage", stage):
        raise not_found()
    try:
        result = ranking.stage_ranking(stage, measure=filters.by)
    except ScoreInputError as exc:
        # A stored total the engine refuses: said as the page says it, never a 500.
        raise ApiError(409, "conflict", _(
            "The scores could not be aggregated. Check the scoresheet named here (application "
            "and evaluator ids), or ask the administrators."),
            [{"field": "", "message": str(exc.message)}]) from exc
    return {"stage": _stage(stage), "measure": result.measure,
            "excluded_conflicted": result.excluded_conflicted,
            "tracks": [{"track_id": t.track.pk,
                        **{k.replace("name", "track"): v
                           for k, v in bilingual(t.track, "name").items()},
                        "rows": [_ranked(row, result.measure) for row in t.rows]}
                       for t in result.tracks]}
