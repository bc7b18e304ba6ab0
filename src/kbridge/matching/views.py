from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.applications.selectors import startups_of
from kbridge.core import throttle
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.core.text import clean_query
from kbridge.matching import selectors, store
from kbridge.programs.models import Track


@require_safe
@require_perm("matching.view_recommendations")
def recommendations(request):
    startup = startups_of(request.user).select_related("profile").first()
    if startup is None:  # platform staff pass the permission without being a startup
        raise Http404
    ranked = selectors.recommended_tracks(startup)
    return render(request, "matching/recommendations.html",
                  {"startup": startup, "ranked": ranked})


@require_safe
@require_login
def track_applicants(request, pk: int):
    track = get_object_or_404_for(
        request.user, "matching.view_track_applicants",
        Track.objects.select_related("call__program", "partner__organisation"), pk=pk)
    ranked = selectors.ranked_applicants(track, page=request.GET.get("page", 1))
    return render(request, "matching/track_applicants.html", {"track": track, "ranked": ranked})


@require_safe
@require_perm("matching.search_startups")
def discover(request):
    text = clean_query(request.GET.get("q"), max_chars=300)
    refused = None
    if text:
        verdict = throttle.hit("search", str(request.user.pk))
        refused = None if verdict.allowed else verdict
    vague = bool(text) and refused is None and not selectors.is_specific_query(text)
    ranked = (selectors.discoverable_startups(text)
              if text and refused is None and not vague else None)
    return throttle.mark_refused(render(request, "matching/discover.html", {
        "q": text, "ranked": ranked, "refused": refused, "vague": vague}), refused)


@require_safe
@require_perm("matching.manage_model")
def model_status(request):
    """Which embedding model serves, which is configured, and the switch's progress."""
    status = store.model_status()
    return render(request, "matching/model_status.html",
                  {"status": status, "switch": status.switch, "lines": store.status_lines(status)})


@require_perm("matching.manage_model")
@post_only(back=to("matching:model_status"))
def model_switch(request):
    """Ask a worker to start (or resume) the switch to the configured model."""
    from kbridge.matching.tasks import start_model_switch

    start_model_switch.enqueue(request.user.pk)
    messages.success(request, _("A worker will start the switch in a moment; this page shows "
                                "its progress."))
    return redirect("matching:model_status")
