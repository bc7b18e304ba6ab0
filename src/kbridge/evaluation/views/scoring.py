"""Evaluation views: scoring.

Evaluators: ``/evaluate/`` (their invitations), ``/evaluate/stages/<id>/`` (their assigned
applications, only after signing the stage's pledge), ``/evaluate/assignments/<id>/`` (the
application as submitted, its files, and the scoresheet: save, autosave, submit).
Operators: ``/manage/evaluation/scoresheets/<id>/`` (one scoresheet, with its audit trail) and
its unlock. Permissions are the named rules of ``evaluation/rules.py``; anything a person may
not see is 404 (a conflicted evaluator's assignment included).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Membership
from kbridge.applications import selectors as application_selectors
from kbridge.applications import services as application_services
from kbridge.applications.models import Attachment
from kbridge.core import audit_display
from kbridge.core.language import post_only, to
from kbridge.core.models import AuditLog
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.evaluation import selectors
from kbridge.evaluation.forms_scoring import (
    LIMITS,
    ScoresheetInput,
    UnlockForm,
    new_editor_id,
    posted_content,
    scoresheet_rows,
)
from kbridge.evaluation.models import Assignment, Scoresheet, Stage
from kbridge.evaluation.services import scoring

# --- evaluator side ---------------------------------------------------------------------


def pledge_url(stage_id: int) -> str:
    """The stage's pledge page (views/pool.py)."""
    return reverse("evaluation:pledge", kwargs={"stage_id": stage_id})


def _is_evaluator(user) -> bool:
    return Membership.objects.filter(user=user, role=Membership.Role.EVALUATOR).exists()


@require_safe
@require_login
def home(request):
    invitations = list(selectors.invitations_of(request.user))
    if not invitations and not _is_evaluator(request.user):
        raise Http404
    by_stage: dict[int, list[Assignment]] = {}
    for a in selectors.my_assignments(request.user):
        by_stage.setdefault(a.stage_id, []).append(a)
    rows = []
    for invitation in invitations:
        signed = invitation.has_signed
        mine = by_stage.get(invitation.stage_id, []) if signed else []
        rows.append({
            "invitation": invitation, "stage": invitation.stage, "signed": signed,
            "pledge_url": pledge_url(invitation.stage_id),
            "assigned": len(mine),
            "submitted": sum(1 for a in mine if _status(a) == Scoresheet.Status.SUBMITTED),
        })
    return render(request, "evaluation/scoring/home.html", {"rows": rows})


def _status(assignment: Assignment) -> str:
    sheet = getattr(assignment, "scoresheet", None)
    return sheet.status if sheet is not None else Scoresheet.Status.DRAFT


@require_safe
@require_login
def stage_home(request, stage_id: int):
    stage = get_object_or_404_for(request.user, "evaluation.evaluate_stage",
                                  Stage.objects.select_related("call__program"), pk=stage_id)
    invitation = selectors.invitations_of(request.user).get(stage=stage)
    context = {"stage": stage, "signed": invitation.has_signed,
               "pledge_url": pledge_url(stage.pk), "now": timezone.now()}
    if invitation.has_signed:
        context["assignments"] = [
            {"assignment": a, "status": _status(a),
             "sheet": getattr(a, "scoresheet", None)}
            for a in selectors.my_assignments(request.user, stage)]
    return render(request, "evaluation/scoring/stage.html", context)


def _assignment_for(request, assignment_id: int, perm: str = "evaluation.view_assignment"):
    return get_object_or_404_for(
        request.user, perm,
        Assignment.objects.select_related("stage__call__program", "application__applicant",
                                          "application__track__partner__organisation",
                                          "application__call"),
        pk=assignment_id)


def _profile(snapshot: dict) -> SimpleNamespace:
    """A submission's frozen profile with attribute access (for the ``localized`` filters)."""
    fields = ["name_ko", "name_en", "description_ko", "description_en", "website", "sector",
              "founded_on", "team_size", "revenue_krw", "investment_krw", "patents",
              "technology_keywords", "keywords"]
    return SimpleNamespace(**{f: (snapshot or {}).get(f) for f in fields})


