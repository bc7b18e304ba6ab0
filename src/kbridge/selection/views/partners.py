"""Partners' views: the shortlist and results of their own tracks, and their interest.

/partner/selection/                                              partner staff (their tracks)
/partner/selection/tracks/<track_id>/                            the track's partner staff
/partner/selection/tracks/<track_id>/interest/<application_id>/         POST: record or edit
/partner/selection/tracks/<track_id>/interest/<application_id>/remove/  POST: remove

Another partner company, another agency and everyone else get 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kbridge.applications.models import Application
from kbridge.core.forms import BaseForm
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.programs.models import Track
from kbridge.selection import selectors
from kbridge.selection.services import results as services


class InterestForm(BaseForm):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False,
        max_length=services.INTEREST_NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The program's operators read it."))

    def clean_note(self):
        try:
            return services.clean_interest_note(self.cleaned_data.get("note"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="too_long") from exc


def _track(request, track_id: int) -> Track:
    return get_object_or_404_for(
        request.user, "selection.view_partner_track",
        Track.objects.select_related("call__program", "partner__organisation",
                                     "call__selection_policy"),
        pk=track_id)


def _page(request, track, *, forms_by_application=None, status=200):
    view = selectors.partner_track_view(track, track.partner.organisation_id)
    forms_by_application = dict(forms_by_application or {})
    for application_id in view.application_ids:
        if application_id not in forms_by_application:
            interest = view.interests.get(application_id)
            forms_by_application[application_id] = InterestForm(
                initial={"note": interest.note if interest else ""},
                prefix=f"a{application_id}")
    return render(request, "selection/partners/track.html", {
        "track": track, "view": view, "forms": forms_by_application,
        "note_limit": services.INTEREST_NOTE_MAX_CHARS,
    }, status=status)


@require_safe
@require_perm("selection.view_partner_selection")
def home(request):
    return render(request, "selection/partners/home.html",
                  {"tracks": selectors.tracks_for_partner(request.user)})


@require_safe
@require_login
def track(request, track_id: int):
    return _page(request, _track(request, track_id))


def _application(request, track, application_id: int) -> Application:
    return get_object_or_404_for(
        request.user, "selection.record_interest",
        Application.objects.select_related("track__partner__organisation",
                                           "track__call__program", "applicant"),
        pk=application_id, track=track)


@require_login
@post_only(back=to("selection:partner_track", "track_id"))
def record_interest(request, track_id: int, application_id: int):
    track_obj = _track(request, track_id)
    application = _application(request, track_obj, application_id)
    form = InterestForm(request.POST, prefix=f"a{application.pk}")
    if form.is_valid():
        try:
            services.record_interest(application=application,
                                     organisation=track_obj.partner.organisation,
                                     note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your company's interest was recorded."))
            return redirect(f"{track_url(track_obj)}#application-{application.pk}")
    return _page(request, track_obj, forms_by_application={application.pk: form})


@require_login
@post_only(back=to("selection:partner_track", "track_id"))
def remove_interest(request, track_id: int, application_id: int):
    track_obj = _track(request, track_id)
    application = _application(request, track_obj, application_id)
    if services.remove_interest(application=application,
                                organisation=track_obj.partner.organisation, by=request.user):
        messages.success(request, _("Your company's interest was removed."))
    return redirect(f"{track_url(track_obj)}#application-{application.pk}")


def track_url(track_obj) -> str:
    from django.urls import reverse

    return reverse("selection:partner_track", args=[track_obj.pk])


urlpatterns = [
    path("partner/selection/", home, name="partner_home"),
    path("partner/selection/tracks/<int:track_id>/", track, name="partner_track"),
    path("partner/selection/tracks/<int:track_id>/interest/<int:application_id>/",
         record_interest, name="partner_interest"),
    path("partner/selection/tracks/<int:track_id>/interest/<int:application_id>/remove/",
         remove_interest, name="partner_interest_remove"),
]
