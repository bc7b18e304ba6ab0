"""Evaluation views: the pool (evaluator profiles, invitations), the pledge and conflicts.

/evaluate/profile/                                          an evaluator's own pool profile
/evaluate/stages/<stage>/pledge/                            read and sign the stage's pledge
/evaluate/stages/<stage>/conflicts/                         declare a conflict (회피)
/manage/evaluation/stages/<stage>/evaluators/               operators: invited set, pool, invite
/manage/evaluation/stages/<stage>/evaluators/<id>/remove/   operators: take off the stage
/manage/evaluation/stages/<stage>/conflicts/                operators: list, add
/manage/evaluation/stages/<stage>/conflicts/detect/         operators: run the detection
/manage/evaluation/stages/<stage>/conflicts/<id>/override/  operators: set aside (reason)
/manage/evaluation/stages/<stage>/conflicts/<id>/reinstate/ operators: back in force
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.core.text import clean_query
from kbridge.evaluation import pledge as pledges
from kbridge.evaluation import selectors
from kbridge.evaluation.forms_pool import (
    InviteForm,
    OperatorConflictForm,
    OverrideForm,
    ProfileForm,
    RecusalForm,
    RemoveForm,
    TieFormSet,
    ties_from_formset,
)
from kbridge.evaluation.models import Conflict, EvaluatorProfile, Stage, StageEvaluator
from kbridge.evaluation.rules import has_signed_pledge
from kbridge.evaluation.services import conflicts as conflict_services
from kbridge.evaluation.services import pool as services

POOL_PAGE_SIZE = 50


def _add_errors(form, exc: ValidationError) -> None:
    problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, reasons in problems.items():
        field = name if name in form.fields else None
        for reason in reasons:
            form.add_error(field, reason)


# --- the evaluator's profile ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_perm("evaluation.edit_evaluator_profile")
def profile(request):
    current = EvaluatorProfile.objects.filter(user=request.user).first()
    initial, ties = {}, []
    if current is not None:
        initial = {"expertise_ko": current.expertise_ko, "expertise_en": current.expertise_en,
                   "expertise_keywords": current.expertise_keywords,
                   "expert_type": current.expert_type,
                   "years_of_experience": current.years_of_experience,
                   "gender": current.gender,
                   "gender_consent": current.gender_consent_at is not None}
        ties = [{"kind": t.kind, "organisation_name": t.organisation_name,
                 "business_registration_number": t.business_registration_number,
                 "started_on": t.started_on, "ended_on": t.ended_on}
                for t in current.ties.all()]
    form = ProfileForm(request.POST or None, initial=initial)
    formset = TieFormSet(request.POST or None, initial=ties, prefix="ties")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.save_profile(
                user=request.user, expertise_ko=data["expertise_ko"],
                expertise_en=data["expertise_en"],
                expertise_keywords=data["expertise_keywords"],
                expert_type=data["expert_type"],
                years_of_experience=data["years_of_experience"],
                gender=data["gender"] if data["gender_consent"] else "",
                gender_consent=data["gender_consent"], ties=ties_from_formset(formset))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your evaluator profile is saved."))
            return redirect("evaluation:profile")
    return render(request, "evaluation/pool/profile.html", {
        "form": form, "formset": formset, "profile": current,
        "affiliation": services.affiliation_of(request.user)})


# --- pledge --------------------------------------------------------------------------------


def _invited_stage(request, stage_id: int, perm: str = "evaluation.read_pledge") -> Stage:
    return get_object_or_404_for(request.user, perm,
                                 Stage.objects.select_related("call__program"), pk=stage_id)


def _invitation(request, stage: Stage) -> StageEvaluator:
    return get_object_or_404(StageEvaluator.objects.select_related("stage"), stage=stage,
                             evaluator=request.user, removed_at__isnull=True)


@require_http_methods(["GET", "HEAD", "POST"])
@require_login
def pledge(request, stage_id: int):
    stage = _invited_stage(request, stage_id)
    invitation = _invitation(request, stage)
    if request.method == "POST":
        if not request.user.has_perm("evaluation.sign_pledge", stage):
            raise Http404
        if request.POST.get("agree") != "on":
            messages.error(request, _("Tick the box to confirm that you read and accept the "
                                      "pledge."))
        else:
            try:
                services.sign_pledge(invitation=invitation, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Thank you: you signed the pledge."))
        return redirect("evaluation:pledge", stage_id=stage.pk)
    return render(request, "evaluation/pool/pledge.html", {
        "stage": stage, "invitation": invitation, "text": pledges.pledge(stage.pledge_version),
        "may_sign": request.user.has_perm("evaluation.sign_pledge", stage)})


# --- the evaluator's conflicts -----------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_login
def evaluator_conflicts(request, stage_id: int):
    stage = _invited_stage(request, stage_id)
    if not request.user.has_perm("evaluation.declare_conflict", stage):
        # Invited but not signed yet: the pledge comes first. Otherwise (ended): nothing here.
        if not stage.has_ended() and not has_signed_pledge(request.user, stage):
            return redirect("evaluation:pledge", stage_id=stage.pk)
        raise Http404
    applicants = selectors.applicant_names_for_evaluator(request.user, stage)
    form = RecusalForm(request.POST or None, applicants=applicants)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        application = conflict_services.stage_applications(stage).exclude(
            pk__in=selectors.conflicted_application_ids(request.user)).filter(
            pk=data["application"]).first()
        try:
            if application is None:
                raise ValidationError({"application": _("Choose one of the options.")})
            conflict_services.declare_recusal(
                stage=stage, evaluator=request.user, application=application,
                basis=data["basis"], detail=data["detail"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your conflict is recorded: you will not be given "
                                        "this application, and any assignment of it to you "
                                        "was removed."))
            return redirect("evaluation:evaluator_conflicts", stage_id=stage.pk)
    return render(request, "evaluation/pool/evaluator_conflicts.html", {
        "stage": stage, "form": form, "applicants": applicants,
        "recusals": selectors.recusals_of(request.user, stage)})


# --- operators: the stage's evaluators and the pool ----------------------------------------


def _operator_stage(request, stage_id: int) -> Stage:
    return get_object_or_404_for(request.user, "evaluation.manage_stage",
                                 selectors.stages_for_operator(request.user), pk=stage_id)


def _pool_context(request, stage: Stage, **extra) -> dict:
    query = clean_query(request.GET.get("q"))
    members = selectors.pool_members(query, exclude_stage=stage)
    shown = list(members[:POOL_PAGE_SIZE + 1])
    return {
        "stage": stage, "query": query, "members": shown[:POOL_PAGE_SIZE],
        "more": len(shown) > POOL_PAGE_SIZE,
        "invitations": selectors.stage_invitations(stage),
        "composition": selectors.composition(stage), "remove_form": RemoveForm(),
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@require_login
def stage_evaluators(request, stage_id: int):
    stage = _operator_stage(request, stage_id)
    if request.method == "POST":
        form = InviteForm(request.POST)
        evaluator = None
        if form.is_valid():
            evaluator = selectors.pool_members().filter(pk=form.cleaned_data["evaluator"]).first()
            if evaluator is None:
                form.add_error(None, _("Only evaluators of the pool can be invited."))
        if evaluator is not None:
            try:
                services.invite_evaluator(stage=stage, evaluator=evaluator, by=request.user)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is invited; an e-mail is on its way.")
                                 % {"name": evaluator.get_full_name()})
                return redirect("evaluation:stage_evaluators", stage_id=stage.pk)
        return render(request, "evaluation/pool/stage_evaluators.html",
                      _pool_context(request, stage, invite_errors=form.errors))
    return render(request, "evaluation/pool/stage_evaluators.html",
                  _pool_context(request, stage))


@require_login
@post_only(back=to("evaluation:stage_evaluators", "stage_id"))
def remove_evaluator(request, stage_id: int, pk: int):
    stage = _operator_stage(request, stage_id)
    invitation = get_object_or_404(StageEvaluator.objects.select_related("evaluator"),
                                   stage=stage, pk=pk)
    form = RemoveForm(request.POST)
    if form.is_valid():
        try:
            services.remove_evaluator(invitation=invitation, by=request.user,
                                      reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was removed from this stage.")
                             % {"name": invitation.evaluator.get_full_name()})
            return redirect("evaluation:stage_evaluators", stage_id=stage.pk)
    return render(request, "evaluation/pool/stage_evaluators.html",
                  _pool_context(request, stage, remove_form=form, removing=invitation.pk),)


# --- operators: conflicts -----------------------------------------------------------------


def _conflicts_context(stage: Stage, **extra) -> dict:
    from kbridge.core.i18n import localized_text

    applicants = [(a.pk, localized_text(a.applicant, "name")) for a in
                  conflict_services.stage_applications(stage).select_related("applicant")
                  .order_by("applicant__name_ko", "pk")]
    evaluators = [(i.evaluator_id, i.evaluator.get_full_name() or i.evaluator.email)
                  for i in selectors.stage_invitations(stage)]
    context = {"stage": stage, "conflicts": selectors.stage_conflicts(stage),
               "override_form": OverrideForm(),
               "add_form": OperatorConflictForm(applicants=applicants, evaluators=evaluators)}
    context.update(extra)
    return context


@require_http_methods(["GET", "HEAD", "POST"])
@require_login
def stage_conflicts(request, stage_id: int):
    stage = _operator_stage(request, stage_id)
    if request.method != "POST":
        return render(request, "evaluation/pool/stage_conflicts.html", _conflicts_context(stage))
    base = _conflicts_context(stage)
    form = OperatorConflictForm(request.POST,
                                applicants=base["add_form"].fields["application"].choices[1:],
                                evaluators=base["add_form"].fields["evaluator"].choices[1:])
    if form.is_valid():
        data = form.cleaned_data
        application = conflict_services.stage_applications(stage).filter(
            pk=data["application"]).first()
        evaluator = get_user_model().objects.filter(pk=data["evaluator"]).first()
        try:
            if application is None or evaluator is None:
                raise ValidationError(_("Choose one of the options."))
            conflict_services.add_conflict(stage=stage, evaluator=evaluator,
                                           application=application, basis=data["basis"],
                                           detail=data["detail"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The conflict is recorded."))
            return redirect("evaluation:stage_conflicts", stage_id=stage.pk)
    return render(request, "evaluation/pool/stage_conflicts.html",
                  {**base, "add_form": form})


@require_login
@post_only(back=to("evaluation:stage_conflicts", "stage_id"))
def detect(request, stage_id: int):
    stage = _operator_stage(request, stage_id)
    created = conflict_services.detect_conflicts(stage=stage, by=request.user)
    messages.success(request, _("Detection finished: %(n)s new conflicts.") % {"n": len(created)})
    return redirect("evaluation:stage_conflicts", stage_id=stage.pk)


def _stage_conflict(request, stage_id: int, pk: int) -> tuple[Stage, Conflict]:
    stage = _operator_stage(request, stage_id)
    conflict = get_object_or_404(selectors.stage_conflicts(stage), pk=pk)
    return stage, conflict


@require_login
@post_only(back=to("evaluation:stage_conflicts", "stage_id"))
def override(request, stage_id: int, pk: int):
    stage, conflict = _stage_conflict(request, stage_id, pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            conflict_services.override_conflict(conflict=conflict, by=request.user,
                                                reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The conflict is set aside."))
            return redirect("evaluation:stage_conflicts", stage_id=stage.pk)
    return render(request, "evaluation/pool/stage_conflicts.html",
                  _conflicts_context(stage, override_form=form, overriding=conflict.pk),)


@require_login
@post_only(back=to("evaluation:stage_conflicts", "stage_id"))
def reinstate(request, stage_id: int, pk: int):
    stage, conflict = _stage_conflict(request, stage_id, pk)
    try:
        conflict_services.reinstate_conflict(conflict=conflict, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The conflict is in force again."))
    return redirect("evaluation:stage_conflicts", stage_id=stage.pk)


urlpatterns = [
    path("evaluate/profile/", profile, name="profile"),
    path("evaluate/stages/<int:stage_id>/pledge/", pledge, name="pledge"),
    path("evaluate/stages/<int:stage_id>/conflicts/", evaluator_conflicts,
         name="evaluator_conflicts"),
    path("manage/evaluation/stages/<int:stage_id>/evaluators/", stage_evaluators,
         name="stage_evaluators"),
    path("manage/evaluation/stages/<int:stage_id>/evaluators/<int:pk>/remove/",
         remove_evaluator, name="remove_evaluator"),
    path("manage/evaluation/stages/<int:stage_id>/conflicts/", stage_conflicts,
         name="stage_conflicts"),
    path("manage/evaluation/stages/<int:stage_id>/conflicts/detect/", detect,
         name="detect_conflicts"),
    path("manage/evaluation/stages/<int:stage_id>/conflicts/<int:pk>/override/", override,
         name="override_conflict"),
    path("manage/evaluation/stages/<int:stage_id>/conflicts/<int:pk>/reinstate/", reinstate,
         name="reinstate_conflict"),
]
