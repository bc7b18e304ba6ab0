"""Scoring: an evaluator's scoresheet from draft to submission, and the operator's unlock.

* Drafts keep whatever was typed (cleaned by ``core.text.clean_text``) and autosave with the
  applications' never-lose-work protocol: ``version`` increases on every saved change; a save
  started from an older version by another page (``editor``, one per browser tab) is refused
  with :class:`ScoresheetConflict` instead of overwriting; identical data is never a conflict.
* Submission needs, per criterion, a level on the stage's scale and a written reason of at
  least ``stage.min_reason_length`` characters (counted with ``core.text.count_chars`` after
  trimming whitespace); it stores the weighted total on 0–100
  (``kbridge.engine.evaluation.weighted_total``) and a frozen copy of what was submitted
  (``submitted_scores``), which is all other people ever see of the scoresheet.
* Locking: a draft may change while the stage is open. A submitted scoresheet is final for
  the evaluator (after submitting they see the other evaluators' scores, so a change then
  would no longer be independent), and everything locks when the stage ends. An operator's
  unlock (:func:`unlock_scoresheet`, with a reason, audited) opens one scoresheet until a
  time; a resubmission then is audited with the difference of levels and reasons.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kbridge.accounts.models import User
from kbridge.core import audit
from kbridge.core.i18n import format_datetime
from kbridge.core.text import clean_text, count_chars
from kbridge.engine.evaluation import ScoreInputError, weighted_total
from kbridge.evaluation.models import Assignment, Criterion, Score, Scoresheet

#: The longest reason per criterion and overall comment, in characters (count_chars).
REASON_MAX_CHARS = 5_000
COMMENT_MAX_CHARS = 5_000
#: The longest an operator may unlock a scoresheet for, and the default.
UNLOCK_DEFAULT = timedelta(hours=24)
UNLOCK_MAX = timedelta(days=30)
UNLOCK_REASON_MAX_CHARS = 1_000


class ScoresheetConflict(Exception):
    """The scoresheet changed since the version the page started from (another tab)."""

    def __init__(self, scoresheet: Scoresheet):
        super().__init__("scoresheet changed since the page was loaded")
        self.scoresheet = scoresheet


class ScoresheetLocked(ValidationError):
    """The scoresheet may not change now (stage closed or not open, or already submitted)."""


class ScoresheetIncomplete(Exception):
    """Submission refused: ``errors`` maps ``level_<criterion pk>`` / ``reason_<criterion
    pk>`` to translated messages; the draft stays saved as typed."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("scoresheet incomplete")
        self.errors = errors


def criteria_of(stage) -> list[Criterion]:
    return list(Criterion.objects.filter(stage_id=stage.pk).order_by("position", "pk"))


def payload(scoresheet: Scoresheet, criteria: list[Criterion]) -> dict[str, Any]:
    """The scoresheet's content as JSON: ``{"levels": {pk: int|None}, "reasons": {pk: str},
    "comment": str}`` with criterion pks as strings (the shape of ``submitted_scores``)."""
    scores = {s.criterion_id: s for s in scoresheet.scores.all()} if scoresheet.pk else {}
    levels, reasons = {}, {}
    for c in criteria:
        score = scores.get(c.pk)
        levels[str(c.pk)] = score.level if score else None
        reasons[str(c.pk)] = score.reason if score else ""
    return {"levels": levels, "reasons": reasons, "comment": scoresheet.overall_comment}


