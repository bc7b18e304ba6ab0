"""Alliance members and the directory (docs/alliance.md, "Members and directory").

/alliance/                                        my alliances: memberships, invitations,
                                                  alliances my organisations may join
/alliance/<agency>/join/<organisation>/           POST: join, join again, accept an invitation
/alliance/<agency>/directory/                     the directory (members and the agency's
                                                  operators): filters and ranked search
/alliance/members/<member>/                       a member's profile
/alliance/members/<member>/edit/                  the member's listing and profile
/alliance/members/<member>/leave/                 POST: leave, or decline an invitation
/manage/alliance/<agency>/members/                the agency's operators: every member, invite
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Organisation
from kbridge.accounts.tenancy import agency_ids
from kbridge.alliance import selectors_members as selectors
from kbridge.alliance.forms_members import InviteStartupForm, MemberProfileForm, initial_of
from kbridge.alliance.models import AllianceMember, Sector
from kbridge.alliance.services import members as services
from kbridge.core import throttle
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.core.text import clean_query

#: Longest free-text search and technology filter (characters).
QUERY_MAX_CHARS = 300


def _agency(request, perm: str, agency_id: int) -> Organisation:
    return get_object_or_404_for(request.user, perm, Organisation.objects.filter(
        kind=Organisation.Kind.OPERATOR), pk=agency_id)


def _member(request, perm: str, pk: int) -> AllianceMember:
    return get_object_or_404_for(request.user, perm, AllianceMember.objects.select_related(
        "agency", "organisation"), pk=pk)



def _posted(request):
    """The POST data of a POST, even an empty one (``request.POST or None`` would show an
    empty POST the blank form again instead of its errors)."""
    return request.POST if request.method == "POST" else None

@require_safe
@require_perm("alliance.view_alliances")
def home(request):
    memberships = selectors.memberships_of(request.user)
    own_agencies = {m.agency_id for m in memberships if m.is_active}
    operated = Organisation.objects.filter(pk__in=agency_ids(request.user)).order_by("name_ko")
    return render(request, "alliance/members/home.html", {
        "memberships": [(m, services.acts_for(request.user, m.organisation))
                        for m in memberships],
        "joinable": selectors.joinable_for(request.user),
        "directories": sorted({m.agency for m in memberships if m.is_active} | set(operated),
                              key=lambda a: a.name_ko),
        "operated": operated, "own_agencies": own_agencies,
    })


@require_login
@post_only(back=to("alliance:home"))
def join(request, agency_id: int, organisation_id: int):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if not services.acts_for(request.user, organisation):
        raise Http404
    agency = get_object_or_404(Organisation, pk=agency_id, kind=Organisation.Kind.OPERATOR)
    try:
        services.join_alliance(agency=agency, organisation=organisation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(organisation)s is a member of the %(agency)s alliance. "
                                    "It is not listed in the directory until you choose so "
                                    "in its profile.") % {"organisation": organisation,
                                                          "agency": agency})
    return redirect("alliance:home")


@require_safe
@require_login
def directory(request, agency_id: int):
    agency = _agency(request, "alliance.view_directory", agency_id)
    text = clean_query(request.GET.get("q"), max_chars=QUERY_MAX_CHARS)
    sector = request.GET.get("sector", "")
    sector = sector if sector in Sector.values else ""
    technology = clean_query(request.GET.get("technology"), max_chars=QUERY_MAX_CHARS)
    refused = ranked = page = None
    vague = False
    if text:
        verdict = throttle.hit("search", str(request.user.pk))
        refused = None if verdict.allowed else verdict
        from kbridge.matching.selectors import is_specific_query

        vague = refused is None and not is_specific_query(text)
    if text and refused is None and not vague:
        ranked = selectors.ranked_directory(agency, text, sector=sector, technology=technology,
                                            page=request.GET.get("page", 1))
        page = ranked.page
        rows = [ranked.objects[m.doc_id] for m in ranked.matches]
        fits = {ranked.objects[m.doc_id].pk: m for m in ranked.matches}
    else:
        page = Paginator(selectors.directory_members(agency, sector=sector,
                                                     technology=technology),
                         selectors.PER_PAGE).get_page(request.GET.get("page"))
        rows, fits = list(page.object_list), {}
    return throttle.mark_refused(render(request, "alliance/members/directory.html", {
        "agency": agency, "q": text, "sector": sector, "technology": technology,
        "sectors": Sector.choices, "technologies": selectors.technology_options(agency),
        "rows": [(m, fits.get(m.pk)) for m in rows], "page": page, "ranked": ranked,
        "refused": refused, "vague": vague,
        "may_manage": request.user.has_perm("alliance.manage_members", agency),
        "query": "&" + urlencode({"q": text, "sector": sector, "technology": technology}),
    }), refused)


@require_safe
@require_login
def member(request, pk: int):
    row = _member(request, "alliance.view_member", pk)
    return render(request, "alliance/members/member.html", {
        "member": row,
        "may_edit": request.user.has_perm("alliance.edit_member", row),
        "may_leave": request.user.has_perm("alliance.leave_member", row),
    })


@require_login
def member_edit(request, pk: int):
    row = _member(request, "alliance.edit_member", pk)
    form = MemberProfileForm(_posted(request), initial=initial_of(row))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(member=row, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("alliance:member", pk=row.pk)
    return render(request, "alliance/members/edit.html", {"member": row, "form": form})


@require_login
@post_only(back=to("alliance:member", "pk"))
def member_leave(request, pk: int):
    row = _member(request, "alliance.leave_member", pk)
    invited = row.status == AllianceMember.Status.INVITED
    try:
        services.leave_alliance(member=row, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation is declined.") if invited else
                         _("%(organisation)s left the alliance.") % {
                             "organisation": row.organisation})
    return redirect("alliance:home")


@require_login
def manage_members(request, agency_id: int):
    agency = _agency(request, "alliance.manage_members", agency_id)
    form = InviteStartupForm(_posted(request),
                             startups=selectors.invitable_startups(agency))
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_startup(agency=agency, organisation=form.cleaned_data["organisation"],
                                    by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(organisation)s is invited; its representatives "
                                        "were e-mailed.") % {
                                            "organisation": form.cleaned_data["organisation"]})
            return redirect("alliance:manage_members", agency_id=agency.pk)
    page = Paginator(selectors.members_for_operator(agency), 50).get_page(
        request.GET.get("page"))
    return render(request, "alliance/members/manage.html",
                  {"agency": agency, "form": form, "page": page})


urlpatterns = [
    path("alliance/", home, name="home"),
    path("alliance/<int:agency_id>/join/<int:organisation_id>/", join, name="join"),
    path("alliance/<int:agency_id>/directory/", directory, name="directory"),
    path("alliance/members/<int:pk>/", member, name="member"),
    path("alliance/members/<int:pk>/edit/", member_edit, name="member_edit"),
    path("alliance/members/<int:pk>/leave/", member_leave, name="member_leave"),
    path("manage/alliance/<int:agency_id>/members/", manage_members, name="manage_members"),
]
