"""Assignment of a stage (services/assignment.py, affinity.py): runs of the engine on the
database, infeasible runs told in words, applying a run without touching work in progress,
manual changes with reasons, panels and the presentation day, and runs that repeat exactly with
``kbridge-assign`` on the downloaded input."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kbridge.core.models import AuditLog
from kbridge.engine.assignment import cli
from kbridge.evaluation import affinity
from kbridge.evaluation.models import (
    Assignment,
    AssignmentRun,
    EvaluatorProfile,
    PresentationSlot,
    Scoresheet,
    Stage,
    StageEvaluator,
)
from kbridge.evaluation.services import assignment as services
from kbridge.evaluation.views.assignment import diagnosis_sentences
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here (Korean is the site's default; the diagnosis
    test below reads both)."""
    with translation.override("en"):
        yield


def plain_rules(stage, k=1):
    """No composition rules: k evaluators per application, nothing else."""
    stage.evaluators_per_application = k
    stage.min_market_share = stage.min_women_share = 0
    stage.one_per_affiliation = False
    stage.save()


def invite(stage, operator, n, *, signed=True, start=0):
    """``n`` new evaluators invited to ``stage`` (signed the pledge unless told otherwise)."""
    people = []
    for i in range(n):
        user = UserFactory(email=f"ev{start + i}@eval.example", full_name=f"평가위원{start + i}")
        StageEvaluator.objects.create(
            stage=stage, evaluator=user, invited_by=operator,
            pledge_version=stage.pledge_version if signed else "",
            pledge_signed_at=timezone.now() if signed else None)
        people.append(user)
    return people


def submitted_apps(world, n, track=None):
    return [ApplicationFactory(track=track or world.track_a, status="submitted")
            for _ in range(n)]


# --- runs ------------------------------------------------------------------------------


def test_a_conflicted_pair_is_never_assigned_and_applying_removes_it(evaluation, personas):
    stage = evaluation.stage
    plain_rules(stage, k=1)
    run = services.run_assignment(stage=stage, by=personas.operator)
    assert run.outcome == AssignmentRun.Outcome.ASSIGNED
    assert [p[:2] for p in run.report["pairs"]] == [[evaluation.assignment.application_id,
                                                     personas.evaluator.pk]]
    applied = services.apply_run(run=run, by=personas.operator)
    assert (applied.created, applied.removed) == (0, 1)
    assert list(Assignment.objects.filter(stage=stage).values_list("evaluator_id", flat=True)) \
        == [personas.evaluator.pk]
    pair = Assignment.objects.get(stage=stage)
    assert pair.explanation["rank_for_application"] == 1
    assert AuditLog.objects.filter(action="evaluation.assignment.apply").count() == 1


def test_an_infeasible_run_is_stored_with_its_diagnosis_in_korean_and_english(evaluation,
                                                                              personas):
    stage = evaluation.stage  # 5 evaluators per application, only 2 invited, 1 conflicted
    run = services.run_assignment(stage=stage, by=personas.operator, seed=42)
    assert run.outcome == AssignmentRun.Outcome.INFEASIBLE and run.seed == 42
    codes = [d["code"] for d in run.diagnoses]
    assert "too_few_eligible_evaluators" in codes
    with translation.override("en"):
        english = diagnosis_sentences(run.diagnoses)
    with translation.override("ko"):
        korean = diagnosis_sentences(run.diagnoses)
    assert any("Neuro Chips" in s or "뉴로칩스" in s for s in english)
    assert any("only 1 evaluators free of conflicts" in s and "5 are required" in s
               for s in english)
    assert korean != english and all(s.strip() for s in korean)


def test_several_applications_short_of_evaluators_read_as_one_sentence(world, evaluation,
                                                                         personas):
    stage = evaluation.stage
    plain_rules(stage, k=3)
    submitted_apps(world, 2)
    run = services.run_assignment(stage=stage, by=personas.operator)
    assert run.outcome == AssignmentRun.Outcome.INFEASIBLE
    with translation.override("en"):
        sentences = diagnosis_sentences(run.diagnoses)
    assert any(s.startswith("3 applications have fewer evaluators free of conflicts")
               for s in sentences), sentences


