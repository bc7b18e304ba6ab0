"""Evaluation views: the ranking of a stage and its export (operators), the reasons of an
application's evaluation and their rating (applicants).

/manage/evaluation/stages/<stage_id>/ranking/                      operators of the stage's agency
    ?by=trimmed_mean|mean|normalised  the measure the tracks are sorted by (default trimmed mean)
    ?export=csv|xlsx                  the same ranking as a download (core.exports)
/applications/<application_id>/evaluation/                        the startup's members
/applications/<application_id>/evaluation/ratings/<scoresheet_id>/ POST: rate one scoresheet's reasons
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kbridge.applications.models import Application
from kbridge.core import exports
from kbridge.core.forms import BaseForm
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.engine.evaluation import MEASURES, ScoreInputError
from kbridge.evaluation import ranking as reads
from kbridge.evaluation import selectors
from kbridge.evaluation.models import Scoresheet
from kbridge.evaluation.services import feedback as services

MEASURE_LABELS = {
    "trimmed_mean": gettext_lazy("Trimmed mean"),
    "mean": gettext_lazy("Mean"),
    "normalised": gettext_lazy("Normalised score"),
}
USEFULNESS_LABELS = [
    (1, gettext_lazy("1 · not useful")), (2, "2"), (3, "3"), (4, "4"),
    (5, gettext_lazy("5 · very useful")),
]


class RatingForm(BaseForm):
    usefulness = forms.TypedChoiceField(
        label=gettext_lazy("How useful were these reasons?"), coerce=int,
        choices=USEFULNESS_LABELS, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how useful the reasons were, from 1 "
                                                 "to 5."),
                        "invalid_choice": gettext_lazy("Choose how useful the reasons were, "
                                                       "from 1 to 5.")})


# --- operators -----------------------------------------------------------------------------


def _stage_for_operator(request, stage_id: int):
    return get_object_or_404_for(request.user, "evaluation.manage_stage",
                                 selectors.stages_for_operator(request.user), pk=stage_id)


@require_safe
@require_login
def stage_ranking(request, stage_id: int):
    stage = _stage_for_operator(request, stage_id)
    measure = reads.measure_from(request.GET.get("by"))
    try:
        result = reads.stage_ranking(stage, measure=measure)
    except ScoreInputError as exc:
        # A stored total the engine refuses (outside 0–100): say which, never a 500.
        return render(request, "evaluation/ranking/stage_ranking.html", {
            "stage": stage, "ranking": None, "error": exc.message,
            "measure_label": MEASURE_LABELS[measure],
            "measures": [(m, MEASURE_LABELS[m]) for m in MEASURES]})
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        return _export(result, export)
    return render(request, "evaluation/ranking/stage_ranking.html", {
        "stage": stage, "ranking": result, "measure_label": MEASURE_LABELS[result.measure],
        "measures": [(m, MEASURE_LABELS[m]) for m in MEASURES],
        "min_ratings": reads.ReasonRating.MIN_RATINGS_SHOWN,
    })


EXPORT_HEADER = [
    "track_ko", "track_en", "sorted_by", "place", "place_tied", "application_id", "company_ko", "company_en", "submitted",
    "assigned", "mean", "trimmed_mean", "trimmed", "normalised", "rank_mean", "rank_mean_tied",
    "rank_trimmed_mean", "rank_trimmed_mean_tied", "rank_normalised", "rank_normalised_tied",
    "minimum", "maximum", "range", "disagreement",
]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _export_rows(result: reads.StageRanking):
    """The header, then one row per application in the page's order; scores rounded to 2
    decimals as shown (ties are decided on these values), ranks as numbers with a tie flag."""
    yield EXPORT_HEADER
    for track, row in result.rows():
        r = row.result
        ranks = r.ranks if r else None
        yield [
            track.name_ko, track.name_en, result.measure,
            ranks.of(result.measure) if ranks else None,
            ranks.tied(result.measure) if ranks else None, row.application.pk,
            row.application.applicant.name_ko, row.application.applicant.name_en,
            row.submitted, row.assigned,
            _rounded(r.mean) if r else None, _rounded(r.trimmed_mean) if r else None,
            r.trimmed if r else None, _rounded(r.normalised) if r else None,
            ranks.mean if ranks else None, ranks.mean_tied if ranks else None,
            ranks.trimmed_mean if ranks else None, ranks.trimmed_mean_tied if ranks else None,
            ranks.normalised if ranks else None, ranks.normalised_tied if ranks else None,
            _rounded(r.minimum) if r else None, _rounded(r.maximum) if r else None,
            _rounded(r.range) if r else None, r.disagreement if r else None,
        ]


def _export(result: reads.StageRanking, kind: str):
    filename = f"ranking-stage-{result.stage.pk}-{result.measure}"
    if kind == "csv":
        return exports.csv_response(_export_rows(result), filename=f"{filename}.csv")
    return exports.xlsx_response(_export_rows(result), filename=f"{filename}.xlsx",
                                 sheet_title="ranking")


# --- applicants ----------------------------------------------------------------------------


def _application_for_applicant(request, application_id: int) -> Application:
    return get_object_or_404_for(
        request.user, "evaluation.view_feedback",
        Application.objects.select_related("call", "track__partner__organisation", "applicant"),
        pk=application_id)


def _reasons_page(request, application, *, forms_by_sheet=None, status=200):
    stages = reads.feedback_for_applicant(application)
    forms_by_sheet = forms_by_sheet or {}
    for stage in stages:
        for reasons in stage.reasons:
            if reasons.scoresheet.pk not in forms_by_sheet:
                initial = {"usefulness": reasons.rating.usefulness} if reasons.rating else {}
                forms_by_sheet[reasons.scoresheet.pk] = RatingForm(
                    initial=initial, prefix=f"s{reasons.scoresheet.pk}")
    return render(request, "evaluation/ranking/applicant_reasons.html", {
        "application": application, "stages": stages, "forms": forms_by_sheet,
        "rating_window_days": reads.RATING_WINDOW_DAYS,
    }, status=status)


@require_safe
@require_login
def applicant_reasons(request, application_id: int):
    application = _application_for_applicant(request, application_id)
    return _reasons_page(request, application)


@require_login
@post_only(back=to("evaluation:applicant_reasons", "application_id"))
def rate_reasons(request, application_id: int, scoresheet_id: int):
    application = _application_for_applicant(request, application_id)
    sheet = get_object_or_404_for(
        request.user, "evaluation.rate_reasons",
        Scoresheet.objects.select_related("assignment__stage", "assignment__application"),
        pk=scoresheet_id, assignment__application=application)
    form = RatingForm(request.POST, prefix=f"s{sheet.pk}")
    if form.is_valid():
        try:
            services.rate_reasons(scoresheet=sheet, usefulness=form.cleaned_data["usefulness"],
                                  by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you. Your rating was saved anonymously."))
            return redirect("evaluation:applicant_reasons", application_id=application.pk)
    if not request.user.has_perm("evaluation.view_reasons", sheet):
        raise Http404
    return _reasons_page(request, application, forms_by_sheet={sheet.pk: form}, status=200)


urlpatterns = [
    path("manage/evaluation/stages/<int:stage_id>/ranking/", stage_ranking,
         name="stage_ranking"),
    path("applications/<int:application_id>/evaluation/", applicant_reasons,
         name="applicant_reasons"),
    path("applications/<int:application_id>/evaluation/ratings/<int:scoresheet_id>/",
         rate_reasons, name="rate_reasons"),
]
