"""Assignment of a stage: runs of the engine, applying one, manual changes, panels, the day.

One function per state change (keyword-only, one transaction, an audit row each):

* :func:`run_assignment` builds ``kbridge.engine.assignment.AssignmentProblem`` from the stage
  and stores an ``AssignmentRun`` — infeasible runs too, with the engine's diagnoses;
* :func:`apply_run` makes a run's pairs the stage's assignments (scoresheet drafts included);
* :func:`add_pair`, :func:`remove_pair`, :func:`swap_pair`: manual changes with a reason;
* :func:`schedule_presentations`: the presentation day from ``engine.scheduling``.

Who is in a run. Applications: the call's submitted (or selected) applications, never a
withdrawn one; for the presentation stage the confirmed shortlist when the shortlist module
provides one (``services.stages.confirm_shortlist``), else the same set.
Evaluators: invited to the stage, not removed, the stage's current pledge signed.

Pairs in progress are never touched. A pair is *kept* (a forced pair of the next run, left as
it is by :func:`apply_run`) when its scoresheet was saved at least once or submitted, or when
an operator added it by hand (a reasoned decision). Every other pair of the stage is the
engine's and is replaced when a run is applied.

Reproducibility: the run stores its full input (``AssignmentRun.inputs``: affinities rounded
to 1e-6, conflicts, forced pairs, evaluator attributes, panels) and its seed; the same input
as ``kbridge-assign``'s CSV files (:func:`input_rows`) and :func:`repeat_command` give the same
pairs. Ids are ordered as strings, as ``kbridge-assign`` orders them, so even a randomised run
draws the same sample.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.applications.models import Application
from kbridge.core import audit
from kbridge.core.text import clean_text
from kbridge.engine.assignment import (
    AssignmentInfeasible,
    AssignmentProblem,
    CompositionRules,
    solve,
)
from kbridge.evaluation import affinity as affinities
from kbridge.evaluation.models import (
    Assignment,
    AssignmentRun,
    Conflict,
    EvaluatorProfile,
    Panel,
    PresentationSlot,
    Scoresheet,
    Shortlisted,
    Stage,
    StageEvaluator,
)
from kbridge.evaluation.services import notices

#: With composition rules the engine first solves among each application's 40 best-fitting
#: evaluators (``engine.assignment.solve(candidates=...)``; the full problem when that has no
#: assignment): a 2,000 × 300 stage then solves in seconds instead of not finishing.
CANDIDATES = 40

APPLICATION_STATUSES = (Application.Status.SUBMITTED, Application.Status.SELECTED)
#: Seconds per MIP stage before the best assignment found is returned with its proven gap.
TIME_LIMIT = 120.0
INPUT_FILES = ("scores", "constraints", "evaluators", "panels")


# --- who is in a run ---------------------------------------------------------------------


def stage_applications(stage: Stage) -> list[Application]:
    """The applications a run of ``stage`` assigns, ordered by id as text (see module doc)."""
    qs = Application.objects.filter(call_id=stage.call_id, status__in=APPLICATION_STATUSES)
    if stage.kind == Stage.Kind.PRESENTATION:
        shortlisted = _confirmed_shortlist(stage)
        if shortlisted is not None:
            qs = qs.filter(pk__in=shortlisted)
    apps = list(qs.select_related("applicant", "applicant__profile", "track"))
    return sorted(apps, key=lambda a: str(a.pk))


def _confirmed_shortlist(stage: Stage):
    """The confirmed shortlist of a presentation stage (``services.stages.confirm_shortlist``),
    or None while none is confirmed (then every submitted application)."""
    ids = list(Shortlisted.objects.filter(stage=stage).values_list("application_id", flat=True))
    return ids or None


def eligible_invitations(stage: Stage):
    """Invitations whose evaluator may be assigned: not removed, current pledge signed."""
    return StageEvaluator.objects.filter(
        stage=stage, removed_at__isnull=True, pledge_signed_at__isnull=False,
        pledge_version=stage.pledge_version)


def stage_evaluator_ids(stage: Stage) -> list[int]:
    return sorted(eligible_invitations(stage).values_list("evaluator_id", flat=True), key=str)


def conflicts_in_force(stage: Stage) -> set[tuple[int, int]]:
    """(application id, evaluator id) of every conflict in force in the stage's call."""
    return set(Conflict.objects.filter(application__call_id=stage.call_id,
                                       overridden_at__isnull=True)
               .values_list("application_id", "evaluator_id"))


