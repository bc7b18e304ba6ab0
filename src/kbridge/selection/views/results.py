"""Results views: the applicant's result page with its reasons and the public results page.

/applications/<application_id>/result/           the startup's members (GET)
/applications/<application_id>/result/consent/   POST: the representative of a selected
                                                 startup, once announced (publish consent)
/results/<call_id>/                              everyone, once the call's results are
                                                 announced (404 before, and for a draft call)
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from kbridge.applications.models import Application
from kbridge.core.forms import BaseForm
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.selection import selectors
from kbridge.selection.models import Outcome
from kbridge.selection.services import results as services


class ConsentForm(BaseForm):
    publish = forms.BooleanField(
        label=gettext_lazy("Show our company's name on the public results page"),
        required=False)


def application_url(name: str, application_id: int, fallback: str) -> str:
    """The URL named ``selection:<name>`` for the application if another area defined it,
    else the plain path ``fallback`` (the appeal and agreement pages are built elsewhere)."""
    try:
        return reverse(f"selection:{name}", kwargs={"application_id": application_id})
    except NoReverseMatch:
        return fallback.format(application_id=application_id)


def _application(request, application_id: int) -> Application:
    return get_object_or_404_for(
        request.user, "selection.view_result",
        Application.objects.select_related("call__program", "track__partner__organisation",
                                           "applicant"),
        pk=application_id)


def _page(request, application, *, form=None, status=200):
    result = selectors.result_for_applicant(application)
    outcome = result.outcome
    may_consent = bool(outcome and request.user.has_perm("selection.consent_to_publish",
                                                          outcome))
    if outcome is not None and form is None:
        form = ConsentForm(initial={"publish": outcome.publish_consent})
    return render(request, "selection/results/result.html", {
        "application": application, "result": result, "outcome": outcome,
        "form": form, "may_consent": may_consent,
        "appeal_url": application_url("appeal", application.pk,
                                      "/applications/{application_id}/appeal/"),
        "agreement_url": application_url("agreement", application.pk,
                                         "/applications/{application_id}/agreement/"),
    }, status=status)


@require_safe
@require_login
def result(request, application_id: int):
    application = _application(request, application_id)
    return _page(request, application)


@require_login
@post_only(back=to("selection:result", "application_id"))
def consent(request, application_id: int):
    application = _application(request, application_id)
    outcome = get_object_or_404_for(
        request.user, "selection.consent_to_publish",
        Outcome.objects.select_related("selection__track__call__selection_policy",
                                       "application"),
        application=application)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.set_publish_consent(outcome=outcome, consent=form.cleaned_data["publish"],
                                         by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your choice for the public results page was saved.")
                             if form.cleaned_data["publish"] else
                             _("Your company's name will not appear on the public results "
                               "page."))
            return redirect("selection:result", application_id=application.pk)
    return _page(request, application, form=form, status=200)


def _public_etag(request, call_id: int) -> str | None:
    """The page differs by what is published, the language and who is signed in (the header
    names them) and the visitor's CSRF cookie (forms on the page carry its token). None (no
    ETag) while the page answers 404."""
    from django.conf import settings

    version = selectors.public_results_version(call_id)
    if version is None:
        return None
    parts = [version, get_language() or "",
             str(request.user.pk or ""), request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@require_safe
@cache_control(private=True, no_cache=True)
@condition(etag_func=_public_etag)
def public_results(request, call_id: int):
    data = selectors.public_results(call_id)
    if data is None:
        raise Http404
    return render(request, "selection/results/public.html", {"results": data})


urlpatterns = [
    path("applications/<int:application_id>/result/", result, name="result"),
    path("applications/<int:application_id>/result/consent/", consent, name="result_consent"),
    path("results/<int:call_id>/", public_results, name="public_results"),
]