def test_the_seed_is_random_when_not_given_and_stored(evaluation, personas):
    plain_rules(evaluation.stage)
    seeds = {services.run_assignment(stage=evaluation.stage, by=personas.operator).seed
             for _ in range(3)}
    assert len(seeds) == 3 and all(0 <= s < 2**63 for s in seeds)


def test_randomised_mode_refuses_composition_rules_in_words(evaluation, personas):
    with pytest.raises(ValidationError, match="Randomised mode cannot keep"):
        services.run_assignment(stage=evaluation.stage, by=personas.operator,
                                mode="randomised")


def test_withdrawn_applications_and_unsigned_evaluators_are_left_out(world, evaluation,
                                                                     personas):
    stage = evaluation.stage
    plain_rules(stage)
    ApplicationFactory(track=world.track_a, status="withdrawn")
    ApplicationFactory(track=world.track_a, status="draft")
    unsigned = invite(stage, personas.operator, 1, signed=False)[0]
    run = services.run_assignment(stage=stage, by=personas.operator)
    assert run.report["applications"] == 1
    assert run.report["evaluators"] == 2
    assert all(p[1] != unsigned.pk for p in run.report["pairs"])


def test_a_run_repeats_exactly_with_kbridge_assign_on_its_downloaded_input(world, evaluation,
                                                                          personas, tmp_path):
    stage = evaluation.stage
    plain_rules(stage, k=2)
    stage.load_max = 3
    stage.save()
    submitted_apps(world, 4)
    invite(stage, personas.operator, 3)
    run = services.run_assignment(stage=stage, by=personas.operator, mode="randomised",
                                  max_probability=0.7, seed=123456789)
    assert run.outcome == AssignmentRun.Outcome.ASSIGNED
    for name in services.INPUT_FILES:
        with open(tmp_path / f"run-{run.pk}-{name}.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(services.input_rows(run, name))
    command = services.repeat_command(run).split()
    assert command[0] == "kbridge-assign" and "--seed" in command
    args = [a if not a.startswith("run-") else str(tmp_path / a) for a in command[1:]]
    assert cli.main(args) == 0
    repeated = json.loads((tmp_path / f"run-{run.pk}.json").read_text())
    assert sorted((int(p["application"]), int(p["evaluator"])) for p in repeated["pairs"]) \
        == sorted((p[0], p[1]) for p in run.report["pairs"])


# --- what applying keeps ---------------------------------------------------------------


def test_pairs_with_work_in_progress_are_kept_by_runs_and_by_applying(world, evaluation,
                                                                      personas):
    stage = evaluation.stage
    plain_rules(stage, k=1)
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(saved_at=timezone.now())
    others = invite(stage, personas.operator, 2)
    # The other evaluators fit the application far better: still, the saved pair stays.
    for user in others:
        EvaluatorProfile.objects.create(user=user, expertise_en="NPU edge AI chips")
    run = services.run_assignment(stage=stage, by=personas.operator)
    pair = run.report["pairs"][0]
    assert pair[1] == personas.evaluator.pk and pair[5] is True  # forced
    services.apply_run(run=run, by=personas.operator)
    assert Assignment.objects.filter(pk=evaluation.assignment.pk).exists()


def test_a_run_cannot_be_applied_twice_nor_after_a_newer_one(evaluation, personas):
    plain_rules(evaluation.stage)
    first = services.run_assignment(stage=evaluation.stage, by=personas.operator)
    second = services.run_assignment(stage=evaluation.stage, by=personas.operator)
    services.apply_run(run=second, by=personas.operator)
    with pytest.raises(ValidationError, match="already been applied"):
        services.apply_run(run=second, by=personas.operator)
    with pytest.raises(ValidationError, match="newer run"):
        services.apply_run(run=first, by=personas.operator)


def test_an_infeasible_run_cannot_be_applied(evaluation, personas):
    run = services.run_assignment(stage=evaluation.stage, by=personas.operator)
    with pytest.raises(ValidationError, match="nothing to apply"):
        services.apply_run(run=run, by=personas.operator)


# --- manual changes --------------------------------------------------------------------


def test_adding_a_conflicted_pair_is_refused(evaluation, personas):
    evaluation.conflicted_assignment.delete()
    with pytest.raises(ValidationError) as info:
        services.add_pair(stage=evaluation.stage, application=evaluation.assignment.application,
                          evaluator_id=personas.evaluator_conflicted.pk, by=personas.operator,
                          reason="Panel needs a VC")
    assert "conflict of interest" in str(info.value)


def test_a_change_needs_a_reason(evaluation, personas):
    with pytest.raises(ValidationError, match="reason"):
        services.remove_pair(assignment=evaluation.assignment, by=personas.operator,
                             reason="   ")


def test_an_unsigned_evaluator_cannot_be_added(world, evaluation, personas):
    unsigned = invite(evaluation.stage, personas.operator, 1, signed=False)[0]
    with pytest.raises(ValidationError, match="not signed"):
        services.add_pair(stage=evaluation.stage, application=evaluation.assignment.application,
                          evaluator_id=unsigned.pk, by=personas.operator, reason="Expert")


def test_a_submitted_pair_cannot_be_removed(evaluation, personas):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="submitted"):
        services.remove_pair(assignment=evaluation.assignment, by=personas.operator,
                             reason="Wrong pair")


