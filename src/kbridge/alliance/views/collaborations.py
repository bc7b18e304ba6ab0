"""Collaborations between a partner and a startup (docs/alliance.md, "Collaborations").

/manage/alliance/collaborations/                  operators (their agency's programs) and
                                                  partner staff (their own): list, filters
/manage/alliance/collaborations/new/              record a new one (stage proposed)
/manage/alliance/collaborations/<id>/             detail, stage history, next stage
/manage/alliance/collaborations/<id>/edit/        title, kind (while proposed), description,
                                                  amount
/manage/alliance/collaborations/<id>/stage/       POST: move to the next stage on a date
/alliance/collaborations/                         the startup's own, read-only
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.alliance import selectors_collaborations as selectors
from kbridge.alliance.forms_collaborations import (
    CollaborationEditForm,
    CollaborationForm,
    StageForm,
)
from kbridge.alliance.models import Collaboration
from kbridge.alliance.services import collaborations as services
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm

Stage = Collaboration.Stage


def _collaboration(request, perm: str, pk: int) -> Collaboration:
    return get_object_or_404_for(
        request.user, perm, Collaboration.objects.select_related(
            "program", "partner__organisation", "partner__program", "startup",
            "meeting_outcome__request__event"), pk=pk)


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _filters(request) -> dict:
    stage = request.GET.get("stage", "")
    kind = request.GET.get("kind", "")
    return {"stage": stage if stage in Stage.values else "",
            "kind": kind if kind in Collaboration.Kind.values else "",
            "partner": _int(request.GET.get("partner")),
            "program": _int(request.GET.get("program"))}



def _posted(request):
    """The POST data of a POST, even an empty one (``request.POST or None`` would show an
    empty POST the blank form again instead of its errors)."""
    return request.POST if request.method == "POST" else None

@require_safe
@require_perm("alliance.list_collaborations")
def collaboration_list(request):
    filters = _filters(request)
    rows = selectors.filtered(selectors.collaborations_for(request.user), **filters)
    page = Paginator(rows, selectors.PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "alliance/collaborations/list.html", {
        "page": page, "filters": filters, "stages": Stage.choices,
        "kinds": Collaboration.Kind.choices,
        "partners": selectors.partners_for(request.user),
        "programs": selectors.programs_for(request.user),
        "query": "&" + urlencode({k: v or "" for k, v in filters.items()}),
    })


@require_login
@require_perm("alliance.list_collaborations")
def collaboration_create(request):
    form = CollaborationForm(_posted(request), partners=selectors.partners_for(request.user),
                             startups=selectors.startups_for(request.user),
                             initial={"proposed_on": services.today_kst()})
    if request.method == "POST" and form.is_valid():
        try:
            collaboration = services.create_collaboration(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The collaboration is recorded as proposed."))
            return redirect("alliance:collaboration", pk=collaboration.pk)
    return render(request, "alliance/collaborations/form.html",
                  {"form": form, "title": _("New collaboration")})


@require_safe
@require_login
def collaboration_detail(request, pk: int):
    collaboration = _collaboration(request, "alliance.view_collaboration", pk)
    may_move = request.user.has_perm("alliance.move_collaboration", collaboration)
    return render(request, "alliance/collaborations/detail.html", {
        "collaboration": collaboration,
        "changes": list(collaboration.stage_changes.select_related("by")),
        "stage_form": StageForm(collaboration=collaboration,
                                initial={"on": services.today_kst()}) if may_move else None,
    })


@require_login
def collaboration_edit(request, pk: int):
    collaboration = _collaboration(request, "alliance.edit_collaboration", pk)
    form = CollaborationEditForm(_posted(request), instance=collaboration)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in services.EDIT_FIELDS
                   if f in form.cleaned_data and not form.fields[f].disabled}
        try:
            services.update_collaboration(
                collaboration=Collaboration.objects.get(pk=collaboration.pk), by=request.user,
                **changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The collaboration is saved."))
            return redirect("alliance:collaboration", pk=collaboration.pk)
    return render(request, "alliance/collaborations/form.html",
                  {"form": form, "title": _("Edit collaboration"),
                   "collaboration": collaboration})


@require_login
@post_only(back=to("alliance:collaboration", "pk"))
def collaboration_stage(request, pk: int):
    collaboration = _collaboration(request, "alliance.move_collaboration", pk)
    form = StageForm(request.POST, collaboration=collaboration)
    if form.is_valid():
        move = services.MOVES[Stage(form.cleaned_data["to"])]
        try:
            move(collaboration=collaboration, on=form.cleaned_data["on"], by=request.user,
                 note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The collaboration is now %(stage)s.") % {
                "stage": collaboration.get_stage_display()})
            return redirect("alliance:collaboration", pk=collaboration.pk)
    return render(request, "alliance/collaborations/detail.html", {
        "collaboration": collaboration,
        "changes": list(collaboration.stage_changes.select_related("by")),
        "stage_form": form,
    })


@require_safe
@require_perm("alliance.view_own_collaborations")
def my_collaborations(request):
    rows = selectors.collaborations_of_startup(request.user)
    page = Paginator(rows, selectors.PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "alliance/collaborations/mine.html", {"page": page})


urlpatterns = [
    path("manage/alliance/collaborations/", collaboration_list, name="collaborations"),
    path("manage/alliance/collaborations/new/", collaboration_create,
         name="collaboration_create"),
    path("manage/alliance/collaborations/<int:pk>/", collaboration_detail, name="collaboration"),
    path("manage/alliance/collaborations/<int:pk>/edit/", collaboration_edit,
         name="collaboration_edit"),
    path("manage/alliance/collaborations/<int:pk>/stage/", collaboration_stage,
         name="collaboration_stage"),
    path("alliance/collaborations/", my_collaborations, name="my_collaborations"),
]