def kept_assignments(stage: Stage):
    """Pairs a run keeps (forced) and applying never replaces: work saved or submitted on
    the scoresheet, or added by an operator."""
    return Assignment.objects.filter(stage=stage).filter(
        Q(source=Assignment.Source.MANUAL) | Q(scoresheet__saved_at__isnull=False)
        | Q(scoresheet__status=Scoresheet.Status.SUBMITTED))


def panel_labels(applications: list[Application], panels: int) -> list[str]:
    """One panel label per application: the call's tracks grouped into ``panels`` panels.

    Tracks are never split (a track's applications present to one panel). Largest track
    first into the panel with the fewest applications so far (ties: lower panel number):
    balanced panels, deterministic. ``panels`` is clipped to [1, number of tracks]. Labels
    are ``"1"``, ``"2"``, ….
    """
    by_track: dict[int, int] = {}
    for a in applications:
        by_track[a.track_id] = by_track.get(a.track_id, 0) + 1
    n = max(1, min(int(panels), len(by_track) or 1))
    sizes = [0] * n
    panel_of: dict[int, int] = {}
    for track_id, count in sorted(by_track.items(), key=lambda kv: (-kv[1], kv[0])):
        target = min(range(n), key=lambda i: (sizes[i], i))
        panel_of[track_id] = target
        sizes[target] += count
    return [str(panel_of[a.track_id] + 1) for a in applications]


# --- building and running ----------------------------------------------------------------


@dataclass
class Built:
    """A problem and what the web layer needs to read its result."""

    problem: AssignmentProblem
    applications: list[Application]
    evaluator_ids: list[int]
    source: str


def build_problem(stage: Stage, *, panels: int | None = None,
                  corpus_key: str | None = None) -> Built:
    """The engine's problem for ``stage`` as the database has it now (see module doc)."""
    apps = stage_applications(stage)
    ev_ids = stage_evaluator_ids(stage)
    profiles = {p.user_id: p for p in EvaluatorProfile.objects.filter(user_id__in=ev_ids)}
    fits = affinities.compute(apps, profiles, ev_ids,
                              corpus_key=corpus_key or f"evaluation:stage:{stage.pk}")
    a_index = {a.pk: i for i, a in enumerate(apps)}
    e_index = {uid: j for j, uid in enumerate(ev_ids)}
    conflicts = np.zeros((len(apps), len(ev_ids)), dtype=bool)
    for app_id, ev_id in conflicts_in_force(stage):
        if app_id in a_index and ev_id in e_index:
            conflicts[a_index[app_id], e_index[ev_id]] = True
    forced = np.zeros_like(conflicts)
    for app_id, ev_id in kept_assignments(stage).values_list("application_id", "evaluator_id"):
        if app_id in a_index and ev_id in e_index:
            forced[a_index[app_id], e_index[ev_id]] = True
    market = np.array([bool(profiles.get(u) and profiles[u].is_market_expert) for u in ev_ids],
                      dtype=bool)
    woman = np.array([bool(profiles.get(u) and profiles[u].is_woman) for u in ev_ids], dtype=bool)
    affiliation = [str(profiles[u].affiliation_id) if profiles.get(u) and
                   profiles[u].affiliation_id else None for u in ev_ids]
    k = stage.evaluators_per_application
    labels = panel_labels(apps, panels) if panels else None
    problem = AssignmentProblem(
        affinity=fits.matrix, per_application=k, load_min=stage.load_min,
        load_max=stage.load_max, conflicts=conflicts, forced=forced, market_expert=market,
        woman=woman, affiliation=affiliation,
        composition=CompositionRules(float(stage.min_market_share),
                                     float(stage.min_women_share), stage.one_per_affiliation),
        panels=labels, panel_min_size=stage.panel_min_size,
        panel_max_size=max(stage.panel_min_size, k) if labels else None,
        application_ids=[str(a.pk) for a in apps], evaluator_ids=[str(u) for u in ev_ids],
    )
    return Built(problem, apps, ev_ids, fits.source)


