"""Waitlist views: the startup answers an offered place; the operator drops a selected startup.

/applications/<application_id>/offer/            the startup's members read the pending offer;
                                                  its representative accepts or declines (POST)
/manage/selection/outcomes/<outcome_id>/drop/     operators of the program: drop a selected
                                                  startup with a reason (POST), which offers the
                                                  place on
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
from django.views.decorators.http import require_http_methods

from kbridge.core.forms import BaseForm
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.selection.models import Offer, Outcome
from kbridge.selection.services import waitlist as services

ANSWERS = [("accept", gettext_lazy("Accept the place")),
           ("decline", gettext_lazy("Decline the place"))]


class AnswerForm(BaseForm):
    answer = forms.ChoiceField(
        label=gettext_lazy("Your answer"), choices=ANSWERS, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose to accept or decline the place."),
                        "invalid_choice": gettext_lazy("Choose to accept or decline the place.")})


class DropForm(BaseForm):
    reason_code = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", "—")] + [(code, Outcome.REASONS[code]) for code in services.DROP_REASONS],
        error_messages={"required": gettext_lazy("Choose why the startup drops out."),
                        "invalid_choice": gettext_lazy("Choose why the startup drops out.")})
    detail = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MAX_DETAIL_CHARS,
        help_text=gettext_lazy("Shown to the startup with the reason."))


# --- the startup ---------------------------------------------------------------------------


def _pending_offer(request, application_id: int, perm: str) -> Offer:
    return get_object_or_404_for(
        request.user, perm,
        Offer.objects.select_related("outcome__application__call",
                                     "outcome__selection__track__call__program"),
        outcome__application_id=application_id, status=Offer.Status.PENDING)


@require_login
@require_http_methods(["GET", "HEAD", "POST"])
def offer(request, application_id: int):
    """GET: the pending offer; POST (the representative): accept or decline it."""
    current = _pending_offer(request, application_id, "selection.view_offer")
    may_respond = request.user.has_perm("selection.respond_offer", current)
    form = AnswerForm()
    if request.method == "POST":
        if not may_respond:
            raise Http404
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["answer"] == "accept":
                    services.accept_offer(current, request.user)
                    messages.success(request, _("You accepted the place. Your application is "
                                                "now selected."))
                else:
                    services.decline_offer(current, request.user)
                    messages.success(request, _("You declined the place. It is offered to the "
                                                "next application on the waitlist."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("applications:edit", pk=application_id)
    outcome = current.outcome
    return render(request, "selection/offers/offer.html", {
        "offer": current, "application": outcome.application,
        "track": outcome.selection.track, "form": form, "may_respond": may_respond,
    })


# --- the operator --------------------------------------------------------------------------


@require_login
@require_http_methods(["GET", "HEAD", "POST"])
def drop(request, outcome_id: int):
    """GET: the drop-out form for a selected startup; POST: drop it and offer the place on."""
    outcome = get_object_or_404_for(
        request.user, "selection.drop_outcome",
        Outcome.objects.select_related("application__applicant", "selection__track__call"),
        pk=outcome_id)
    form = DropForm(request.POST) if request.method == "POST" else DropForm()
    if request.method == "POST" and form.is_valid():
        try:
            made = services.drop_out(outcome, request.user, form.cleaned_data["reason_code"],
                                     form.cleaned_data["detail"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if made is not None:
                messages.success(request, _("The startup dropped out. Its place was offered to "
                                            "the next application on the waitlist."))
            else:
                messages.warning(request, _("The startup dropped out. No application on the "
                                            "waitlist fits the place and the budget left, so "
                                            "no offer was made."))
            return redirect("programs:call_manage", pk=outcome.selection.track.call_id)
    return render(request, "selection/offers/drop.html", {
        "outcome": outcome, "track": outcome.selection.track, "form": form,
    })


urlpatterns = [
    path("applications/<int:application_id>/offer/", offer, name="offer"),
    path("manage/selection/outcomes/<int:outcome_id>/drop/", drop, name="drop_outcome"),
]