def test_a_swap_moves_the_application_and_is_audited_with_the_reason(evaluation, personas):
    other = invite(evaluation.stage, personas.operator, 1)[0]
    new = services.swap_pair(assignment=evaluation.assignment, evaluator_id=other.pk,
                             by=personas.operator, reason="Evaluator is abroad")
    assert new.source == Assignment.Source.MANUAL and new.reason == "Evaluator is abroad"
    assert not Assignment.objects.filter(pk=evaluation.assignment.pk).exists()
    assert Scoresheet.objects.filter(assignment=new, status="draft").exists()
    row = AuditLog.objects.get(action="evaluation.assignment.swap")
    assert row.before["evaluator"] == personas.evaluator.pk
    assert row.after["reason"] == "Evaluator is abroad"


# --- affinities ------------------------------------------------------------------------


def test_expertise_close_to_the_application_fits_better_and_no_profile_is_neutral(
        world, evaluation, personas):
    app = evaluation.assignment.application  # Neuro Chips: NPU, edge AI
    close, far, blank = invite(evaluation.stage, personas.operator, 3)
    EvaluatorProfile.objects.create(user=close, expertise_ko="NPU 반도체 설계",
                                    expertise_en="NPU and edge AI chip design",
                                    expertise_keywords=["NPU", "edge AI"])
    EvaluatorProfile.objects.create(user=far, expertise_en="Organic farming cooperatives",
                                    expertise_keywords=["agriculture"])
    ApplicationFactory(track=world.track_b, status="submitted")
    apps = services.stage_applications(evaluation.stage)
    ids = [close.pk, far.pk, blank.pk]
    profiles = {p.user_id: p for p in EvaluatorProfile.objects.filter(user_id__in=ids)}
    fits = affinity.compute(apps, profiles, ids, corpus_key="test")
    row = [a.pk for a in apps].index(app.pk)
    assert fits.matrix[row, 0] > fits.matrix[row, 1]
    assert fits.profiled.tolist() == [True, False, False] or fits.profiled.tolist() == [
        True, True, False]
    # No profile: the mean fit of the profiled evaluators, for every application.
    expected = fits.matrix[:, fits.profiled].mean(axis=1)
    assert np.allclose(fits.matrix[:, 2], expected, atol=1e-6)


# --- panels and the presentation day ---------------------------------------------------


@pytest.fixture
def presentation(world, evaluation, personas):
    """A presentation stage of the world's call: 2 apps per track, 6 signed evaluators
    (the two personas included), panels of 2."""
    now = timezone.now()
    stage = Stage.objects.create(call=world.call, kind=Stage.Kind.PRESENTATION,
                                 opens_at=now + timedelta(days=1),
                                 closes_at=now + timedelta(days=2),
                                 pledge_version=evaluation.stage.pledge_version,
                                 evaluators_per_application=2, panel_min_size=2,
                                 min_market_share=0, min_women_share=0,
                                 one_per_affiliation=False, slot_minutes=20)
    for person in (personas.evaluator, personas.evaluator_conflicted):
        StageEvaluator.objects.create(stage=stage, evaluator=person, invited_by=personas.operator,
                                      pledge_version=stage.pledge_version,
                                      pledge_signed_at=now)
    invite(stage, personas.operator, 4, start=100)
    submitted_apps(world, 1, world.track_a)
    submitted_apps(world, 2, world.track_b)
    return stage


