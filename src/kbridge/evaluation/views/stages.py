"""Evaluation views: stages of a call, their rules, rubric, closing and the shortlist.

Operators only (agency-scoped: another agency's operator, evaluators and everyone else get
404); the writes are ``services.stages`` and ``services.notices``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.evaluation import selectors
from kbridge.evaluation.forms_stages import (
    CriterionForm,
    RubricFormSet,
    StageForm,
    initial_window,
)
from kbridge.evaluation.models import Stage
from kbridge.evaluation.services import notices
from kbridge.evaluation.services import stages as services
from kbridge.programs.models import Call


def _call(request, call_id: int) -> Call:
    return get_object_or_404_for(request.user, "programs.manage_program",
                                 Call.objects.select_related("program"), pk=call_id)


def _stage(request, pk: int) -> Stage:
    return get_object_or_404_for(request.user, "evaluation.manage_stage",
                                 selectors.stages_for_operator(request.user)
                                 .select_related("call__program__operator"), pk=pk)


def _changed(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data
            if not form.fields[name].disabled}


def stage_state(stage: Stage, now=None) -> str:
    """``not_open`` / ``open`` / ``closed`` (closed early by an operator) / ``ended``."""
    now = now or timezone.now()
    if stage.closed_at is not None:
        return "closed"
    if now >= stage.closes_at:
        return "ended"
    return "open" if stage.opens_at <= now else "not_open"


@require_safe
@require_login
def call_stages(request, call_id: int):
    call = _call(request, call_id)
    stages = {s.kind: s for s in selectors.stages_for_operator(request.user).filter(call=call)}
    now = timezone.now()
    rows = [(kind, label, stages.get(kind), stage_state(stages[kind], now) if kind in stages
             else None) for kind, label in Stage.Kind.choices]
    return render(request, "evaluation/stages/call_stages.html", {
        "call": call, "rows": rows, "has_document": Stage.Kind.DOCUMENT in stages})


@require_login
def stage_create(request, call_id: int, kind: str):
    call = _call(request, call_id)
    if kind not in Stage.Kind.values:
        raise Http404
    existing = Stage.objects.filter(call=call, kind=kind).first()
    if existing is not None:
        messages.info(request, _("This call already has its %(stage)s.")
                      % {"stage": existing.get_kind_display()})
        return redirect("evaluation:stage_edit", pk=existing.pk)
    stage = Stage(call=call, kind=kind)
    form = StageForm(request.POST or None, instance=stage,
                     initial=initial_window(call, kind))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_stage(call=call, kind=kind, by=request.user,
                                            **{n: form.cleaned_data[n] for n in form.fields})
        except ValidationError as exc:
            form.add_error(None, exc.messages)  # a field the form lacks must not 500
        else:
            messages.success(request, _("Stage set up with the default rubric. Review the "
                                        "rubric before evaluators start."))
            return redirect("evaluation:stage_detail", pk=created.pk)
    return render(request, "evaluation/stages/stage_form.html", {
        "form": form, "call": call, "title": Stage.Kind(kind).label})


@require_safe
@require_login
def stage_detail(request, pk: int):
    stage = _stage(request, pk)
    return render(request, "evaluation/stages/stage_detail.html", {
        "stage": stage, "call": stage.call, "state": stage_state(stage),
        "counts": selectors.scoresheet_counts(stage),
        "criteria": list(stage.criteria.all()),
        "rubric_editable": request.user.has_perm("evaluation.edit_rubric", stage),
        "may_close": request.user.has_perm("evaluation.close_stage", stage)})


@require_login
def stage_edit(request, pk: int):
    stage = _stage(request, pk)
    locked = not request.user.has_perm("evaluation.edit_rubric", stage)
    form = StageForm(request.POST or None, instance=stage, scale_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_stage(stage=Stage.objects.get(pk=stage.pk), by=request.user,
                                  **_changed(form))
        except ValidationError as exc:
            form.add_error(None, exc.messages)  # a field the form lacks must not 500
        else:
            messages.success(request, _("Stage saved."))
            return redirect("evaluation:stage_detail", pk=stage.pk)
    return render(request, "evaluation/stages/stage_form.html", {
        "form": form, "call": stage.call, "stage": stage, "title": stage.get_kind_display()})


@require_login
@post_only(back=to("evaluation:stage_detail", "pk"))
def stage_close(request, pk: int):
    stage = _stage(request, pk)
    try:
        services.close_stage(stage=stage, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The stage is closed: scores are locked, and evaluators "
                                    "who did not submit are notified."))
    return redirect("evaluation:stage_detail", pk=stage.pk)


@require_login
@post_only(back=to("evaluation:stage_detail", "pk"))
def stage_notify(request, pk: int):
    stage = _stage(request, pk)
    if stage.has_ended():
        messages.error(request, _("This evaluation has already ended."))
    else:
        notices.notify_assigned(stage=stage, by=request.user)
        messages.success(request, _("Assignment notices are being sent. An evaluator is "
                                    "notified once per set of assigned applications."))
    return redirect("evaluation:stage_detail", pk=stage.pk)


@require_login
def rubric_edit(request, pk: int):
    stage = _stage(request, pk)
    editable = request.user.has_perm("evaluation.edit_rubric", stage)
    levels = range(stage.scale_min, stage.scale_max + 1)
    criteria = list(stage.criteria.all())
    formset = RubricFormSet(request.POST if request.method == "POST" and editable else None,
                            initial=[CriterionForm.initial_of(c) for c in criteria],
                            form_kwargs={"levels": levels}, prefix="rubric")
    errors = []
    if request.method == "POST" and not editable:
        errors.append(_("The rubric cannot change any more: scoresheets of this stage have "
                        "been submitted against it."))
    elif request.method == "POST" and formset.is_valid():
        try:
            services.save_rubric(stage=stage, criteria=formset.criteria(), by=request.user)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(request, _("Rubric saved."))
            return redirect("evaluation:stage_detail", pk=stage.pk)
    return render(request, "evaluation/stages/rubric_form.html", {
        "stage": stage, "call": stage.call, "formset": formset, "editable": editable,
        "errors": errors, "levels": list(levels),
        "submitted": services.submitted_count(stage)})


@require_login
def shortlist(request, call_id: int):
    call = _call(request, call_id)
    stage = selectors.stages_for_operator(request.user).filter(
        call=call, kind=Stage.Kind.PRESENTATION).first()
    if request.method == "POST":
        if stage is None:
            messages.error(request, _("Set up the presentation evaluation first."))
        else:
            try:
                created = services.confirm_shortlist(stage=stage, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Shortlist confirmed: %(count)s applications.")
                                 % {"count": len(created)})
        return redirect("evaluation:shortlist", call_id=call.pk)
    proposal = None
    problem = ""
    if stage is not None:
        try:
            proposal = services.shortlist(stage=stage)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    return render(request, "evaluation/stages/shortlist.html", {
        "call": call, "stage": stage, "proposal": proposal, "problem": problem,
        "confirmed": list(selectors.confirmed_shortlist(stage)) if stage else []})


urlpatterns = [
    path("manage/evaluation/calls/<int:call_id>/", call_stages, name="call_stages"),
    path("manage/evaluation/calls/<int:call_id>/stages/new/<slug:kind>/", stage_create,
         name="stage_create"),
    path("manage/evaluation/calls/<int:call_id>/shortlist/", shortlist, name="shortlist"),
    path("manage/evaluation/stages/<int:pk>/", stage_detail, name="stage_detail"),
    path("manage/evaluation/stages/<int:pk>/edit/", stage_edit, name="stage_edit"),
    path("manage/evaluation/stages/<int:pk>/close/", stage_close, name="stage_close"),
    path("manage/evaluation/stages/<int:pk>/notify/", stage_notify, name="stage_notify"),
    path("manage/evaluation/stages/<int:pk>/rubric/", rubric_edit, name="rubric_edit"),
]
