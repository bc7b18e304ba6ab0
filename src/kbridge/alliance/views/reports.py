"""Milestone report views: the startup files its reports, the operator reviews them and
releases the funding tranches they unlock (docs/alliance.md, "Milestone reports").

/alliance/reports/                                            the startup's people: their
                                                              reports and tranches
/alliance/reports/<id>/                                       the report: the form while due
                                                              or returned (POST: save the
                                                              draft, or submit it), else read
/manage/alliance/reports/                                     operators: the review queue
/manage/alliance/reports/<id>/                                operators: one report, its
                                                              history and the review form
/manage/alliance/reports/<id>/approve/                        POST: approve
/manage/alliance/reports/<id>/return/                         POST: return with a comment
/manage/alliance/agreements/<id>/tranches/                    operators: an agreement's
                                                              tranches and their state
/manage/alliance/agreements/<id>/tranches/<tranche>/release/  POST: release a tranche
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.alliance import selectors_reports as selectors
from kbridge.alliance.errors import SummaryEntry, form_entries, formset_entries
from kbridge.alliance.forms_reports import InvestmentFormSet, ReportForm, ReviewForm
from kbridge.alliance.services import reports as services
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login

T = "alliance/reports/"
INVESTMENTS = "investments"


# --- the startup -----------------------------------------------------------------------------


@require_safe
@require_login
def mine(request):
    if not request.user.has_perm("alliance.view_own_reports"):
        raise Http404
    return render(request, T + "mine.html", {
        "rows": selectors.startup_agreements(request.user), "today": services.kst_today()})


def _put_back(exc: ValidationError, form) -> list[str]:
    """The service's errors on the form's fields; returns the investment rows' messages."""
    investments: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return investments
    for field, errors in exc.message_dict.items():
        if field == INVESTMENTS:
            investments.extend(errors)
        else:
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    return investments


def _investment_label(n: int, label: str) -> str:
    """"Investment 2: Investor" (a field of row 2), "Investment 2" (the row)."""
    if label:
        return _("Investment %(n)s: %(label)s") % {"n": n, "label": label}
    return _("Investment %(n)s") % {"n": n}


def _summary(form, formset, investment_errors: list[str]) -> list[SummaryEntry]:
    """The error summary at the top of the report form: the figures' fields, then the
    investment rows' (and the service's messages about the investments, pointing to their
    table)."""
    return [*form_entries(form),
            *formset_entries(formset, anchor="investments-h",
                             row_label=_investment_label),
            *(SummaryEntry("", message, "investments-h") for message in investment_errors)]


@require_login
def edit(request, report_id: int):
    """GET: the report (a form while the startup may change it); POST: save the draft, and
    with ``action=submit`` submit it. Whatever is refused comes back as typed, with the
    reason next to it; a draft that cannot be submitted yet is still saved."""
    report = get_object_or_404_for(request.user, "alliance.view_own_report",
                                   selectors.report_detail(), pk=report_id)
    may_edit = request.user.has_perm("alliance.edit_report", report)
    investment_errors: list[str] = []
    summary: list[SummaryEntry] = []
    summary_title, saved = "", False
    if request.method == "POST":
        if not may_edit:
            messages.error(request, _("This report was submitted and can no longer be "
                                      "changed."))
            return redirect("alliance:report_edit", report_id=report.pk)
        form = ReportForm(request.POST)
        formset = InvestmentFormSet(request.POST, prefix=INVESTMENTS)
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            submitting = request.POST.get("action") == "submit"
            try:
                services.save_report(report=report, by=request.user,
                                     values=form.cleaned_data, investments=formset.rows())
                saved = True
                if submitting:
                    services.submit_report(report=report, by=request.user)
            except ValidationError as exc:
                investment_errors = _put_back(exc, form)
                if saved:
                    summary_title = _("Your draft is saved, but the report was not "
                                      "submitted: see what to fix below.")
            else:
                messages.success(request, _(
                    "The report is submitted. The program's operator will review it; you "
                    "will get an e-mail.") if submitting else _(
                    "Draft saved. It is not submitted yet."))
                return redirect("alliance:report_edit", report_id=report.pk)
        summary = _summary(form, formset, investment_errors)
    else:
        form = ReportForm(initial=ReportForm.initial_for(report))
        formset = InvestmentFormSet(initial=InvestmentFormSet.initial_for(report),
                                    prefix=INVESTMENTS)
    report.refresh_from_db(fields=["status", "submitted_at", "review_comment"])
    return render(request, T + "edit.html", {
        "report": report, "form": form, "formset": formset, "kind": services.report_kind(report),
        "may_edit": request.user.has_perm("alliance.edit_report", report),
        "may_submit": request.user.has_perm("alliance.submit_report", report),
        "investment_errors": investment_errors, "today": services.kst_today(),
        "summary": summary, "summary_title": summary_title,
        "reviews": list(report.reviews.all())})


