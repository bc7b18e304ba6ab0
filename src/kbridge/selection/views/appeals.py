"""Appeal views (이의신청): the applicant files and reads; operators outside the panel answer.

/applications/<application_id>/appeal/               the startup's members, once results are
                                                     announced: GET the window and the appeals,
                                                     POST files one
/manage/selection/appeals/                           operators: their agencies' appeals
/manage/selection/appeals/<appeal_id>/               operators of the program: the appeal, the
                                                     scores per criterion and the anonymised
                                                     reasons; the answer form for those allowed
/manage/selection/appeals/<appeal_id>/answer/        POST: answer (``selection.answer_appeal``)
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kbridge.applications.models import Application
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.selection.forms_appeals import AnswerForm, AppealForm
from kbridge.selection.models import Appeal, Outcome
from kbridge.selection.services import appeals as services

# --- the applicant -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_login
def applicant_appeal(request, application_id: int):
    application = get_object_or_404_for(
        request.user, "selection.view_own_appeals",
        Application.objects.select_related("call", "track__partner__organisation", "applicant"),
        pk=application_id)
    outcome = get_object_or_404(Outcome.objects.select_related("selection__track__call",
                                                               "selection__stage"),
                                application=application)
    form = AppealForm()
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST)
        if form.is_valid():
            try:
                services.file_appeal(outcome=outcome, by=request.user,
                                     grounds=form.cleaned_data["grounds"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your appeal was filed. The program's operators "
                                            "have been told; you will get an e-mail when it is "
                                            "answered."))
                return redirect("selection:appeal", application_id=application.pk)
    window = services.window_of(outcome)
    return render(request, "selection/appeals/applicant.html", {
        "application": application, "outcome": outcome, "window": window, "form": form,
        "appeals": services.appeals_of_outcome(outcome),
        "answer_days": services.ANSWER_WORKING_DAYS, "now": timezone.now(),
    }, status=status)


# --- operators -----------------------------------------------------------------------------


@require_safe
@require_perm("selection.view_appeal_list")
def appeal_list(request):
    now = timezone.now()
    rows = [{"appeal": a, "overdue": services.is_overdue(a, now),
             "days": services.working_days_taken(a)}
            for a in services.appeals_for_operator(request.user)]
    return render(request, "selection/appeals/list.html", {
        "rows": rows, "open": sum(1 for r in rows if r["appeal"].status == Appeal.Status.FILED),
        "answer_days": services.ANSWER_WORKING_DAYS})


def _appeal_for_operator(request, appeal_id: int) -> Appeal:
    return get_object_or_404_for(
        request.user, "selection.view_appeal",
        Appeal.objects.select_related(
            "outcome__selection__track__call__program", "outcome__selection__stage",
            "outcome__application__applicant", "outcome__application__call",
            "outcome__selection__track__partner__organisation", "filed_by", "handler"),
        pk=appeal_id)


def _detail(request, appeal: Appeal, form: AnswerForm | None = None, *, refused=None):
    user = request.user
    can_answer = user.has_perm("selection.answer_appeal", appeal)
    on_panel = services.is_on_panel(user, appeal.outcome.application)
    if form is None and can_answer:
        form = AnswerForm(stage=appeal.outcome.selection.stage)
    return render(request, "selection/appeals/detail.html", {
        "appeal": appeal, "outcome": appeal.outcome,
        "application": appeal.outcome.application, "review": services.review_of(appeal),
        "form": form, "can_answer": can_answer, "on_panel": on_panel, "refused": refused,
        "overdue": services.is_overdue(appeal), "days": services.working_days_taken(appeal),
        "cited": list(appeal.criteria_cited.order_by("position", "pk")),
        "earlier": (appeal.outcome.appeals.exclude(pk=appeal.pk)
                    .order_by("-created_at", "-id")),
    })


@require_safe
@require_login
def appeal_detail(request, appeal_id: int):
    return _detail(request, _appeal_for_operator(request, appeal_id))


@require_login
@post_only(back=to("selection:appeal_detail", "appeal_id"))
def appeal_answer(request, appeal_id: int):
    appeal = _appeal_for_operator(request, appeal_id)
    form = AnswerForm(request.POST, stage=appeal.outcome.selection.stage)
    if not request.user.has_perm("selection.answer_appeal", appeal):
        # They may read it, not answer it: say why, and show what they typed back.
        reason = (_("You evaluated this application, so you may not answer its appeal: "
                    "someone outside the panel must.")
                  if services.is_on_panel(request.user, appeal.outcome.application)
                  else _("This appeal has already been answered."))
        return _detail(request, appeal, form, refused=reason)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.answer_appeal(
                appeal=appeal, by=request.user, upheld=data["decision"] == "upheld",
                answer=data["answer"], criteria=list(data["criteria"]),
                corrected_score=data["corrected_score"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The appeal was answered and the applicant told by "
                                        "e-mail."))
            return redirect("selection:appeal_detail", appeal_id=appeal.pk)
    appeal.refresh_from_db()
    return _detail(request, appeal, form)


urlpatterns = [
    path("applications/<int:application_id>/appeal/", applicant_appeal, name="appeal"),
    path("manage/selection/appeals/", appeal_list, name="appeal_list"),
    path("manage/selection/appeals/<int:appeal_id>/", appeal_detail, name="appeal_detail"),
    path("manage/selection/appeals/<int:appeal_id>/answer/", appeal_answer,
         name="appeal_answer"),
]
