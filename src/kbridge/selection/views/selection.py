"""Operator views: a call's selection rules and funding lists, a track's selection (propose,
awards, the draw at the line, confirm), and the public JSON of a draw.

Operators of the program's agency only (everyone else gets 404); the writes are
``services.policy``, ``services.eligibility`` and ``services.selection``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.programs.models import Call, Track
from kbridge.selection.forms_selection import AwardForm, BudgetForm, FundingListForm, PolicyForm
from kbridge.selection.models import FundingImport, LotteryDraw, Outcome, Selection
from kbridge.selection.services import eligibility
from kbridge.selection.services import policy as policy_services
from kbridge.selection.services import selection as services


def _call(request, call_id: int) -> Call:
    return get_object_or_404_for(request.user, "programs.manage_program",
                                 Call.objects.select_related("program"), pk=call_id)


def _track(request, track_id: int) -> Track:
    return get_object_or_404_for(request.user, "selection.manage_selection",
                                 Track.objects.select_related("call__program",
                                                              "partner__organisation"),
                                 pk=track_id)


def _tracks(call: Call) -> list[dict]:
    selections = {s.track_id: s for s in Selection.objects.filter(track__call=call)
                  .prefetch_related("outcomes")}
    rows = []
    for track in call.tracks.select_related("partner__organisation").order_by("position", "pk"):
        selection = selections.get(track.pk)
        outcomes = list(selection.outcomes.all()) if selection else []
        rows.append({"track": track, "selection": selection,
                     "selected": sum(o.status == Outcome.Status.SELECTED for o in outcomes),
                     "awards": sum(o.award_krw or 0 for o in outcomes
                                   if o.status == Outcome.Status.SELECTED)})
    return rows


def _call_page(request, call: Call, *, funding_form=None, status=200):
    return render(request, "selection/call.html", {
        "call": call, "policy": policy_services.policy_of(call), "tracks": _tracks(call),
        "imports": FundingImport.objects.filter(program=call.program)[:20],
        "funding_form": funding_form or FundingListForm(),
        "frozen": policy_services.rules_frozen(call)}, status=status)


@require_safe
@require_login
def call_page(request, call_id: int):
    return _call_page(request, _call(request, call_id))


@require_login
def rules_page(request, call_id: int):
    call = _call(request, call_id)
    policy = policy_services.policy_of(call)
    frozen = policy_services.rules_frozen(call)
    announced = bool(policy.pk) and policy_services.announced(policy)
    form = PolicyForm(request.POST or None, instance=policy, frozen=frozen, announced=announced,
                      call=call)
    if request.method == "POST" and form.is_valid():
        values = {n: form.cleaned_data[n] for n in form.fields if not form.fields[n].disabled}
        try:
            policy_services.save_policy(call=call, by=request.user, values=values)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Selection rules saved."))
            return redirect("selection:call", call_id=call.pk)
    return render(request, "selection/rules.html", {"call": call, "form": form,
                                                    "frozen": frozen, "announced": announced})


@require_login
@post_only(back=to("selection:call", "call_id"))
def funding_list_upload(request, call_id: int):
    call = _call(request, call_id)
    form = FundingListForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = eligibility.import_funding_list(program=call.program, by=request.user,
                                                    file_name=upload.name, data=upload.read())
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("Imported %(rows)s rows from %(file)s.")
                             % {"rows": batch.rows, "file": batch.file_name})
            return redirect("selection:call", call_id=call.pk)
    return _call_page(request, call, funding_form=form, status=400)


def _track_page(request, track: Track, *, budget_form=None, award_forms=None, errors=None,
                status=200):
    selection = Selection.objects.filter(track=track).first()
    preview, problem = None, None
    try:
        preview = services.standing(track, selection=selection)
    except services.SelectionError as exc:
        problem = " ".join(exc.messages)
    outcomes = list(selection.outcomes.select_related("application__applicant")) \
        if selection else []
    draw = selection.draws.order_by("-created_at", "-pk").first() if selection else None
    checks = preview.checks if preview else {}
    interests = {}
    try:
        from kbridge.selection.selectors import interests_for_selection
    except ImportError:  # pragma: no cover - the partners' area adds it
        interests_for_selection = None
    if selection and interests_for_selection:
        interests = interests_for_selection(selection)
    rows = [{"outcome": o, "check": checks.get(o.application_id),
             "interests": interests.get(o.application_id, []),
             "award_form": (award_forms or {}).get(o.pk) or AwardForm(
                 prefix=f"award-{o.pk}", initial={"amount_krw": o.award_krw})}
            for o in outcomes]
    awards = sum(o.award_krw or 0 for o in outcomes if o.status == Outcome.Status.SELECTED)
    return render(request, "selection/track.html", {
        "track": track, "call": track.call, "selection": selection, "rows": rows,
        "preview": preview, "problem": problem, "draw": draw, "awards": awards,
        "budget_form": budget_form or BudgetForm(initial={
            "budget_krw": selection.budget_krw if selection else None}),
        "may_change": request.user.has_perm("selection.change_selection", track),
        "errors": errors or [], "policy": policy_services.policy_of(track.call),
        "budget_problems": services.budget_problems(selection)
        if selection and not selection.is_confirmed and outcomes else []}, status=status)


@require_safe
@require_login
def track_page(request, track_id: int):
    return _track_page(request, _track(request, track_id))


def _change(request, track_id: int) -> Track:
    track = _track(request, track_id)
    if not request.user.has_perm("selection.change_selection", track):
        raise Http404
    return track


@require_login
@post_only(back=to("selection:track", "track_id"))
def propose(request, track_id: int):
    track = _change(request, track_id)
    form = BudgetForm(request.POST)
    if not form.is_valid():
        return _track_page(request, track, budget_form=form, status=400)
    try:
        services.propose(track=track, by=request.user,
                         budget_krw=form.cleaned_data.get("budget_krw"))
    except ValidationError as exc:
        return _track_page(request, track, budget_form=form, errors=exc.messages, status=400)
    messages.success(request, _("Selection proposed from the ranking. Review it, then "
                                "confirm."))
    return redirect("selection:track", track_id=track.pk)


@require_login
@post_only(back=to("selection:track", "track_id"))
def award(request, track_id: int, outcome_id: int):
    track = _change(request, track_id)
    outcome = get_object_or_404(Outcome, pk=outcome_id, selection__track=track)
    form = AwardForm(request.POST, prefix=f"award-{outcome.pk}")
    if form.is_valid():
        try:
            services.set_award(outcome=outcome, by=request.user,
                               amount_krw=form.cleaned_data["amount_krw"],
                               reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Award changed."))
            return redirect("selection:track", track_id=track.pk)
    return _track_page(request, track, award_forms={outcome.pk: form}, status=400)


def _on_selection(request, track: Track, step):
    """Run ``step(selection=…, by=…)`` on the track's selection; the page with why when there
    is none yet or the step is refused (400), else None."""
    selection = Selection.objects.filter(track=track).first()
    if selection is None:
        return _track_page(request, track, errors=[_("Propose the selection first.")],
                           status=400)
    try:
        step(selection=selection, by=request.user)
    except ValidationError as exc:
        return _track_page(request, track, errors=exc.messages, status=400)
    return None


@require_login
@post_only(back=to("selection:track", "track_id"))
def confirm(request, track_id: int):
    track = _change(request, track_id)
    refused = _on_selection(request, track, services.confirm)
    if refused is not None:
        return refused
    policy = policy_services.policy_of(track.call)
    messages.success(request, _("Selection confirmed. Results are announced on %(when)s (KST).")
                     % {"when": timezone.localtime(policy.announcement_at)
                        .strftime("%Y-%m-%d %H:%M")})
    return redirect("selection:track", track_id=track.pk)


@require_login
@post_only(back=to("selection:track", "track_id"))
def commit_draw(request, track_id: int):
    track = _change(request, track_id)
    refused = _on_selection(request, track, services.commit_draw)
    if refused is not None:
        return refused
    messages.success(request, _("Draw committed: its seed's fingerprint is published. Draw it "
                                "when you are ready."))
    return redirect("selection:track", track_id=track.pk)


@require_login
@post_only(back=to("selection:track", "track_id"))
def run_draw(request, track_id: int, draw_id: int):
    track = _change(request, track_id)
    draw = get_object_or_404(LotteryDraw, pk=draw_id, selection__track=track)
    try:
        services.run_draw(draw=draw, by=request.user)
    except ValidationError as exc:
        return _track_page(request, track, errors=exc.messages, status=400)
    messages.success(request, _("Drawn. The seed is published; anyone can re-run the draw."))
    return redirect("selection:track", track_id=track.pk)


@require_safe
def published_draw(request, draw_id: int):
    """Public: the draw's published inputs (and, once drawn, the seed and the winners)."""
    draw = get_object_or_404(LotteryDraw, pk=draw_id)
    return JsonResponse(services.published_draw(draw),
                        json_dumps_params={"ensure_ascii": False, "indent": 2})


urlpatterns = [
    path("manage/selection/calls/<int:call_id>/", call_page, name="call"),
    path("manage/selection/calls/<int:call_id>/rules/", rules_page, name="rules"),
    path("manage/selection/calls/<int:call_id>/funding-lists/", funding_list_upload,
         name="funding_list_upload"),
    path("manage/selection/tracks/<int:track_id>/", track_page, name="track"),
    path("manage/selection/tracks/<int:track_id>/propose/", propose, name="propose"),
    path("manage/selection/tracks/<int:track_id>/outcomes/<int:outcome_id>/award/", award,
         name="award"),
    path("manage/selection/tracks/<int:track_id>/confirm/", confirm, name="confirm"),
    path("manage/selection/tracks/<int:track_id>/draws/", commit_draw, name="commit_draw"),
    path("manage/selection/tracks/<int:track_id>/draws/<int:draw_id>/draw/", run_draw,
         name="run_draw"),
    path("lottery/<int:draw_id>.json", published_draw, name="published_draw"),
]
