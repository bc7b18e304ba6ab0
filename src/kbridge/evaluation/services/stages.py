"""State changes of evaluation stages: set up, edit, close; the rubric; the shortlist.

Every function takes keyword arguments, validates, writes in one transaction and records an
audit row (``core.audit.record``) with the values before and after. Times are stored in UTC;
messages name them in KST.

Rules of a stage (issue 13, item 3): per call a document evaluation (서면평가), then a
presentation evaluation (발표평가) for a shortlist of about twice the places per track
(``Stage.shortlist_factor``). The document evaluation opens once the call's deadline has
passed (nothing to evaluate before); the presentation evaluation needs the document
evaluation first and opens once it has closed (its shortlist comes from the document scores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.accounts.models import User
from kbridge.applications.models import Application
from kbridge.core import audit
from kbridge.engine.evaluation import aggregate
from kbridge.evaluation import pledge
from kbridge.evaluation.models import (
    Conflict,
    Criterion,
    Score,
    Scoresheet,
    Shortlisted,
    Stage,
)
from kbridge.evaluation.rubric import default_criteria
from kbridge.programs.models import Call, Track

#: What an operator may set on a stage (the form's fields); ``call``, ``kind``,
#: ``pledge_version`` and ``closed_at`` are the services' own.
STAGE_FIELDS = [
    "opens_at", "closes_at", "mode", "max_probability", "evaluators_per_application",
    "load_min", "load_max", "min_market_share", "min_women_share", "one_per_affiliation",
    "panel_min_size", "conflict_lookback_years", "min_reason_length", "scale_min", "scale_max",
    "shortlist_factor", "slot_minutes",
]
# Fields a submitted score was given against: frozen with the rubric.
SCALE_FIELDS = ("scale_min", "scale_max")


def kst(value) -> str:
    """``2026-12-01 09:00`` in Korea Standard Time (the product's TIME_ZONE)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def document_stage_of(call: Call) -> Stage | None:
    return Stage.objects.filter(call=call, kind=Stage.Kind.DOCUMENT).first()


def presentation_stage_of(call: Call) -> Stage | None:
    return Stage.objects.filter(call=call, kind=Stage.Kind.PRESENTATION).first()


def submitted_count(stage: Stage) -> int:
    return Scoresheet.objects.filter(assignment__stage=stage,
                                     status=Scoresheet.Status.SUBMITTED).count()


def stage_rule_errors(stage: Stage) -> dict[str, list[str]]:
    """The rules of a stage that span fields and stages, as ``{field: [message]}`` (empty:
    valid). Field bounds are the model's validators (``Stage.full_clean``)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    opens, closes = stage.opens_at, stage.closes_at
    if opens and closes and closes <= opens:
        add("closes_at", _("The evaluation must close after it opens."))
    call = stage.call
    if stage.kind == Stage.Kind.DOCUMENT:
        if opens and call.deadline_at and opens < call.deadline_at:
            add("opens_at", _("The document evaluation can open only after the call's deadline "
                              "(%(deadline)s KST): before it, applications may still change.")
                % {"deadline": kst(call.deadline_at)})
        later = presentation_stage_of(call)
        if later is not None and closes and closes > later.opens_at:
            add("closes_at", _("The document evaluation must close before the presentation "
                               "evaluation opens (%(opens)s KST).") % {"opens": kst(later.opens_at)})
    else:
        earlier = document_stage_of(call)
        if earlier is None:
            add("__all__", _("Set up the document evaluation first: the presentation "
                             "evaluation hears the applications it shortlists."))
        elif opens and opens < earlier.closes_at:
            add("opens_at", _("The presentation evaluation can open only after the document "
                              "evaluation closes (%(closes)s KST).")
                % {"closes": kst(earlier.closes_at)})
    if stage.load_max is not None and stage.load_min is not None and (
            stage.load_max < stage.load_min):
        add("load_max", _("The maximum number of applications per evaluator must be at least "
                          "the minimum (%(min)s).") % {"min": stage.load_min})
    if stage.load_max == 0:
        add("load_max", _("Leave the maximum empty for no limit, or enter at least 1."))
    if stage.scale_min is not None and stage.scale_max is not None and (
            stage.scale_max <= stage.scale_min):
        add("scale_max", _("The highest level must be above the lowest (%(min)s).")
            % {"min": stage.scale_min})
    if stage.panel_min_size is not None and stage.panel_min_size < 1:
        add("panel_min_size", _("A panel needs at least one evaluator."))
    if stage.slot_minutes is not None and not 5 <= stage.slot_minutes <= 240:
        add("slot_minutes", _("Enter a slot of 5 to 240 minutes."))
    return errors


def _validate(stage: Stage) -> None:
    errors: dict[str, list] = {}
    try:
        stage.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, messages in stage_rule_errors(stage).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_stage(*, call: Call, kind: str, by: User, **fields) -> Stage:
    """Set up the document or presentation evaluation of ``call``.

    ``fields`` are any of :data:`STAGE_FIELDS`. The stage asks for the current pledge
    (``pledge.CURRENT``) and gets a copy of the default rubric (``evaluation.rubric``; levels
    outside the stage's scale are left without descriptor). Raises ValidationError (by field)
    for a second stage of a kind, a presentation stage before the document stage, or a rule
    of :func:`stage_rule_errors`. Side effects: audit ``evaluation.stage_created`` and
    ``evaluation.rubric_changed``; reminders scheduled (``services.notices``).
    """
    unknown = sorted(set(fields) - set(STAGE_FIELDS))
    if unknown:
        raise TypeError(f"not stage fields: {', '.join(unknown)}")
    Call.objects.select_for_update().get(pk=call.pk)  # one creation per call at a time
    if kind not in Stage.Kind.values:
        raise ValidationError(_("Unknown kind of stage."))
    if Stage.objects.filter(call=call, kind=kind).exists():
        raise ValidationError(_("This call already has its %(stage)s.")
                              % {"stage": Stage.Kind(kind).label})
    stage = Stage(call=call, kind=kind, pledge_version=pledge.CURRENT, **fields)
    _validate(stage)
    stage.save()
    audit.record("evaluation.stage_created", stage, after=audit.snapshot(stage), actor=by)
    rows = []
    for row in default_criteria():
        row["anchors"] = [a for a in row["anchors"]
                          if stage.scale_min <= a["level"] <= stage.scale_max]
        rows.append(Criterion.objects.create(stage=stage, **row))
    audit.record("evaluation.rubric_changed", stage,
                 after={"criteria": [_criterion_record(c) for c in rows]}, actor=by)
    from kbridge.evaluation.services.notices import schedule_notices

    schedule_notices(stage)
    return stage


@transaction.atomic
def update_stage(*, stage: Stage, by: User, **changes) -> Stage:
    """Change a stage's window or rules (any of :data:`STAGE_FIELDS`).

    The scale cannot change once a scoresheet is submitted (the rubric is frozen then).
    Raises ValidationError by field. Side effects: audit ``evaluation.stage_updated`` with
    the changed fields; a changed window reschedules the reminders (old ones find the window
    changed and send nothing, ``services.notices``).
    """
    unknown = sorted(set(changes) - set(STAGE_FIELDS))
    if unknown:
        raise TypeError(f"not stage fields: {', '.join(unknown)}")
    caller = stage
    stage = Stage.objects.select_for_update().select_related("call").get(pk=stage.pk)
    before = audit.snapshot(stage)
    scale_changes = [f for f in SCALE_FIELDS if f in changes and changes[f] != getattr(stage, f)]
    if scale_changes and submitted_count(stage):
        raise ValidationError({f: _("The scale cannot change: scoresheets of this stage have "
                                    "been submitted against it.") for f in scale_changes})
    for field, value in changes.items():
        setattr(stage, field, value)
    _validate(stage)
    stage.save()
    old, new = audit.diff(before, audit.snapshot(stage))
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    if new:
        audit.record("evaluation.stage_updated", stage, before=old, after=new, actor=by)
    if {"opens_at", "closes_at"} & set(new):
        from kbridge.evaluation.services.notices import schedule_notices

        schedule_notices(stage)
    for field in stage._meta.concrete_fields:
        setattr(caller, field.attname, getattr(stage, field.attname))
    return caller


@transaction.atomic
def close_stage(*, stage: Stage, by: User) -> Stage:
    """Close the stage now ("close now"): scores lock (rules ``evaluation.score``), the
    overdue notices go out. A stage past its ``closes_at`` has ended already without this.

    Raises ValidationError when the stage has ended. Side effects: audit
    ``evaluation.stage_closed`` with the counts of submitted and assigned scoresheets.
    """
    caller = stage
    stage = Stage.objects.select_for_update().select_related("call__program").get(pk=stage.pk)
    now = timezone.now()
    if stage.has_ended(now):
        raise ValidationError(_("This evaluation has already ended."))
    stage.closed_at = now
    stage.save(update_fields=["closed_at", "updated_at"])
    from kbridge.evaluation.selectors import scoresheet_counts

    counts = scoresheet_counts(stage)
    audit.record("evaluation.stage_closed", stage, before={"closed_at": None},
                 after={"closed_at": now, "submitted": counts.submitted,
                        "assigned": counts.assigned}, actor=by)
    from kbridge.evaluation.services.notices import schedule_overdue

    schedule_overdue(stage)
    caller.closed_at = stage.closed_at
    return caller


# --- rubric ------------------------------------------------------------------------------


def _criterion_record(c: Criterion) -> dict[str, Any]:
    return {"id": c.pk, "position": c.position, "title_ko": c.title_ko, "title_en": c.title_en,
            "description_ko": c.description_ko, "description_en": c.description_en,
            "weight": c.weight, "anchors": c.anchors}


CRITERION_FIELDS = ("title_ko", "title_en", "description_ko", "description_en", "weight",
                    "anchors")


@transaction.atomic
def save_rubric(*, stage: Stage, criteria: list[dict], by: User) -> list[Criterion]:
    """Replace the rubric of ``stage`` with ``criteria``, in that order.

    Each item has ``title_ko``, ``title_en``, ``description_ko``, ``description_en``,
    ``weight`` (points, 1–100), ``anchors`` (``[{"level", "ko", "en"}]``, a descriptor in at
    least one language for every level of the stage's scale) and ``id`` (an existing criterion
    of this stage to keep, or None for a new one). A criterion left out is removed with its
    scores on draft scoresheets. Raises ValidationError when a scoresheet of the stage has been
    submitted (the rubric is frozen, rules ``rubric_editable``), when there is no criterion,
    when the weights do not add up to 100, or for a missing descriptor. Side effect: audit
    ``evaluation.rubric_changed`` with the rubric before and after.
    """
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    done = submitted_count(stage)
    if done:
        raise ValidationError(_("The rubric cannot change any more: %(count)s scoresheets of "
                                "this stage have been submitted against it.") % {"count": done})
    if not criteria:
        raise ValidationError(_("Keep at least one criterion."))
    total = sum(int(c["weight"] or 0) for c in criteria)
    if total != 100:
        raise ValidationError(_("The weights add up to %(total)s points; they must add up to "
                                "exactly 100.") % {"total": total})
    levels = range(stage.scale_min, stage.scale_max + 1)
    for number, item in enumerate(criteria, start=1):
        given = {a["level"]: a for a in item.get("anchors") or []}
        missing = [str(level) for level in levels
                   if not (given.get(level, {}).get("ko") or given.get(level, {}).get("en"))]
        if missing:
            raise ValidationError(_("Criterion %(number)s: describe what level %(levels)s "
                                    "means.") % {"number": number, "levels": ", ".join(missing)})
    existing = {c.pk: c for c in stage.criteria.all()}
    before = [_criterion_record(c) for c in existing.values()]
    kept_ids = {item.get("id") for item in criteria if item.get("id")}
    foreign = kept_ids - set(existing)
    if foreign:
        raise ValidationError(_("A criterion of another stage cannot be edited here."))
    removed = [pk for pk in existing if pk not in kept_ids]
    Score.objects.filter(criterion_id__in=removed).delete()  # only drafts: none submitted
    Criterion.objects.filter(pk__in=removed).delete()
    saved = []
    for position, item in enumerate(criteria, start=1):
        criterion = existing.get(item.get("id")) or Criterion(stage=stage)
        criterion.position = position
        for field in CRITERION_FIELDS:
            setattr(criterion, field, item.get(field, "" if field != "anchors" else []))
        criterion.anchors = [{"level": a["level"], "ko": a.get("ko", ""), "en": a.get("en", "")}
                             for a in sorted(item.get("anchors") or [], key=lambda a: a["level"])
                             if a["level"] in levels]
        criterion.full_clean(exclude=["stage"])
        criterion.save()
        saved.append(criterion)
    after = [_criterion_record(c) for c in saved]
    if after != before:
        audit.record("evaluation.rubric_changed", stage, before={"criteria": before},
                     after={"criteria": after}, actor=by)
    return saved


# --- shortlist for the presentation stage --------------------------------------------------


@dataclass(frozen=True)
class ShortlistRow:
    """One ranked application of a track; ``included`` when it makes the shortlist."""

    application: Application
    rank: int
    tied: bool
    score: float
    n: int
    included: bool


@dataclass(frozen=True)
class TrackShortlist:
    track: Track
    size: int  # ceil(shortlist_factor × quota)
    rows: tuple[ShortlistRow, ...]  # every scored application of the track, best first
    unscored: int  # submitted applications without any submitted scoresheet

    @property
    def included(self) -> tuple[ShortlistRow, ...]:
        return tuple(r for r in self.rows if r.included)

    @property
    def tied_at_cutoff(self) -> bool:
        """More are included than the size because of a tie at the last place."""
        return len(self.included) > self.size


@dataclass(frozen=True)
class Shortlist:
    stage: Stage
    document_stage: Stage
    tracks: tuple[TrackShortlist, ...]

    @property
    def final(self) -> bool:
        """The document stage has ended: its scores are locked and the proposal final."""
        return self.document_stage.has_ended()


def shortlist(*, stage: Stage) -> Shortlist:
    """Propose the presentation stage's shortlist from the document stage's scores.

    Per track of the call: the applications ranked by the trimmed mean of their submitted
    scoresheets' totals (``engine.evaluation.aggregate``: one highest and one lowest dropped
    from five scores up; competition ranks with ties on two decimals), and the best
    ``ceil(stage.shortlist_factor × track.quota)`` of them — plus every application tied with
    the last place (all tied are included, never cut by a coin). Scoresheets of a pair with a
    conflict in force, and withdrawn applications, do not count. Reads only.

    Raises ValidationError for a document stage, or a presentation stage whose call has no
    document stage.
    """
    if stage.kind != Stage.Kind.PRESENTATION:
        raise ValidationError(_("Only the presentation evaluation has a shortlist."))
    document = document_stage_of(stage.call)
    if document is None:
        raise ValidationError(_("Set up the document evaluation first: the presentation "
                                "evaluation hears the applications it shortlists."))
    sheets = (Scoresheet.objects
              .filter(assignment__stage=document, status=Scoresheet.Status.SUBMITTED,
                      total__isnull=False)
              .exclude(assignment__application__status=Application.Status.WITHDRAWN)
              .values_list("assignment__application_id", "assignment__evaluator_id", "total"))
    conflicted = set(Conflict.objects.filter(
        application__call=stage.call, overridden_at__isnull=True).values_list(
        "application_id", "evaluator_id"))
    records = [(app, ev, float(total)) for app, ev, total in sheets
               if (app, ev) not in conflicted]
    applications = {a.pk: a for a in Application.objects.filter(
        call=stage.call).exclude(status__in=[Application.Status.DRAFT,
                                             Application.Status.WITHDRAWN]).select_related(
        "applicant", "track")}
    records = [r for r in records if r[0] in applications]
    result = aggregate(records, {pk: a.track_id for pk, a in applications.items()})
    scored = {r.application_id for r in result.applications}
    tracks = []
    for track in stage.call.tracks.select_related("partner__organisation").order_by(
            "position", "pk"):
        size = math.ceil(Decimal(stage.shortlist_factor) * track.quota)
        rows = tuple(
            ShortlistRow(application=applications[r.application_id],
                         rank=r.ranks.trimmed_mean, tied=r.ranks.trimmed_mean_tied,
                         score=r.trimmed_mean, n=r.n, included=r.ranks.trimmed_mean <= size)
            for r in result.ranking(track.pk, by="trimmed_mean"))
        unscored = sum(1 for pk, a in applications.items()
                       if a.track_id == track.pk and pk not in scored)
        tracks.append(TrackShortlist(track=track, size=size, rows=rows, unscored=unscored))
    return Shortlist(stage=stage, document_stage=document, tracks=tuple(tracks))


@transaction.atomic
def confirm_shortlist(*, stage: Stage, by: User) -> list[Shortlisted]:
    """Store the proposed shortlist (:func:`shortlist`) of a presentation stage as confirmed.

    Needs the document stage ended (its scores locked). May be confirmed again (replacing the
    stored list) until the presentation stage has assignments. Raises ValidationError
    otherwise. Side effect: audit ``evaluation.shortlist_confirmed`` with the list before and
    after (application, track, rank, trimmed mean).
    """
    stage = Stage.objects.select_for_update().select_related("call").get(pk=stage.pk)
    proposal = shortlist(stage=stage)
    if not proposal.final:
        raise ValidationError(_("The shortlist can be confirmed once the document evaluation "
                                "has ended and its scores are locked."))
    if stage.assignments.exists():
        raise ValidationError(_("The presentation evaluation already has assignments: its "
                                "shortlist can no longer change."))

    def record(s: Shortlisted) -> dict:
        return {"application": s.application_id, "track": s.track_id, "rank": s.rank,
                "score": str(s.score), "tied": s.tied}

    before = [record(s) for s in stage.shortlist.all()]
    stage.shortlist.all().delete()
    now = timezone.now()
    created = Shortlisted.objects.bulk_create([
        Shortlisted(stage=stage, application=row.application, track=ts.track, rank=row.rank,
                    score=Decimal(str(round(row.score, 2))), tied=row.tied, confirmed_by=by,
                    confirmed_at=now)
        for ts in proposal.tracks for row in ts.included])
    audit.record("evaluation.shortlist_confirmed", stage, before={"shortlist": before},
                 after={"shortlist": [record(s) for s in created]}, actor=by)
    return created