def _check_editable(sheet: Scoresheet, stage, now: datetime) -> None:
    """Raise ScoresheetLocked, with the reason in the reader's language, unless the sheet may
    change now: an operator's unlock in force, else a draft in an open stage."""
    if sheet.unlocked_until and sheet.unlocked_until > now:
        return
    if stage.has_ended(now):
        raise ScoresheetLocked(
            _("The evaluation closed on %(time)s: scores are locked and nothing was changed. "
              "Ask the operator to unlock the scoresheet if a correction is needed.")
            % {"time": format_datetime(stage.closes_at if stage.closed_at is None
                                       else min(stage.closes_at, stage.closed_at))},
            code="closed")
    if not stage.is_open(now):
        raise ScoresheetLocked(
            _("The evaluation opens on %(time)s; nothing was saved.")
            % {"time": format_datetime(stage.opens_at)}, code="not_open")
    if sheet.status == Scoresheet.Status.SUBMITTED:
        raise ScoresheetLocked(
            _("You have submitted this scoresheet; it can no longer be changed and nothing was "
              "saved. Ask the operator to unlock it if a correction is needed."),
            code="submitted")


def _parse_level(raw: Any, stage) -> int | None:
    text = clean_text(str(raw or "")).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise ValueError(text)
    level = int(text)
    if not stage.scale_min <= level <= stage.scale_max:
        raise ValueError(text)
    return level


def _locked_sheet(assignment: Assignment) -> Scoresheet:
    sheet, _created = Scoresheet.objects.get_or_create(assignment=assignment)
    return Scoresheet.objects.select_for_update().get(pk=sheet.pk)


@transaction.atomic
def save_scoresheet(*, assignment: Assignment, by: User, levels: dict[str, Any],
                    reasons: dict[str, Any], comment: str | None, base_version: int,
                    editor: str = "", now: datetime | None = None) -> Scoresheet:
    """Store the scoresheet as typed; returns it with the version that holds this data.

    ``levels``/``reasons`` map criterion pk (str) → the raw value typed; criteria not named
    keep their stored value, ``comment`` None keeps the stored comment. A level is empty or a
    whole number on the stage's scale (``scale_min``–``scale_max``).

    Raises ScoresheetLocked (nothing saved) when the sheet may not change now,
    ValidationError keyed ``level_<pk>``/``reason_<pk>``/``overall_comment`` for a level off
    the scale or a text over its limit (nothing saved, nothing cut), ScoresheetConflict when
    another page saved a different version meanwhile.
    """
    now = now or timezone.now()
    stage = assignment.stage
    sheet = _locked_sheet(assignment)
    _check_editable(sheet, stage, now)
    criteria = criteria_of(stage)
    current = payload(sheet, criteria)
    new = {"levels": dict(current["levels"]), "reasons": dict(current["reasons"]),
           "comment": current["comment"]}
    problems: dict[str, list[str]] = {}
    for c in criteria:
        key = str(c.pk)
        if key in levels:
            try:
                new["levels"][key] = _parse_level(levels[key], stage)
            except ValueError:
                problems[f"level_{key}"] = [
                    _("Choose a level from %(low)s to %(high)s.")
                    % {"low": stage.scale_min, "high": stage.scale_max}]
        if key in reasons:
            text = clean_text(str(reasons[key] or ""))
            if count_chars(text) > REASON_MAX_CHARS:
                problems[f"reason_{key}"] = [_too_long(text, REASON_MAX_CHARS)]
            new["reasons"][key] = text
    if comment is not None:
        text = clean_text(str(comment))
        if count_chars(text) > COMMENT_MAX_CHARS:
            problems["overall_comment"] = [_too_long(text, COMMENT_MAX_CHARS)]
        new["comment"] = text
    if problems:
        raise ValidationError(problems)
    if new == current:
        return sheet
    own_run = bool(editor) and editor == sheet.editor and base_version >= sheet.editor_since
    if base_version != sheet.version and not own_run:
        raise ScoresheetConflict(sheet)
    if not own_run:
        sheet.editor, sheet.editor_since = editor[:32], sheet.version
    existing = {s.criterion_id: s for s in sheet.scores.all()}
    for c in criteria:
        key = str(c.pk)
        level, reason = new["levels"][key], new["reasons"][key]
        score = existing.get(c.pk)
        if score is None:
            if level is not None or reason:
                Score.objects.create(scoresheet=sheet, criterion=c, level=level, reason=reason)
        elif (score.level, score.reason) != (level, reason):
            score.level, score.reason = level, reason
            score.save(update_fields=["level", "reason"])
    sheet.overall_comment = new["comment"]
    sheet.version += 1
    sheet.saved_at = now
    sheet.save(update_fields=["overall_comment", "version", "editor", "editor_since",
                              "saved_at", "updated_at"])
    return sheet