def _page(request, assignment, *, content=None, errors=None, conflict=False, refusal="",
          status=200):
    stage = assignment.stage
    criteria = scoring.criteria_of(stage)
    sheet = selectors.scoresheet_of(assignment)
    stored = scoring.payload(sheet, criteria)
    shown = content or stored
    submission = selectors.latest_submission(assignment.application)
    questions = {str(q.pk): q for q in application_selectors.questions_of(
        assignment.application.call)}
    may_change = request.user.has_perm("evaluation.change_scoresheet", assignment)
    may_see_panel = request.user.has_perm("evaluation.view_panel_scores", assignment)
    panel = selectors.panel_scores(assignment, request.user) if may_see_panel else []
    criteria_by_pk = {str(c.pk): c for c in criteria}
    for entry in panel:
        scores = entry["scores"] or {}
        entry["rows"] = [{"criterion": criteria_by_pk[key],
                          "level": (scores.get("levels") or {}).get(key),
                          "reason": (scores.get("reasons") or {}).get(key, "")}
                         for key in criteria_by_pk]
        entry["comment"] = scores.get("comment", "")
    error_summary = []
    for c in criteria:
        for kind in ("level", "reason"):
            for message in (errors or {}).get(f"{kind}_{c.pk}", []):
                error_summary.append({"label": str(c), "message": message,
                                      "anchor": f"{kind}-{c.pk}"})
    for message in (errors or {}).get("overall_comment", []):
        error_summary.append({"label": _("Overall comment"), "message": message,
                              "anchor": "id_overall_comment"})
    return render(request, "evaluation/scoring/assignment.html", {
        "assignment": assignment, "stage": stage, "application": assignment.application,
        "sheet": sheet, "rows": scoresheet_rows(stage, criteria, shown, errors),
        "comment": shown["comment"], "comment_errors": (errors or {}).get("overall_comment"),
        "editor": new_editor_id(), "version": sheet.version,
        "submission": submission, "profile": _profile(submission.profile if submission else {}),
        "questions": questions, "may_change": may_change, "may_see_panel": may_see_panel,
        "panel": panel, "conflict": conflict, "refusal": refusal,
        "error_summary": error_summary, "limits": LIMITS,
        "has_unsubmitted_changes": _has_unsubmitted_changes(sheet, stored),
        "now": timezone.now(),
    }, status=status)


def _has_unsubmitted_changes(sheet, stored: dict) -> bool:
    return sheet.status == Scoresheet.Status.SUBMITTED and stored != sheet.submitted_scores


def _save(request, assignment):
    """Save what was posted. Returns (sheet or None, problem) where problem is one of
    None, ("conflict", None), ("locked", message), ("invalid", errors dict)."""
    criteria = scoring.criteria_of(assignment.stage)
    posted = ScoresheetInput(request.POST, criteria)
    try:
        sheet = scoring.save_scoresheet(
            assignment=assignment, by=request.user, levels=posted.levels(),
            reasons=posted.reasons(), comment=posted.comment(), base_version=posted.version(),
            editor=posted.editor())
    except scoring.ScoresheetConflict:
        return None, ("conflict", None)
    except scoring.ScoresheetLocked as exc:
        return None, ("locked", " ".join(exc.messages))
    except ValidationError as exc:
        return None, ("invalid", exc.message_dict if hasattr(exc, "error_dict")
                      else {"overall_comment": exc.messages})
    return sheet, None


def _refused_page(request, assignment, problem):
    """The page again with exactly what was typed, and why it was not saved."""
    kind, detail = problem
    criteria = scoring.criteria_of(assignment.stage)
    stored = scoring.payload(selectors.scoresheet_of(assignment), criteria)
    content = posted_content(request.POST, criteria, stored)
    if kind == "conflict":
        return _page(request, assignment, content=content, conflict=True, status=409)
    if kind == "locked":
        return _page(request, assignment, content=content, refusal=detail, status=409)
    return _page(request, assignment, content=content, errors=detail, status=200)