def _rules(stage: Stage, mode: str, q: float, panels: int | None, source: str) -> dict:
    return {
        "mode": mode, "max_probability": q, "per_application": stage.evaluators_per_application,
        "load_min": stage.load_min, "load_max": stage.load_max,
        "min_market_share": float(stage.min_market_share),
        "min_women_share": float(stage.min_women_share),
        "one_per_affiliation": stage.one_per_affiliation, "panels": panels,
        "panel_min_size": stage.panel_min_size,
        "panel_max_size": (max(stage.panel_min_size, stage.evaluators_per_application)
                           if panels else None),
        "affinity_source": source, "candidates": CANDIDATES,
    }


def _pack(problem: AssignmentProblem) -> bytes:
    """The run's input, compressed (numpy's npz): what :func:`input_rows` writes out."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        affinity_micro=np.round(np.asarray(problem.affinity) * 1e6).astype(np.int64),
        conflicts=np.argwhere(problem.conflicts), forced=np.argwhere(problem.forced),
        market=np.asarray(problem.market_expert), woman=np.asarray(problem.woman),
        affiliation=np.array([a or "" for a in problem.affiliation], dtype=str),
        application_ids=np.array(problem.application_ids, dtype=str),
        evaluator_ids=np.array(problem.evaluator_ids, dtype=str),
        panels=np.array(list(problem.panels) if problem.panels is not None else [], dtype=str),
    )
    return buffer.getvalue()


def unpack(run: AssignmentRun) -> dict[str, np.ndarray]:
    """The arrays :func:`_pack` stored for ``run`` (empty when the run stored none)."""
    if not run.inputs:
        return {}
    with np.load(io.BytesIO(bytes(run.inputs))) as data:
        return {k: data[k] for k in data.files}


def run_assignment(*, stage: Stage, by, mode: str | None = None,
                   max_probability: float | None = None, seed: int | None = None,
                   panels: int | None = None) -> AssignmentRun:
    """Run the engine on ``stage`` and store the run (assigned or infeasible).

    mode: ``total``, ``fair`` or ``randomised`` (default: the stage's); max_probability: q of
    randomised mode (default: the stage's); seed: stored and used by randomised mode (a random
    63-bit one when None); panels: number of panels (presentation stage, panel mode).
    Raises ``ValidationError`` on rules the engine cannot take (randomised with composition
    rules, panels outside a presentation stage, nobody to assign).
    """
    mode = str(mode or stage.mode)
    if mode not in Stage.Mode.values:
        raise ValidationError(_("Choose an assignment mode."))
    q = float(max_probability if max_probability is not None else stage.max_probability)
    if not 0 < q <= 1:
        raise ValidationError(_("The probability cap q must be more than 0 and at most 1."))
    if panels is not None and stage.kind != Stage.Kind.PRESENTATION:
        raise ValidationError(_("Panels are formed for the presentation stage only."))
    if panels is not None and mode == Stage.Mode.RANDOMISED:
        raise ValidationError(_("Panels are formed in the total or fair mode."))
    if mode == Stage.Mode.RANDOMISED and (stage.min_market_share > 0 or stage.min_women_share > 0
                                          or stage.one_per_affiliation):
        raise ValidationError(_(
            "Randomised mode cannot keep the panel composition rules (market experts, women, "
            "one per affiliation). Set them to 0 and off in the stage's rules, or choose the "
            "total or fair mode."))
    if seed is None:
        seed = secrets.randbits(63)
    if not 0 <= int(seed) < 2**63:
        raise ValidationError(_("The seed must be a whole number from 0 to 2⁶³ − 1."))
    built = build_problem(stage, panels=panels)
    if not built.applications or not built.evaluator_ids:
        raise ValidationError(_("There is nothing to assign yet: the stage needs submitted "
                                "applications and evaluators who signed the pledge."))
    rules = _rules(stage, mode, q, panels, built.source)
    outcome, diagnoses, report = AssignmentRun.Outcome.ASSIGNED, [], {}
    try:
        result = solve(built.problem, mode, max_probability=q, seed=int(seed),
                       time_limit=TIME_LIMIT, candidates=rules["candidates"])
    except AssignmentInfeasible as exc:
        outcome = AssignmentRun.Outcome.INFEASIBLE
        diagnoses = [{"code": d.code, "params": d.params} for d in exc.diagnoses]
    except TimeoutError as exc:
        raise ValidationError(_(
            "The engine found no assignment within %(seconds)d seconds. Try the total mode, "
            "or fewer composition rules.") % {"seconds": TIME_LIMIT}) from exc
    except ValueError as exc:  # rules the engine refuses; the operator reads why
        raise ValidationError(_("The engine refused these rules: %(reason)s")
                              % {"reason": str(exc)}) from exc
    else:
        report = result.report.to_dict()
        report["total_affinity"] = result.total_affinity
        report["min_application_score"] = result.min_application_score
        report["pairs"] = [[int(x.application), int(x.evaluator), x.affinity,
                            x.rank_for_application, x.rank_for_evaluator, x.forced,
                            x.probability] for x in result.explanations()]
        if result.panel_of_evaluator is not None:
            report["panel_of_evaluator"] = {
                built.problem.evaluator_ids[j]: label
                for j, label in enumerate(result.panel_of_evaluator) if label is not None}
    report["applications"] = len(built.applications)
    report["evaluators"] = len(built.evaluator_ids)
    with transaction.atomic():
        run = AssignmentRun.objects.create(
            stage=stage, started_by=by, mode=mode, seed=int(seed), rules=rules,
            outcome=outcome, diagnoses=diagnoses, report=report,
            inputs=_pack(built.problem))
        audit.record("evaluation.assignment.run", run, actor=by, after={
            "mode": mode, "seed": int(seed), "outcome": outcome,
            "pairs": len(report.get("pairs", [])), "diagnoses": [d["code"] for d in diagnoses]})
    return run


# --- applying a run ----------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    created: int
    removed: int
    kept: int
    skipped: int  # pairs of the run no longer allowed (a conflict raised since, or un-invited)


def apply_run(*, run: AssignmentRun, by) -> Applied:
    """Make ``run``'s pairs the stage's assignments (see the module doc for kept pairs).

    Pairs that became conflicted or whose evaluator is no longer eligible since the run are
    skipped (counted). Panel mode: the stage's panels are replaced by the run's. New pairs get
    a scoresheet draft. After commit the assignment notices go out (``services.notices``).
    Raises ``ValidationError`` for an infeasible, already applied or superseded run, or a
    stage that has ended.
    """
    stage = run.stage
    if run.outcome != AssignmentRun.Outcome.ASSIGNED:
        raise ValidationError(_("This run found no assignment; there is nothing to apply."))
    if run.applied_at is not None:
        raise ValidationError(_("This run has already been applied."))
    if stage.has_ended():
        raise ValidationError(_("The stage has ended; its assignments can no longer change."))
    with transaction.atomic():
        Stage.objects.select_for_update().get(pk=stage.pk)
        if stage.runs.filter(applied_at__gt=run.created_at).exists():
            raise ValidationError(_("A newer run has been applied since; run the assignment "
                                    "again."))
        conflicted = conflicts_in_force(stage)
        eligible = set(eligible_invitations(stage).values_list("evaluator_id", flat=True))
        kept = {(a, e): pk for pk, a, e in kept_assignments(stage).values_list(
            "pk", "application_id", "evaluator_id")}
        existing = {(a, e): pk for pk, a, e in Assignment.objects.filter(stage=stage)
                    .values_list("pk", "application_id", "evaluator_id")}
        panel_rows: dict[str, Panel] = {}
        panel_of = run.report.get("panel_of_evaluator")
        if panel_of is not None:
            stage.panels.all().delete()
            labels = sorted(set(panel_of.values()), key=lambda x: (len(x), x))
            for pos, label in enumerate(labels, start=1):
                panel_rows[label] = Panel.objects.create(
                    stage=stage, position=pos, name_ko=f"{label}분과",
                    name_en=f"Panel {label}")
        wanted = {}
        skipped = 0
        for app_id, ev_id, fit, rank_app, rank_ev, forced, prob in run.report.get("pairs", []):
            if (app_id, ev_id) in conflicted or ev_id not in eligible:
                skipped += 1
                continue
            wanted[(app_id, ev_id)] = {
                "affinity": fit, "rank_for_application": rank_app,
                "rank_for_evaluator": rank_ev, "forced": forced, "probability": prob,
                "panel": panel_of.get(str(ev_id)) if panel_of is not None else None}
        stale = [pk for pair, pk in existing.items() if pair not in wanted and pair not in kept]
        Assignment.objects.filter(pk__in=stale).delete()
        new = []
        for (app_id, ev_id), why in wanted.items():
            if (app_id, ev_id) in existing:
                continue
            new.append(Assignment(
                stage=stage, application_id=app_id, evaluator_id=ev_id, run=run,
                source=Assignment.Source.ENGINE, affinity=why["affinity"], explanation=why,
                panel=panel_rows.get(why["panel"]) if why["panel"] else None))
        created = Assignment.objects.bulk_create(new, batch_size=1000)
        Scoresheet.objects.bulk_create([Scoresheet(assignment=a) for a in created],
                                       batch_size=1000)
        for (app_id, ev_id), why in wanted.items():  # kept pairs take the run's reasons
            pk = existing.get((app_id, ev_id))
            if pk is not None and pk not in stale:
                Assignment.objects.filter(pk=pk).update(
                    affinity=why["affinity"], explanation=why,
                    panel=panel_rows.get(why["panel"]) if why["panel"] else None)
        if panel_rows:
            # A panel member evaluates every application of the panel; kept pairs follow.
            for label, panel in panel_rows.items():
                members = [int(e) for e, lab in panel_of.items() if lab == label]
                Assignment.objects.filter(stage=stage, evaluator_id__in=members).update(
                    panel=panel)
        run.applied_at = timezone.now()
        run.save(update_fields=["applied_at", "updated_at"])
        outcome = Applied(created=len(created), removed=len(stale), kept=len(kept),
                          skipped=skipped)
        audit.record("evaluation.assignment.apply", run, actor=by,
                     before={"pairs": len(existing)},
                     after={"created": outcome.created, "removed": outcome.removed,
                            "kept": outcome.kept, "skipped": outcome.skipped})
        created_ids = [a.pk for a in created]
        transaction.on_commit(lambda: _notify_assigned(stage, created_ids))
    return outcome


def _notify_assigned(stage: Stage, assignment_ids: list[int]) -> None:
    """The assignment notices (``services.notices``): each evaluator whose set of
    applications changed gets one e-mail (idempotent per set)."""
    if assignment_ids:
        notices.notify_assigned(stage=stage)


# --- manual changes ----------------------------------------------------------------------


def _reason(reason: str) -> str:
    text = clean_text(reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason for this change.")})
    return text


def _check_pair(stage: Stage, application: Application, evaluator_id: int) -> None:
    if not Application.objects.filter(pk=application.pk, call_id=stage.call_id,
                                      status__in=APPLICATION_STATUSES).exists():
        raise ValidationError({"application": _("This application is not evaluated in this "
                                                "stage.")})
    if not eligible_invitations(stage).filter(evaluator_id=evaluator_id).exists():
        raise ValidationError({"evaluator": _("This evaluator is not invited to the stage or "
                                              "has not signed its pledge.")})
    if Conflict.objects.filter(application=application, evaluator_id=evaluator_id,
                               overridden_at__isnull=True).exists():
        raise ValidationError({"evaluator": _("This evaluator has a conflict of interest with "
                                              "this application.")})
    if Assignment.objects.filter(stage=stage, application=application,
                                 evaluator_id=evaluator_id).exists():
        raise ValidationError({"evaluator": _("This evaluator is already assigned this "
                                              "application.")})


def _check_open(stage: Stage) -> None:
    if stage.has_ended():
        raise ValidationError(_("The stage has ended; its assignments can no longer change."))


def add_pair(*, stage: Stage, application: Application, evaluator_id: int, by,
             reason: str) -> Assignment:
    """Assign ``application`` to an evaluator by hand (audited with the reason)."""
    text = _reason(reason)
    _check_open(stage)
    with transaction.atomic():
        _check_pair(stage, application, evaluator_id)
        assignment = Assignment.objects.create(
            stage=stage, application=application, evaluator_id=evaluator_id,
            source=Assignment.Source.MANUAL, reason=text, explanation={"manual": True})
        Scoresheet.objects.create(assignment=assignment)
        audit.record("evaluation.assignment.add", assignment, actor=by, after={
            "application": application.pk, "evaluator": evaluator_id, "reason": text})
        transaction.on_commit(lambda: _notify_assigned(stage, [assignment.pk]))
    return assignment


def _check_removable(assignment: Assignment) -> None:
    sheet = getattr(assignment, "scoresheet", None)
    if sheet is not None and sheet.status == Scoresheet.Status.SUBMITTED:
        raise ValidationError(_("This evaluator has submitted their scores; the pair cannot "
                                "be removed."))


def remove_pair(*, assignment: Assignment, by, reason: str) -> None:
    """Take an application away from an evaluator (refused once their scores are submitted)."""
    text = _reason(reason)
    _check_open(assignment.stage)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        _check_removable(assignment)
        before = {"application": assignment.application_id,
                  "evaluator": assignment.evaluator_id, "source": assignment.source}
        audit.record("evaluation.assignment.remove", assignment, actor=by, before=before,
                     after={"reason": text})
        assignment.delete()


def swap_pair(*, assignment: Assignment, evaluator_id: int, by, reason: str) -> Assignment:
    """Give ``assignment``'s application to another evaluator instead (both checks apply)."""
    text = _reason(reason)
    stage = assignment.stage
    _check_open(stage)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related(
            "application").get(pk=assignment.pk)
        _check_removable(assignment)
        _check_pair(stage, assignment.application, evaluator_id)
        old = assignment.evaluator_id
        panel_id = assignment.panel_id
        assignment.delete()
        new = Assignment.objects.create(
            stage=stage, application=assignment.application, evaluator_id=evaluator_id,
            source=Assignment.Source.MANUAL, reason=text, panel_id=panel_id,
            explanation={"manual": True, "replaces": old})
        Scoresheet.objects.create(assignment=new)
        audit.record("evaluation.assignment.swap", new, actor=by,
                     before={"application": new.application_id, "evaluator": old},
                     after={"application": new.application_id, "evaluator": evaluator_id,
                            "reason": text})
        transaction.on_commit(lambda: _notify_assigned(stage, [new.pk]))
    return new


# --- the run's input as kbridge-assign's files -------------------------------------------


def input_rows(run: AssignmentRun, name: str) -> Iterator[list]:
    """Rows of one ``kbridge-assign`` input file of ``run``: ``scores``, ``constraints``,
    ``evaluators`` or ``panels`` (``KeyError`` for another name)."""
    if name not in INPUT_FILES:
        raise KeyError(name)
    data = unpack(run)
    if not data:
        return iter(())
    apps, evs = [str(x) for x in data["application_ids"]], [str(x) for x in data["evaluator_ids"]]

    def scores():
        yield ["paper", "reviewer", "score"]
        micro = data["affinity_micro"]
        for i, a in enumerate(apps):
            row = micro[i]
            for j, e in enumerate(evs):
                yield [a, e, float(row[j]) / 1e6]

    def constraints():
        yield ["paper", "reviewer", "constraint"]
        for i, j in data["conflicts"]:
            yield [apps[i], evs[j], -1]
        for i, j in data["forced"]:
            yield [apps[i], evs[j], 1]

    def evaluators():
        rules = run.rules
        yield ["reviewer", "market_expert", "woman", "affiliation", "min", "max"]
        for j, e in enumerate(evs):
            yield [e, int(bool(data["market"][j])), int(bool(data["woman"][j])),
                   str(data["affiliation"][j]), rules.get("load_min", 0),
                   "" if rules.get("load_max") is None else rules["load_max"]]

    def panels():
        yield ["paper", "panel"]
        for a, label in zip(apps, data["panels"], strict=False):
            yield [a, str(label)]

    return {"scores": scores, "constraints": constraints, "evaluators": evaluators,
            "panels": panels}[name]()


def repeat_command(run: AssignmentRun) -> str:
    """The ``kbridge-assign`` command that repeats ``run`` on its downloaded input files."""
    r = run.rules
    parts = ["kbridge-assign", f"--scores run-{run.pk}-scores.csv",
             f"--constraints run-{run.pk}-constraints.csv",
             f"--evaluators run-{run.pk}-evaluators.csv",
             f"--num_reviewers {r.get('per_application')}", f"--objective {run.mode}",
             f"--seed {run.seed}"]
    if run.mode == Stage.Mode.RANDOMISED:
        parts.append(f"--max-probability {r.get('max_probability')}")
    if r.get("min_market_share"):
        parts.append(f"--min-market-share {r['min_market_share']}")
    if r.get("min_women_share"):
        parts.append(f"--min-women-share {r['min_women_share']}")
    if r.get("one_per_affiliation"):
        parts.append("--one-per-affiliation")
    if r.get("candidates"):
        parts.append(f"--candidates {r['candidates']}")
    if r.get("panels"):
        parts += [f"--panels run-{run.pk}-panels.csv",
                  f"--panel-min-size {r.get('panel_min_size')}"]
        if r.get("panel_max_size") is not None:
            parts.append(f"--panel-max-size {r['panel_max_size']}")
    parts.append(f"--out-json run-{run.pk}.json")
    return " ".join(parts)


# --- presentation day --------------------------------------------------------------------


def schedule_presentations(*, stage: Stage, by, day_start=None, rooms: int | None = None,
                           time_limit: float = 10.0) -> list[PresentationSlot]:
    """Schedule every panel's pitches on the presentation day and store the slots.

    Each application of a panel pitches once to its panel, ``stage.slot_minutes`` long. The
    day is cut into slots from ``day_start`` (default: the stage's opening) up to the stage's
    close, at most one day of slots (09:00–18:00 of the opening day by KST when the window is
    longer). One room per panel unless ``rooms`` says fewer. Replaces the stage's slots.
    Raises ``ValidationError`` when the stage has no panels or the day cannot hold them.
    """
    from kbridge.engine.scheduling.model import SchedulingError
    from kbridge.engine.scheduling.presentations import (
        Panel as EnginePanel,
    )
    from kbridge.engine.scheduling.presentations import (
        Person,
        Pitch,
        PresentationInstance,
        PresentationOptions,
        Room,
        solve_presentations,
    )

    if stage.kind != Stage.Kind.PRESENTATION:
        raise ValidationError(_("A presentation day is scheduled for the presentation stage "
                                "only."))
    panels = list(stage.panels.all())
    if not panels:
        raise ValidationError(_("Form the panels first: apply an assignment run with panels."))
    start, end = presentation_window(stage, day_start)
    minutes = max(1, stage.slot_minutes)
    n_slots = int((end - start).total_seconds() // (minutes * 60))
    members: dict[int, set[int]] = {p.pk: set() for p in panels}
    apps: dict[int, set[int]] = {p.pk: set() for p in panels}
    for panel_id, ev_id, app_id in Assignment.objects.filter(
            stage=stage, panel__isnull=False).values_list("panel_id", "evaluator_id",
                                                          "application_id"):
        members[panel_id].add(ev_id)
        apps[panel_id].add(app_id)
    all_members = sorted({m for ms in members.values() for m in ms})
    all_apps = sorted({a for xs in apps.values() for a in xs})
    n_rooms = max(1, min(rooms or len(panels), len(panels)))
    instance = PresentationInstance(
        n_slots=n_slots,
        startups=tuple(Person(str(a)) for a in all_apps),
        members=tuple(Person(str(m)) for m in all_members),
        panels=tuple(EnginePanel(str(p.pk), tuple(str(m) for m in sorted(members[p.pk])))
                     for p in panels if members[p.pk]),
        rooms=tuple(Room(str(i + 1)) for i in range(n_rooms)),
        pitches=tuple(Pitch(f"{p.pk}-{a}", str(a), str(p.pk)) for p in panels
                      if members[p.pk] for a in sorted(apps[p.pk])),
    )
    try:
        schedule = solve_presentations(instance, PresentationOptions(time_limit=time_limit,
                                                                     workers=2))
    except SchedulingError as exc:
        raise ValidationError(_("The presentation day cannot hold every pitch: %(reason)s. "
                                "Give the stage a longer window or shorter slots.")
                              % {"reason": str(exc)}) from exc
    pitch_of = {p.id: p for p in instance.pitches}
    with transaction.atomic():
        before = PresentationSlot.objects.filter(panel__stage=stage).count()
        PresentationSlot.objects.filter(panel__stage=stage).delete()
        slots = []
        for placement in schedule.pitches:
            pitch = pitch_of[placement.pitch_id]
            begins = start + timedelta(minutes=minutes * placement.slot)
            slots.append(PresentationSlot(
                panel_id=int(pitch.panel), application_id=int(pitch.startup),
                starts_at=begins, ends_at=begins + timedelta(minutes=minutes * pitch.length)))
        PresentationSlot.objects.bulk_create(slots)
        rooms_of = {b.panel_id: b.room_id for b in schedule.panels}
        for panel in panels:
            if str(panel.pk) in rooms_of:
                Panel.objects.filter(pk=panel.pk).update(
                    room=panel.room or _("Room %(number)s") % {"number": rooms_of[str(panel.pk)]})
        audit.record("evaluation.presentation.schedule", stage, actor=by,
                     before={"slots": before},
                     after={"slots": len(slots), "day_end_slot": schedule.day_end,
                            "optimal": schedule.optimal})
    return slots


def presentation_window(stage: Stage, day_start=None):
    """(start, end) of the presentation day in UTC: from ``day_start`` or the stage's opening,
    to the stage's close but at most 9 hours (one working day)."""
    start = day_start or stage.opens_at
    end = min(stage.closes_at, start + timedelta(hours=9))
    if end <= start:
        raise ValidationError(_("The presentation day must start before the stage closes."))
    return start, end