def is_submitted_as(sheet: Scoresheet, criteria: list[Criterion], *, levels: dict[str, Any],
                    reasons: dict[str, Any], comment: str | None) -> bool:
    """Whether posting this content to a submitted scoresheet would change nothing of what
    was submitted (a second click on "submit")."""
    if sheet.status != Scoresheet.Status.SUBMITTED:
        return False
    stage = sheet.assignment.stage
    content = payload(sheet, criteria)
    for key, raw in levels.items():
        try:
            content["levels"][key] = _parse_level(raw, stage)
        except ValueError:
            return False
    for key, raw in reasons.items():
        content["reasons"][key] = clean_text(str(raw or ""))
    if comment is not None:
        content["comment"] = clean_text(str(comment))
    return content == sheet.submitted_scores


def _too_long(text: str, limit: int) -> str:
    return _("At most %(limit)s characters; this has %(count)s.") % {
        "limit": f"{limit:,}", "count": f"{count_chars(text):,}"}


def submission_problems(sheet: Scoresheet, criteria: list[Criterion], stage
                        ) -> dict[str, list[str]]:
    """What keeps the stored scoresheet from being submitted, keyed ``level_<pk>`` and
    ``reason_<pk>``: a level on the scale for every criterion, and a reason of at least
    ``stage.min_reason_length`` characters (after trimming), saying how many are missing."""
    content = payload(sheet, criteria)
    errors: dict[str, list[str]] = {}
    for c in criteria:
        key = str(c.pk)
        level = content["levels"][key]
        if level is None or not stage.scale_min <= level <= stage.scale_max:
            errors[f"level_{key}"] = [_("Choose a level from %(low)s to %(high)s.")
                                      % {"low": stage.scale_min, "high": stage.scale_max}]
        have = count_chars(content["reasons"][key].strip())
        missing = stage.min_reason_length - have
        if missing > 0:
            errors[f"reason_{key}"] = [ngettext(
                "Write at least %(min)s characters: %(missing)s more character needed "
                "(%(have)s so far).",
                "Write at least %(min)s characters: %(missing)s more characters needed "
                "(%(have)s so far).", missing) % {
                "min": stage.min_reason_length, "missing": missing, "have": have}]
    return errors


def _total(content: dict, criteria: list[Criterion], stage) -> Decimal:
    levels = {str(c.pk): content["levels"][str(c.pk)] for c in criteria}
    weights = {str(c.pk): c.weight for c in criteria}
    try:
        value = weighted_total(levels, weights, stage.scale_min, stage.scale_max)
    except ScoreInputError as exc:  # a rubric without weight, a broken scale
        raise ValidationError(_("The rubric of this stage cannot be scored (%(code)s); "
                                "tell the operator.") % {"code": exc.code}) from exc
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _flat(content: dict) -> dict[str, Any]:
    """``submitted_scores`` flattened for an audit diff: ``level[pk]``, ``reason[pk]``,
    ``comment``."""
    flat: dict[str, Any] = {}
    for key, level in (content.get("levels") or {}).items():
        flat[f"level[{key}]"] = level
    for key, reason in (content.get("reasons") or {}).items():
        flat[f"reason[{key}]"] = reason
    flat["comment"] = content.get("comment", "")
    return flat