#: The query a refused submission redirects to: the scoresheet shows what is missing from
#: the stored draft. It is in the address, not the session, so a repeated or concurrent
#: request of the same session (a double click) can never consume another's notice.
REFUSED_QUERY = "check=submission"


@require_login
def assignment_page(request, assignment_id: int):
    assignment = _assignment_for(request, assignment_id)
    if request.method != "POST" and request.GET.get("check") == "submission":
        # What is missing *now* (autosave may have stored more since the refused submit).
        sheet = selectors.scoresheet_of(assignment)
        if sheet.status == Scoresheet.Status.DRAFT:
            problems = scoring.submission_problems(sheet, scoring.criteria_of(assignment.stage),
                                                   assignment.stage)
            if problems:
                return _page(request, assignment, errors=problems)
    if request.method == "POST":
        sheet, problem = _save(request, assignment)
        if problem:
            return _refused_page(request, assignment, problem)
        if sheet.saved_at:
            messages.success(request, _("Scoresheet saved at %(time)s (KST).") % {
                "time": timezone.localtime(sheet.saved_at).strftime("%H:%M:%S")})
        return redirect("evaluation:assignment", assignment_id=assignment.pk)
    return _page(request, assignment)


@require_login
@post_only(back=to("evaluation:assignment", "assignment_id"))
def autosave(request, assignment_id: int):
    """HTMX (the page's form): the save status, with the new version out of band. Any other
    client: JSON ``{"saved", "version", "saved_at", "conflict", "error"}`` (409 when not
    saved for a conflict or a lock, 400 for invalid input)."""
    assignment = _assignment_for(request, assignment_id)
    sheet, problem = _save(request, assignment)
    kind, detail = problem or (None, None)
    error = ""
    if kind == "locked":
        error = detail
    elif kind == "invalid":
        error = " ".join(m for messages_ in detail.values() for m in messages_)
    current = sheet or selectors.scoresheet_of(assignment)
    if request.htmx:
        return render(request, "evaluation/scoring/_save_status.html", {
            "sheet": current, "assignment": assignment, "conflict": kind == "conflict",
            "error": error, "oob": True, "has_unsubmitted_changes": _has_unsubmitted_changes(
                current, scoring.payload(current, scoring.criteria_of(assignment.stage)))})
    status = {None: 200, "conflict": 409, "locked": 409, "invalid": 400}[kind]
    return JsonResponse({
        "saved": kind is None, "version": current.version,
        "saved_at": current.saved_at.isoformat() if current.saved_at else None,
        "conflict": kind == "conflict", "error": error}, status=status)


@require_login
@post_only(back=to("evaluation:assignment", "assignment_id"))
def submit(request, assignment_id: int):
    assignment = _assignment_for(request, assignment_id)
    sheet, problem = _save(request, assignment)
    if problem and problem[0] == "locked":
        # A double click on a submitted scoresheet: the same content is already submitted.
        criteria = scoring.criteria_of(assignment.stage)
        posted = ScoresheetInput(request.POST, criteria)
        if scoring.is_submitted_as(selectors.scoresheet_of(assignment), criteria,
                                   levels=posted.levels(), reasons=posted.reasons(),
                                   comment=posted.comment()):
            return redirect("evaluation:assignment", assignment_id=assignment.pk)
    if problem:
        return _refused_page(request, assignment, problem)
    try:
        scoring.submit_scoresheet(assignment=assignment, by=request.user, version=sheet.version)
    except scoring.ScoresheetIncomplete as exc:
        # The draft is saved as typed: show it with what is missing at the scoresheet's own
        # address (Post/Redirect/Get), so a reload never re-sends an older copy of the form.
        del exc  # the page recomputes what is missing from the stored draft
        return redirect(reverse("evaluation:assignment", args=[assignment.pk])
                        + "?" + REFUSED_QUERY)
    except scoring.ScoresheetConflict:
        return _refused_page(request, assignment, ("conflict", None))
    except scoring.ScoresheetLocked as exc:
        return _refused_page(request, assignment, ("locked", " ".join(exc.messages)))
    except ValidationError as exc:
        return _refused_page(request, assignment, ("locked", " ".join(exc.messages)))
    messages.success(request, _("Scoresheet submitted."))
    return redirect("evaluation:assignment", assignment_id=assignment.pk)