def test_panels_group_tracks_and_every_member_evaluates_every_application_of_the_panel(
        presentation, evaluation, personas):
    run = services.run_assignment(stage=presentation, by=personas.operator, panels=2)
    assert run.outcome == AssignmentRun.Outcome.ASSIGNED, run.diagnoses
    services.apply_run(run=run, by=personas.operator)
    panels = list(presentation.panels.all())
    assert len(panels) == 2
    for panel in panels:
        pairs = Assignment.objects.filter(stage=presentation, panel=panel)
        members = set(pairs.values_list("evaluator_id", flat=True))
        apps = set(pairs.values_list("application_id", flat=True))
        assert len(members) == 2
        assert pairs.count() == len(members) * len(apps)
        # Two panels for two tracks: one track per panel.
        assert pairs.values_list("application__track_id", flat=True).distinct().count() == 1
    conflicted_app = evaluation.assignment.application_id
    assert not Assignment.objects.filter(stage=presentation, application_id=conflicted_app,
                                         evaluator=personas.evaluator_conflicted).exists()


def test_panel_labels_keep_tracks_together_and_balance_sizes(world):
    apps = (submitted_apps(world, 3, world.track_a) + submitted_apps(world, 1, world.track_b))
    assert services.panel_labels(apps, 2) == ["1", "1", "1", "2"]
    assert services.panel_labels(apps, 9) == ["1", "1", "1", "2"]  # at most one per track
    assert set(services.panel_labels(apps, 1)) == {"1"}


def test_the_presentation_day_gives_every_application_one_slot_per_panel(presentation,
                                                                         personas):
    run = services.run_assignment(stage=presentation, by=personas.operator, panels=2)
    services.apply_run(run=run, by=personas.operator)
    slots = services.schedule_presentations(stage=presentation, by=personas.operator)
    apps = set(Assignment.objects.filter(stage=presentation).values_list("application_id",
                                                                         flat=True))
    assert sorted(s.application_id for s in slots) == sorted(apps)
    for slot in PresentationSlot.objects.filter(panel__stage=presentation):
        assert slot.ends_at - slot.starts_at == timedelta(minutes=20)
        assert presentation.opens_at <= slot.starts_at < presentation.closes_at
    # Members of one panel never hear two pitches at once.
    by_panel = {}
    for slot in slots:
        by_panel.setdefault(slot.panel_id, []).append(slot.starts_at)
    assert all(len(v) == len(set(v)) for v in by_panel.values())


def test_scheduling_a_document_stage_is_refused(evaluation, personas):
    with pytest.raises(ValidationError, match="presentation stage"):
        services.schedule_presentations(stage=evaluation.stage, by=personas.operator)


def test_the_run_input_scores_file_is_what_kbridge_assign_reads(evaluation, personas):
    plain_rules(evaluation.stage)
    run = services.run_assignment(stage=evaluation.stage, by=personas.operator)
    rows = list(services.input_rows(run, "scores"))
    assert rows[0] == ["paper", "reviewer", "score"]
    assert len(rows) == 1 + 1 * 2
    constraints = list(services.input_rows(run, "constraints"))
    assert [str(evaluation.assignment.application_id),
            str(personas.evaluator_conflicted.pk), -1] in constraints
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    assert "paper,reviewer,score" in text.getvalue()


def test_evaluator_documents_are_a_kind_in_matchings_registry(personas):
    """Matching resolves ``evaluator:<user id>`` through its registry (evaluation registers
    the kind from ready()), so model switches and saves re-embed evaluators like any kind."""
    from kbridge.evaluation.services import pool
    from kbridge.matching import registry

    pool.save_profile(user=personas.evaluator, expertise_ko="AI 반도체 설계",
                      expertise_en="AI chip design", expertise_keywords=["NPU"],
                      expert_type="academic")
    document = registry.resolve(f"evaluator:{personas.evaluator.pk}")
    assert document is not None and "NPU" in document.keywords
    assert f"evaluator:{personas.evaluator.pk}" in registry.all_keys()
