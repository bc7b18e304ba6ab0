from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from kbridge.applications.selectors import startups_of
from kbridge.core import throttle
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.core.text import clean_query
from kbridge.matching import selectors
from kbridge.programs.models import Track


@require_safe
@require_perm("matching.view_recommendations")
def recommendations(request):
    startup = startups_of(request.user).select_related("profile").first()
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
    ranked = selectors.discoverable_startups(text) if text and refused is None else None
    return throttle.mark_refused(render(request, "matching/discover.html", {
        "q": text, "ranked": ranked, "refused": refused}), refused)
