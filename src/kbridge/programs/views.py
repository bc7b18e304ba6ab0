from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import has_role, organisation_ids
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.programs import selectors, services
from kbridge.programs.forms import (
    CallForm,
    PartnerForm,
    PartnerTrackForm,
    ProgramForm,
    SupportItemFormSet,
    TrackForm,
    package_from_formset,
)
from kbridge.programs.models import Call, Partner, Program, Track

# --- Public ----------------------------------------------------------------------------------


@require_safe
def call_list(request):
    now = timezone.now()
    return render(request, "programs/call_list.html",
                  {"calls": selectors.public_calls(now), "now": now})


@require_safe
def call_detail(request, pk: int):
    call = get_object_or_404_for(request.user, "programs.view_call",
                                 selectors.call_detail_queryset(), pk=pk)
    now = timezone.now()
    return render(request, "programs/call_detail.html", {
        "call": call, "now": now, "is_open": call.is_open(now),
        "is_representative": has_role(request.user, Membership.Role.STARTUP_REPRESENTATIVE),
    })


# --- Operator console ------------------------------------------------------------------------


def _changed_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data}


@require_safe
@require_perm("programs.add_program")
def program_list(request):
    programs = selectors.programs_for_operator(request.user)
    return render(request, "programs/program_list.html", {"programs": programs})


@require_perm("programs.add_program")
def program_create(request):
    form = ProgramForm(request.POST or None,
                       operator_ids=organisation_ids(request.user, Membership.Role.OPERATOR))
    if request.method == "POST" and form.is_valid():
        program = services.create_program(by=request.user, **form.cleaned_data)
        messages.success(request, _("Program created."))
        return redirect("programs:program_detail", pk=program.pk)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("New program")})


@require_safe
@require_login
def program_detail(request, pk: int):
    program = get_object_or_404_for(request.user, "programs.manage_program",
                                     Program.objects.select_related("operator"), pk=pk)
    partners = program.partners.select_related("organisation")
    calls = program.calls.prefetch_related("tracks")
    return render(request, "programs/program_detail.html",
                  {"program": program, "partners": partners, "calls": calls})


@require_login
def program_edit(request, pk: int):
    program = get_object_or_404_for(request.user, "programs.manage_program", Program.objects,
                                     pk=pk)
    form = ProgramForm(request.POST or None, instance=program,
                       operator_ids=organisation_ids(request.user, Membership.Role.OPERATOR))
    if request.method == "POST" and form.is_valid():
        services.update_program(program=program, by=request.user, **_changed_fields(form))
        messages.success(request, _("Program saved."))
        return redirect("programs:program_detail", pk=program.pk)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("Edit program"), "back": program})


@require_login
def partner_add(request, pk: int):
    program = get_object_or_404_for(request.user, "programs.manage_program", Program.objects,
                                     pk=pk)
    form = PartnerForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_partner(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Partner added."))
            return redirect("programs:program_detail", pk=program.pk)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("Add a partner"), "back": program})


@require_login
def partner_edit(request, pk: int):
    partner = get_object_or_404_for(request.user, "programs.manage_program",
                                     Partner.objects.select_related("program"), pk=pk)
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partner(partner=partner, by=request.user, **_changed_fields(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Partner saved."))
            return redirect("programs:program_detail", pk=partner.program_id)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("Edit partner"), "back": partner.program})


@require_login
def call_create(request, pk: int):
    program = get_object_or_404_for(request.user, "programs.manage_program", Program.objects,
                                     pk=pk)
    form = CallForm(request.POST or None, instance=Call(program=program))
    if request.method == "POST" and form.is_valid():
        call = services.create_call(program=program, by=request.user,
                                    **form.cleaned_data)
        messages.success(request, _("Call created. Add its tracks, then publish it."))
        return redirect("programs:call_manage", pk=call.pk)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("New call"), "back": program})


@require_safe
@require_login
def call_manage(request, pk: int):
    call = get_object_or_404_for(request.user, "programs.manage_program",
                                 selectors.call_detail_queryset(), pk=pk)
    return render(request, "programs/call_manage.html", {"call": call})


@require_login
def call_edit(request, pk: int):
    call = get_object_or_404_for(request.user, "programs.manage_program",
                                 Call.objects.select_related("program"), pk=pk)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        services.update_call(call=call, by=request.user, **_changed_fields(form))
        messages.success(request, _("Call saved."))
        return redirect("programs:call_manage", pk=call.pk)
    return render(request, "programs/form.html",
                  {"form": form, "title": _("Edit call"), "back": call})


@require_login
@post_only(back=to("programs:call_manage", "pk"))
def call_publish(request, pk: int):
    call = get_object_or_404_for(request.user, "programs.manage_program",
                                 Call.objects.select_related("program"), pk=pk)
    try:
        if request.POST.get("action") == "unpublish":
            services.unpublish_call(call=call, by=request.user)
            messages.success(request, _("The call is no longer public."))
        else:
            services.publish_call(call=call, by=request.user)
            messages.success(request, _("The call is published."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("programs:call_manage", pk=call.pk)


def _package_formset(request, track=None):
    initial = None
    if track is not None:
        initial = [{"kind": i.kind, "description_ko": i.description_ko,
                    "description_en": i.description_en} for i in track.support_items.all()]
    return SupportItemFormSet(request.POST or None, initial=initial, prefix="package")


@require_login
def track_create(request, pk: int):
    call = get_object_or_404_for(request.user, "programs.manage_program",
                                 Call.objects.select_related("program"), pk=pk)
    form = TrackForm(request.POST or None, call=call, instance=Track(call=call))
    package = _package_formset(request)
    if request.method == "POST" and form.is_valid() and package.is_valid():
        services.create_track(call=call, by=request.user,
                              support_items=package_from_formset(package), **form.cleaned_data)
        messages.success(request, _("Track added."))
        return redirect("programs:call_manage", pk=call.pk)
    return render(request, "programs/track_form.html",
                  {"form": form, "package": package, "title": _("New track"), "call": call})


@require_login
def track_edit(request, pk: int):
    track = get_object_or_404_for(
        request.user, "programs.change_track",
        Track.objects.select_related("call__program", "partner__organisation"), pk=pk,
    )
    full = request.user.has_perm("programs.change_track_rules", track)
    form_class = TrackForm if full else PartnerTrackForm
    kwargs = {"call": track.call} if full else {}
    form = form_class(request.POST or None, instance=track, **kwargs)
    package = _package_formset(request, track)
    if request.method == "POST" and form.is_valid() and package.is_valid():
        changes = _changed_fields(form)
        with transaction.atomic():
            services.update_track(track=track, by=request.user, partner_only=not full,
                                  **changes)
            services.replace_support_items(track=track, items=package_from_formset(package),
                                           by=request.user)
        messages.success(request, _("Track saved."))
        if full:
            return redirect("programs:call_manage", pk=track.call_id)
        return redirect("programs:partner_home")
    return render(request, "programs/track_form.html",
                  {"form": form, "package": package, "title": _("Edit track"),
                   "call": track.call, "track": track, "partner_only": not full})


# --- Partner console -------------------------------------------------------------------------


@require_safe
@require_perm("programs.view_partner_console")
def partner_home(request):
    tracks = selectors.tracks_for_partner(request.user)
    return render(request, "programs/partner_home.html", {"tracks": tracks})
