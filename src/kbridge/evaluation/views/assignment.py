"""Evaluation views: assignment runs, manual changes, panels, the presentation day, agendas.

Operators (``evaluation.manage_stage``, agency-scoped) under
``/manage/evaluation/stages/<stage_id>/…``; evaluators' agenda under
``/evaluate/stages/<stage_id>/agenda/`` (invited and signed; the slots listed come from
``selectors.agenda_slots``, which never includes an application they are conflicted with).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from kbridge.applications.models import Application
from kbridge.core import exports
from kbridge.core.forms import BaseForm
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.engine.assignment.diagnosis import MESSAGES_EN, RULE_NAMES_EN
from kbridge.engine.scheduling.export import AgendaItem, agenda_ics
from kbridge.evaluation import selectors
from kbridge.evaluation.models import Assignment, AssignmentRun, Panel, Stage
from kbridge.evaluation.services import assignment as services

KST = ZoneInfo("Asia/Seoul")
PAGE_SIZE = 50

# --- diagnoses in words ------------------------------------------------------------------

#: One sentence per engine diagnosis code (engine/assignment/diagnosis.py MESSAGES_EN),
#: translated; parameters are filled with names, not ids.
DIAGNOSIS_TEXT = {
    "forced_conflict": gettext_lazy(
        "%(evaluator)s is kept on %(application)s (work in progress or an operator's choice) "
        "but has a conflict of interest with it."),
    "forced_exceeds_demand": gettext_lazy(
        "%(application)s has %(forced)s kept evaluators but needs only %(required)s."),
    "forced_exceeds_max_load": gettext_lazy(
        "%(evaluator)s is kept on %(forced)s applications but may take at most %(maximum)s."),
    "forced_same_affiliation": gettext_lazy(
        "%(application)s has %(forced)s kept evaluators from %(affiliation)s; at most one per "
        "affiliation is allowed."),
    "too_few_eligible_evaluators": gettext_lazy(
        "%(application)s has only %(available)s evaluators free of conflicts with room left; "
        "%(required)s are required."),
    "too_few_market_experts": gettext_lazy(
        "%(application)s has only %(available)s market experts free of conflicts; "
        "%(required)s are required."),
    "too_few_women": gettext_lazy(
        "%(application)s has only %(available)s women evaluators free of conflicts; "
        "%(required)s are required."),
    "too_few_affiliations": gettext_lazy(
        "%(application)s has evaluators free of conflicts from only %(available)s different "
        "affiliations; %(required)s are required (one per affiliation)."),
    "min_load_unreachable": gettext_lazy(
        "%(evaluator)s must take at least %(required)s applications but only %(available)s "
        "are open to them."),
    "total_capacity_short": gettext_lazy(
        "The applications need %(required)s evaluations in total but the evaluators can take "
        "at most %(available)s."),
    "total_minimum_excess": gettext_lazy(
        "The evaluators' minimum loads add up to %(required)s but the applications need only "
        "%(available)s evaluations."),
    "group_capacity_short": gettext_lazy(
        "Applications %(applications)s need %(required)s evaluations but the evaluators free "
        "of conflicts with them can give only %(available)s."),
    "group_minimum_short": gettext_lazy(
        "Evaluators %(evaluators)s must take %(required)s evaluations in total but the "
        "applications open to them can absorb only %(available)s."),
    "group_market_short": gettext_lazy(
        "Applications %(applications)s need %(required)s evaluations by market experts but "
        "their market experts free of conflicts can give only %(available)s."),
    "group_women_short": gettext_lazy(
        "Applications %(applications)s need %(required)s evaluations by women but their women "
        "evaluators free of conflicts can give only %(available)s."),
    "probability_cap_too_low": gettext_lazy(
        "%(application)s needs %(required)s evaluators but %(available)s candidates capped at "
        "probability %(q)s give only %(expected)s in expectation; raise q."),
    "panel_too_few_evaluators": gettext_lazy(
        "Panel %(panel)s has only %(available)s evaluators free of conflicts with all its "
        "applications and able to take %(load)s applications; %(required)s are required."),
    "panel_too_few_market_experts": gettext_lazy(
        "Panel %(panel)s has only %(available)s eligible market experts; at least "
        "%(required)s are required."),
    "panel_too_few_women": gettext_lazy(
        "Panel %(panel)s has only %(available)s eligible women evaluators; at least "
        "%(required)s are required."),
    "panel_too_few_affiliations": gettext_lazy(
        "Panel %(panel)s has eligible evaluators from only %(available)s different "
        "affiliations; %(required)s seats need one affiliation each."),
    "panels_share_too_few_evaluators": gettext_lazy(
        "Panels %(panels)s need %(required)s seats together but only %(available)s different "
        "evaluators can sit on them (an evaluator joins one panel)."),
    "forced_into_two_panels": gettext_lazy(
        "%(evaluator)s is kept on applications of panels %(panels)s; an evaluator joins one "
        "panel only."),
    "forced_panel_conflict": gettext_lazy(
        "%(evaluator)s is kept on panel %(panel)s but has a conflict of interest with "
        "%(application)s of that panel."),
    "forced_panel_overload": gettext_lazy(
        "%(evaluator)s is kept on panel %(panel)s of %(load)s applications but may take at "
        "most %(maximum)s."),
    "panel_minimum_unreachable": gettext_lazy(
        "%(evaluator)s must take at least %(required)s applications but no eligible panel has "
        "that many."),
    "infeasible_combination": gettext_lazy(
        "No assignment keeps these rules together: %(rules)s. Relaxing any one of them makes "
        "one possible."),
}

RULE_TEXT = {
    "load_min": gettext_lazy("minimum loads"),
    "load_max": gettext_lazy("maximum loads"),
    "market_share": gettext_lazy("share of market experts"),
    "women_share": gettext_lazy("share of women"),
    "one_per_affiliation": gettext_lazy("one evaluator per affiliation"),
    "forced": gettext_lazy("kept pairs"),
    "panel_max_size": gettext_lazy("maximum panel size"),
    "per_application": gettext_lazy("evaluators per application"),
    "panel_min_size": gettext_lazy("minimum panel size"),
    "probability_cap": gettext_lazy("probability cap"),
}

#: Codes about one application each: several of them read as one grouped sentence.
PER_APPLICATION = {
    "too_few_eligible_evaluators": gettext_lazy("evaluators free of conflicts with room left"),
    "too_few_market_experts": gettext_lazy("market experts free of conflicts"),
    "too_few_women": gettext_lazy("women evaluators free of conflicts"),
    "too_few_affiliations": gettext_lazy("different affiliations among evaluators free of "
                                         "conflicts"),
}

assert set(DIAGNOSIS_TEXT) == set(MESSAGES_EN), "every engine diagnosis code needs a sentence"
assert set(RULE_TEXT) == set(RULE_NAMES_EN)


def _names(diagnoses: list[dict]) -> dict[str, dict[str, str]]:
    """Readable names for the ids the diagnoses mention (two queries)."""
    app_ids, ev_ids, org_ids = set(), set(), set()
    for d in diagnoses:
        p = d["params"]
        for key, bucket in (("application", app_ids), ("applications", app_ids),
                            ("evaluator", ev_ids), ("evaluators", ev_ids),
                            ("affiliation", org_ids)):
            value = p.get(key)
            if value is None:
                continue
            for v in (value if isinstance(value, list | tuple) else [value]):
                if str(v).isdigit():
                    bucket.add(int(v))
    from kbridge.accounts.models import Organisation

    apps = {str(a.pk): f"{a.applicant} (#{a.pk})" for a in
            Application.objects.filter(pk__in=app_ids).select_related("applicant")}
    evs = {str(u.pk): _person(u) for u in get_user_model().objects.filter(pk__in=ev_ids)}
    orgs = {str(o.pk): str(o) for o in Organisation.objects.filter(pk__in=org_ids)}
    return {"application": apps, "evaluator": evs, "affiliation": orgs}


def _person(user) -> str:
    name = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return name or user.email


def _listing(values, names: dict[str, str]) -> str:
    shown = [names.get(str(v), str(v)) for v in values[:10]]
    if len(values) > 10:
        shown.append(_("and %(count)d more") % {"count": len(values) - 10})
    return ", ".join(shown)


def diagnosis_sentences(diagnoses: list[dict]) -> list[str]:
    """The stored diagnoses of an infeasible run as sentences in the active language.

    Per-application findings sharing a code (``too_few_eligible_evaluators`` …) are grouped:
    "3 applications have fewer … than required: A (1 of 5), B (2 of 5), C (0 of 5)."
    """
    names = _names(diagnoses)
    sentences: list[str] = []
    grouped: dict[str, list[dict]] = {}
    for d in diagnoses:
        if d["code"] in PER_APPLICATION:
            grouped.setdefault(d["code"], []).append(d)
    done = set()
    for d in diagnoses:
        code, p = d["code"], dict(d["params"])
        if code in grouped and len(grouped[code]) > 1:
            if code in done:
                continue
            done.add(code)
            items = grouped[code]
            listed = ", ".join(
                _("%(application)s (%(available)s of %(required)s)") % {
                    "application": names["application"].get(str(x["params"]["application"]),
                                                             str(x["params"]["application"])),
                    "available": x["params"]["available"], "required": x["params"]["required"]}
                for x in items[:10])
            if len(items) > 10:
                listed += ", " + _("and %(count)d more") % {"count": len(items) - 10}
            sentences.append(ngettext(
                "%(count)d application has fewer %(what)s than required: %(list)s.",
                "%(count)d applications have fewer %(what)s than required: %(list)s.",
                len(items)) % {"count": len(items), "what": PER_APPLICATION[code],
                               "list": listed})
            continue
        for key, value in list(p.items()):
            if key == "rules":
                p[key] = ", ".join(str(RULE_TEXT.get(v, v)) for v in value)
            elif key in ("application", "evaluator", "affiliation"):
                p[key] = names[key].get(str(value), str(value))
            elif key in ("applications", "evaluators"):
                p[key] = _listing(list(value), names[key[:-1]])
            elif isinstance(value, list | tuple):
                p[key] = _listing(list(value), {})
            elif isinstance(value, float):
                p[key] = f"{value:.2f}".rstrip("0").rstrip(".")
        template = DIAGNOSIS_TEXT.get(code)
        try:
            sentences.append(str(template) % p if template else code)
        except (KeyError, TypeError, ValueError):  # a code or parameter the engine added
            sentences.append(f"{code}: {d['params']}")
    return sentences


# --- forms -------------------------------------------------------------------------------


class RunForm(BaseForm):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=Stage.Mode.choices)
    max_probability = forms.DecimalField(
        label=gettext_lazy("Probability cap q (randomised mode)"), min_value=0.01,
        max_value=1, decimal_places=2, required=False,
        help_text=gettext_lazy("No pair is chosen with a higher probability."))
    seed = forms.IntegerField(
        label=gettext_lazy("Seed (optional)"), required=False, min_value=0,
        max_value=2**63 - 1,
        help_text=gettext_lazy("Leave empty for a random one; give a stored seed to repeat a "
                               "run."))
    panels = forms.IntegerField(
        label=gettext_lazy("Number of panels"), required=False, min_value=1, max_value=50,
        help_text=gettext_lazy("Presentation stage: the tracks are grouped into this many "
                               "panels (분과); every panel member evaluates every application "
                               "of the panel."))

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        if stage.kind != Stage.Kind.PRESENTATION:
            del self.fields["panels"]


class ChangeForm(BaseForm):
    ADD, REMOVE, SWAP = "add", "remove", "swap"
    action = forms.ChoiceField(label=gettext_lazy("Change"), choices=[
        (ADD, gettext_lazy("Add a pair")), (REMOVE, gettext_lazy("Remove a pair")),
        (SWAP, gettext_lazy("Give the application to another evaluator"))])
    application = forms.TypedChoiceField(label=gettext_lazy("Application"), coerce=int)
    current = forms.TypedChoiceField(label=gettext_lazy("Current evaluator (remove, swap)"),
                                     coerce=int, required=False, empty_value=None)
    evaluator = forms.TypedChoiceField(label=gettext_lazy("New evaluator (add, swap)"),
                                       coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        apps = services.stage_applications(stage)
        self.fields["application"].choices = [(a.pk, f"{a.applicant} · #{a.pk}") for a in apps]
        people = [(i.evaluator_id, _person(i.evaluator)) for i in
                  stage.evaluators.filter(removed_at__isnull=True).select_related("evaluator")]
        blank = [("", "—")]
        self.fields["current"].choices = blank + people
        self.fields["evaluator"].choices = blank + people

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.REMOVE, self.SWAP) and not data.get("current"):
            self.add_error("current", _("Choose the evaluator the application is assigned to."))
        if action in (self.ADD, self.SWAP) and not data.get("evaluator"):
            self.add_error("evaluator", _("Choose the evaluator to assign."))
        return data


class ScheduleForm(BaseForm):
    day = forms.DateTimeField(
        label=gettext_lazy("Presentation day starts (KST)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Empty: when the stage opens. The day lasts until the stage "
                               "closes, at most 9 hours."))
    rooms = forms.IntegerField(label=gettext_lazy("Rooms"), required=False, min_value=1,
                               max_value=50,
                               help_text=gettext_lazy("Empty: one room per panel."))


# --- operator pages ----------------------------------------------------------------------


def _stage(request, stage_id: int) -> Stage:
    return get_object_or_404_for(request.user, "evaluation.manage_stage",
                                 selectors.stages_for_operator(request.user), pk=stage_id)


def _validation_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_login
def assignment_home(request, stage_id: int):
    """The stage's rules form and run button, and its current pairs with their reasons."""
    stage = _stage(request, stage_id)
    initial = {"mode": stage.mode, "max_probability": stage.max_probability}
    form = RunForm(request.POST or None, stage=stage, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.run_assignment(
                stage=stage, by=request.user, mode=data["mode"],
                max_probability=(float(data["max_probability"])
                                 if data.get("max_probability") is not None else None),
                seed=data.get("seed"), panels=data.get("panels"))
        except ValidationError as exc:
            form.add_error(None, _validation_message(exc))
        else:
            if run.outcome == AssignmentRun.Outcome.INFEASIBLE:
                messages.error(request, _("No assignment keeps these rules; the run says why."))
            else:
                messages.success(request, _("The run found an assignment. Check it, then apply "
                                            "it."))
            return redirect("evaluation:assignment_run", stage_id=stage.pk, run_id=run.pk)
    page = Paginator(selectors.stage_assignments(stage), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "evaluation/assignment/home.html", {
        "stage": stage, "form": form, "page": page,
        "runs": stage.runs.select_related("started_by")[:5],
        "kept": services.kept_assignments(stage).count(),
    })


@require_safe
@require_login
def run_list(request, stage_id: int):
    stage = _stage(request, stage_id)
    page = Paginator(stage.runs.select_related("started_by").defer("inputs", "report"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/assignment/runs.html", {"stage": stage, "page": page})


def _run(request, stage_id: int, run_id: int) -> tuple[Stage, AssignmentRun]:
    stage = _stage(request, stage_id)
    return stage, get_object_or_404(AssignmentRun.objects.filter(stage=stage), pk=run_id)


@require_safe
@require_login
def run_detail(request, stage_id: int, run_id: int):
    """A run: its rules, seed and the command to repeat it; the diagnosis in words, or its
    pairs with why each was chosen (page by page)."""
    stage, run = _run(request, stage_id, run_id)
    pairs = run.report.get("pairs", [])
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    apps = {a.pk: a for a in Application.objects.filter(
        pk__in={r[0] for r in rows}).select_related("applicant", "track")}
    people = {u.pk: u for u in get_user_model().objects.filter(pk__in={r[1] for r in rows})}
    panel_of = run.report.get("panel_of_evaluator") or {}
    shown = [{"application": apps.get(r[0]), "evaluator": people.get(r[1]),
              "evaluator_name": _person(people[r[1]]) if r[1] in people else r[1],
              "affinity": r[2], "rank_for_application": r[3], "rank_for_evaluator": r[4],
              "forced": r[5], "probability": r[6], "panel": panel_of.get(str(r[1]))}
             for r in rows]
    return render(request, "evaluation/assignment/run.html", {
        "stage": stage, "run": run, "page": page, "pairs": shown,
        "sentences": diagnosis_sentences(run.diagnoses) if run.diagnoses else [],
        "command": services.repeat_command(run),
        "files": [n for n in services.INPUT_FILES if n != "panels" or run.rules.get("panels")],
        "latest": stage.runs.order_by("-created_at").values_list("pk", flat=True).first(),
    })


@require_login
@post_only(back=to("evaluation:assignment_run", "stage_id", "run_id"))
def run_apply(request, stage_id: int, run_id: int):
    stage, run = _run(request, stage_id, run_id)
    try:
        outcome = services.apply_run(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, _validation_message(exc))
        return redirect("evaluation:assignment_run", stage_id=stage.pk, run_id=run.pk)
    messages.success(request, _(
        "Applied: %(created)d new pairs, %(removed)d removed, %(kept)d kept (work in progress "
        "or chosen by hand), %(skipped)d skipped (a conflict or invitation changed since the "
        "run).") % outcome.__dict__)
    return redirect("evaluation:stage_assignment", stage_id=stage.pk)


@require_safe
@require_login
def run_input(request, stage_id: int, run_id: int, name: str):
    """One of the run's ``kbridge-assign`` input files (operators of the stage only)."""
    _stage_obj, run = _run(request, stage_id, run_id)
    if name not in services.INPUT_FILES:
        raise Http404
    return exports.csv_response(services.input_rows(run, name),
                                filename=f"run-{run.pk}-{name}.csv")


@require_login
def change(request, stage_id: int):
    """Add, remove or swap a pair by hand, with a reason (audited)."""
    stage = _stage(request, stage_id)
    form = ChangeForm(request.POST or None, stage=stage)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = Application.objects.get(pk=data["application"])
            if data["action"] == ChangeForm.ADD:
                services.add_pair(stage=stage, application=application,
                                  evaluator_id=data["evaluator"], by=request.user,
                                  reason=data["reason"])
            else:
                pair = Assignment.objects.filter(stage=stage, application=application,
                                                 evaluator_id=data["current"]).first()
                if pair is None:
                    raise ValidationError({"current": _(
                        "This evaluator is not assigned this application.")})
                if data["action"] == ChangeForm.REMOVE:
                    services.remove_pair(assignment=pair, by=request.user, reason=data["reason"])
                else:
                    services.swap_pair(assignment=pair, evaluator_id=data["evaluator"],
                                       by=request.user, reason=data["reason"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, _validation_message(exc))
        else:
            messages.success(request, _("The change is saved."))
            return redirect("evaluation:stage_assignment", stage_id=stage.pk)
    return render(request, "evaluation/assignment/change.html", {"stage": stage, "form": form})


@require_login
def schedule(request, stage_id: int):
    """Panels and the presentation day: schedule it (POST) and see every panel's agenda."""
    stage = _stage(request, stage_id)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data.get("day")
        if day is not None:
            day = day.replace(tzinfo=KST) if day.tzinfo is None else day
            day = day.astimezone(UTC)
        try:
            slots = services.schedule_presentations(stage=stage, by=request.user, day_start=day,
                                                    rooms=form.cleaned_data.get("rooms"))
        except ValidationError as exc:
            form.add_error(None, _validation_message(exc))
        else:
            messages.success(request, ngettext("%(count)d presentation is scheduled.",
                                               "%(count)d presentations are scheduled.",
                                               len(slots)) % {"count": len(slots)})
            return redirect("evaluation:schedule", stage_id=stage.pk)
    panels = list(stage.panels.annotate(n_slots=Count("slots")))
    members: dict[int, list] = {p.pk: [] for p in panels}
    seen = set()
    for a in Assignment.objects.filter(stage=stage, panel__isnull=False).select_related(
            "evaluator"):
        if (a.panel_id, a.evaluator_id) not in seen:
            seen.add((a.panel_id, a.evaluator_id))
            members[a.panel_id].append(_person(a.evaluator))
    return render(request, "evaluation/assignment/schedule.html", {
        "stage": stage, "form": form,
        "panels": [{"panel": p, "members": members[p.pk], "slots": p.n_slots}
                   for p in panels],
        "is_presentation": stage.kind == Stage.Kind.PRESENTATION,
    })


def _panel(request, stage_id: int, panel_id: int) -> tuple[Stage, Panel]:
    stage = _stage(request, stage_id)
    return stage, get_object_or_404(Panel.objects.filter(stage=stage), pk=panel_id)


@require_safe
@require_login
def panel_agenda(request, stage_id: int, panel_id: int):
    stage, panel = _panel(request, stage_id, panel_id)
    slots = panel.slots.select_related("application", "application__applicant",
                                       "application__track")
    return render(request, "evaluation/assignment/agenda.html", {
        "stage": stage, "panel": panel, "slots": slots, "operator": True})


def _ics_response(items: list[AgendaItem], *, name: str, filename: str) -> HttpResponse:
    body = agenda_ics(items, calendar_name=name, uid_domain="kbridge.local",
                      stamp=datetime.now(UTC).replace(microsecond=0))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _items(slots, owner: str) -> list[AgendaItem]:
    return [AgendaItem(owner=owner, item_id=f"pitch-{s.panel_id}-{s.application_id}",
                       start=s.starts_at.astimezone(KST), end=s.ends_at.astimezone(KST),
                       place=s.panel.room or str(s.panel), with_ids=(str(s.application_id),),
                       with_names=(str(s.application.applicant),),
                       title=_("%(panel)s: pitch by %(startup)s") % {
                           "panel": s.panel, "startup": s.application.applicant})
            for s in slots]


@require_safe
@require_login
def panel_ics(request, stage_id: int, panel_id: int):
    _stage_obj, panel = _panel(request, stage_id, panel_id)
    slots = panel.slots.select_related("panel", "application__applicant")
    return _ics_response(_items(slots, f"panel-{panel.pk}"), name=str(panel),
                         filename=f"panel-{panel.pk}.ics")


# --- evaluator pages ---------------------------------------------------------------------


def _evaluator_stage(request, stage_id: int) -> Stage:
    return get_object_or_404_for(request.user, "evaluation.view_agenda",
                                 selectors.stages_for_evaluator(request.user).distinct(),
                                 pk=stage_id)


@require_safe
@require_login
def my_agenda(request, stage_id: int):
    """The evaluator's presentation day: never an application they are conflicted with."""
    stage = _evaluator_stage(request, stage_id)
    slots = selectors.agenda_slots(request.user, stage)
    return render(request, "evaluation/assignment/agenda.html", {
        "stage": stage, "slots": slots, "operator": False})


@require_safe
@require_login
def my_agenda_ics(request, stage_id: int):
    stage = _evaluator_stage(request, stage_id)
    slots = selectors.agenda_slots(request.user, stage)
    return _ics_response(_items(slots, f"evaluator-{request.user.pk}"),
                         name=str(stage), filename=f"agenda-stage-{stage.pk}.ics")


_OP = "manage/evaluation/stages/<int:stage_id>/"
urlpatterns = [
    path(_OP + "assignment/", assignment_home, name="stage_assignment"),
    path(_OP + "assignment/runs/", run_list, name="assignment_runs"),
    path(_OP + "assignment/runs/<int:run_id>/", run_detail, name="assignment_run"),
    path(_OP + "assignment/runs/<int:run_id>/apply/", run_apply, name="assignment_apply"),
    path(_OP + "assignment/runs/<int:run_id>/input/<slug:name>.csv", run_input,
         name="assignment_input"),
    path(_OP + "assignment/change/", change, name="assignment_change"),
    path(_OP + "schedule/", schedule, name="schedule"),
    path(_OP + "panels/<int:panel_id>/", panel_agenda, name="panel_agenda"),
    path(_OP + "panels/<int:panel_id>/agenda.ics", panel_ics, name="panel_ics"),
    path("evaluate/stages/<int:stage_id>/agenda/", my_agenda, name="agenda"),
    path("evaluate/stages/<int:stage_id>/agenda.ics", my_agenda_ics, name="agenda_ics"),
]