@require_safe
@require_login
def download(request, assignment_id: int, attachment_id: int):
    """A file of the application *as submitted* (its latest submission's files only)."""
    assignment = _assignment_for(request, assignment_id)
    submission = selectors.latest_submission(assignment.application)
    submitted_ids = {f.get("attachment") for f in (submission.files if submission else [])}
    if attachment_id not in submitted_ids:
        raise Http404
    attachment = Attachment.objects.filter(pk=attachment_id,
                                           application=assignment.application).first()
    if attachment is None:
        raise Http404
    handle = default_storage.open(application_services.storage_path(attachment), "rb")
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- operator side ----------------------------------------------------------------------


def _scoresheet_for_operator(request, scoresheet_id: int) -> Scoresheet:
    return get_object_or_404_for(request.user, "evaluation.unlock_scoresheet",
                                 selectors.scoresheets_for_operator(request.user),
                                 pk=scoresheet_id)


def _operator_page(request, sheet, form=None, status=200):
    criteria = scoring.criteria_of(sheet.assignment.stage)
    content = scoring.payload(sheet, criteria)
    submitted = sheet.submitted_scores or {}
    rows = [{"criterion": c, "level": content["levels"][str(c.pk)],
             "reason": content["reasons"][str(c.pk)],
             "submitted_level": (submitted.get("levels") or {}).get(str(c.pk)),
             "submitted_reason": (submitted.get("reasons") or {}).get(str(c.pk), "")}
            for c in criteria]
    trail = audit_display.present(AuditLog.objects.for_object(sheet))
    return render(request, "evaluation/scoring/manage_scoresheet.html", {
        "sheet": sheet, "assignment": sheet.assignment, "stage": sheet.assignment.stage,
        "rows": rows, "comment": content["comment"], "trail": trail,
        "form": form or UnlockForm(), "now": timezone.now(),
        "unlocked": bool(sheet.unlocked_until and sheet.unlocked_until > timezone.now()),
    }, status=status)


@require_safe
@require_login
def manage_scoresheet(request, scoresheet_id: int):
    return _operator_page(request, _scoresheet_for_operator(request, scoresheet_id))


@require_login
@post_only(back=to("evaluation:manage_scoresheet", "scoresheet_id"))
def unlock(request, scoresheet_id: int):
    sheet = _scoresheet_for_operator(request, scoresheet_id)
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            scoring.unlock_scoresheet(scoresheet=sheet, by=request.user,
                                      reason=form.cleaned_data["reason"],
                                      until=form.cleaned_data["until"])
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, reasons in problems.items():
                form.add_error(name if name in form.fields else None, reasons)
        else:
            messages.success(request, _("Scoresheet unlocked until %(time)s.") % {
                "time": timezone.localtime(form.cleaned_data["until"]).strftime(
                    "%Y-%m-%d %H:%M KST")})
            return redirect("evaluation:manage_scoresheet", scoresheet_id=sheet.pk)
    return _operator_page(request, sheet, form=form)


urlpatterns = [
    path("evaluate/", home, name="home"),
    path("evaluate/stages/<int:stage_id>/", stage_home, name="stage_home"),
    path("evaluate/assignments/<int:assignment_id>/", assignment_page, name="assignment"),
    path("evaluate/assignments/<int:assignment_id>/autosave/", autosave,
         name="assignment_autosave"),
    path("evaluate/assignments/<int:assignment_id>/submit/", submit,
         name="assignment_submit"),
    path("evaluate/assignments/<int:assignment_id>/files/<int:attachment_id>/", download,
         name="assignment_file"),
    path("manage/evaluation/scoresheets/<int:scoresheet_id>/", manage_scoresheet,
         name="manage_scoresheet"),
    path("manage/evaluation/scoresheets/<int:scoresheet_id>/unlock/", unlock,
         name="unlock_scoresheet"),
]