# --- operators -------------------------------------------------------------------------------


@require_safe
@require_login
def queue(request):
    if not request.user.has_perm("alliance.review_reports"):
        raise Http404
    return render(request, T + "queue.html", {
        "queue": selectors.review_queue(request.user),
        "upcoming_days": selectors.UPCOMING_DAYS})


def _operator_report(request, report_id: int):
    return get_object_or_404_for(request.user, "alliance.review_report",
                                 selectors.report_detail(), pk=report_id)


def _review_page(request, report, form):
    return render(request, T + "review.html", {
        "report": report, "form": form, "kind": services.report_kind(report),
        "may_decide": request.user.has_perm("alliance.decide_report", report),
        "today": services.kst_today(), "reviews": list(report.reviews.all())})


@require_safe
@require_login
def review(request, report_id: int):
    return _review_page(request, _operator_report(request, report_id), ReviewForm())


@require_login
@post_only(back=to("alliance:report_review", "report_id"))
def approve(request, report_id: int):
    report = _operator_report(request, report_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, report, form)
    try:
        services.approve_report(report=report, by=request.user,
                                comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The report is approved and the startup was told by "
                                    "e-mail."))
    return redirect("alliance:report_review", report_id=report.pk)


@require_login
@post_only(back=to("alliance:report_review", "report_id"))
def return_report(request, report_id: int):
    report = _operator_report(request, report_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.return_report(report=report, by=request.user,
                                   comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect("alliance:report_review", report_id=report.pk)
            for error in exc.message_dict.get("comment", []):
                form.add_error("comment", error)
        else:
            messages.success(request, _("The report was returned to the startup with your "
                                        "comment."))
            return redirect("alliance:report_review", report_id=report.pk)
    return _review_page(request, report, form)


def _operator_agreement(request, agreement_id: int):
    return get_object_or_404_for(request.user, "alliance.manage_tranches",
                                 selectors.agreements(), pk=agreement_id)


@require_safe
@require_login
def tranches(request, agreement_id: int):
    agreement = _operator_agreement(request, agreement_id)
    return render(request, T + "tranches.html", {
        "row": selectors.agreement_reports(agreement), "agreement": agreement,
        "today": services.kst_today()})


@require_login
@post_only(back=to("alliance:tranches", "agreement_id"))
def release(request, agreement_id: int, tranche: int):
    agreement = _operator_agreement(request, agreement_id)
    if not 1 <= tranche <= len(agreement.tranches or []):
        raise Http404  # a tranche the agreement does not have
    already = agreement.tranche_releases.filter(tranche=tranche).exists()
    try:
        services.release_tranche(agreement=agreement, tranche=tranche, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, (_("Tranche %(n)s was already released.") if already else
                                   _("Tranche %(n)s is released for payment; the startup was "
                                     "told by e-mail.")) % {"n": tranche})
    return redirect("alliance:tranches", agreement_id=agreement.pk)


urlpatterns = [
    path("alliance/reports/", mine, name="reports_mine"),
    path("alliance/reports/<int:report_id>/", edit, name="report_edit"),
    path("manage/alliance/reports/", queue, name="report_queue"),
    path("manage/alliance/reports/<int:report_id>/", review, name="report_review"),
    path("manage/alliance/reports/<int:report_id>/approve/", approve, name="report_approve"),
    path("manage/alliance/reports/<int:report_id>/return/", return_report,
         name="report_return"),
    path("manage/alliance/agreements/<int:agreement_id>/tranches/", tranches,
         name="tranches"),
    path("manage/alliance/agreements/<int:agreement_id>/tranches/<int:tranche>/release/",
         release, name="tranche_release"),
]