@transaction.atomic
def submit_scoresheet(*, assignment: Assignment, by: User, version: int,
                      now: datetime | None = None) -> Scoresheet:
    """Submit the stored scoresheet as it stands at ``version`` (what the page just saved).

    Idempotent: a submitted sheet whose content equals what was submitted is returned as it
    is (a double click). Raises ScoresheetLocked, ScoresheetConflict (``version`` is not the
    stored one), ScoresheetIncomplete (see :func:`submission_problems`; the draft stays).
    Audits ``scoresheet.submitted`` (levels, reasons, total) or, for a change submitted under
    an operator's unlock, ``scoresheet.resubmitted`` with before/after of what changed.
    """
    now = now or timezone.now()
    stage = assignment.stage
    sheet = _locked_sheet(assignment)
    criteria = criteria_of(stage)
    content = payload(sheet, criteria)
    resubmission = sheet.status == Scoresheet.Status.SUBMITTED
    if resubmission and content == sheet.submitted_scores:
        return sheet
    _check_editable(sheet, stage, now)
    if version != sheet.version:
        raise ScoresheetConflict(sheet)
    errors = submission_problems(sheet, criteria, stage)
    if errors:
        raise ScoresheetIncomplete(errors)
    total = _total(content, criteria, stage)
    before_content, before_total = sheet.submitted_scores, sheet.total
    sheet.status = Scoresheet.Status.SUBMITTED
    sheet.submitted_at = now
    sheet.total = total
    sheet.submitted_scores = content
    sheet.save(update_fields=["status", "submitted_at", "total", "submitted_scores",
                              "updated_at"])
    if resubmission:
        before, after = audit.diff({**_flat(before_content), "total": before_total},
                                   {**_flat(content), "total": total})
        after["unlocked_until"] = sheet.unlocked_until
        audit.record("scoresheet.resubmitted", sheet, before=before, after=after, actor=by)
    else:
        audit.record("scoresheet.submitted", sheet, before={"status": "draft"},
                     after={"status": "submitted", "total": total, **_flat(content)},
                     actor=by)
    return sheet


@transaction.atomic
def unlock_scoresheet(*, scoresheet: Scoresheet, by: User, reason: str,
                      until: datetime | None = None, now: datetime | None = None
                      ) -> Scoresheet:
    """Let the evaluator change a submitted or locked scoresheet until ``until`` (default
    now + 24 h, at most 30 days ahead). ``reason`` is required (≤ 1,000 characters).

    Raises ValidationError (keyed ``reason``/``until``, or general when the sheet is a draft
    its evaluator can still change). Audits ``scoresheet.unlocked`` with the reason."""
    now = now or timezone.now()
    sheet = Scoresheet.objects.select_for_update().select_related("assignment__stage").get(
        pk=scoresheet.pk)
    stage = sheet.assignment.stage
    reason = clean_text(reason or "").strip()
    until = until or now + UNLOCK_DEFAULT
    problems: dict[str, list[str]] = {}
    if not reason:
        problems["reason"] = [_("Give the reason for the unlock; it is kept in the audit log.")]
    elif count_chars(reason) > UNLOCK_REASON_MAX_CHARS:
        problems["reason"] = [_too_long(reason, UNLOCK_REASON_MAX_CHARS)]
    if until <= now:
        problems["until"] = [_("The unlock must end in the future.")]
    elif until > now + UNLOCK_MAX:
        problems["until"] = [_("An unlock lasts at most 30 days.")]
    if problems:
        raise ValidationError(problems)
    if sheet.status == Scoresheet.Status.DRAFT and stage.is_open(now):
        raise ValidationError(_("This scoresheet is a draft in an open stage: its evaluator "
                                "can change it without an unlock."))
    before = {"unlocked_until": sheet.unlocked_until}
    sheet.unlocked_until = until
    sheet.save(update_fields=["unlocked_until", "updated_at"])
    audit.record("scoresheet.unlocked", sheet, before=before,
                 after={"unlocked_until": until, "reason": reason}, actor=by)
    scoresheet.unlocked_until = until
    return sheet
