"""The rubric (issue 13, item 5): a default modelled on the K-Startup PSST items and the fit
with the global partner, copied into each new stage; the operator's editor (weights adding up
to 100, a descriptor for every level, order, removal); frozen once a scoresheet is submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kbridge.core.models import AuditLog
from kbridge.evaluation import rubric
from kbridge.evaluation.models import Criterion, Score, Scoresheet, Stage
from kbridge.evaluation.services import stages as services


def test_the_default_rubric_is_psst_and_partner_fit_with_weights_of_100():
    titles = [c.title_ko for c in rubric.DEFAULT_RUBRIC]
    assert [t.split(" ")[0] for t in titles] == ["문제인식", "실현가능성", "성장전략", "팀",
                                                 "글로벌"]
    assert sum(c.weight for c in rubric.DEFAULT_RUBRIC) == 100


def test_every_default_criterion_describes_each_level_in_both_languages():
    for criterion in rubric.DEFAULT_RUBRIC:
        assert [a.level for a in criterion.anchors] == [1, 2, 3, 4, 5]
        for language in ("ko", "en"):
            texts = [getattr(a, language) for a in criterion.anchors]
            assert all(len(t) > 20 for t in texts), criterion.key
            assert len(set(texts)) == 5, criterion.key


def _stage(world, personas, **fields) -> Stage:
    world.call.deadline_at = timezone.now() - dt.timedelta(days=1)
    world.call.save(update_fields=["deadline_at"])
    opens = timezone.now() + dt.timedelta(days=1)
    return services.create_stage(call=world.call, kind=Stage.Kind.DOCUMENT, by=personas.operator,
                                 opens_at=opens, closes_at=opens + dt.timedelta(days=7),
                                 **fields)


def test_a_new_stage_gets_a_copy_of_the_default_rubric(world, personas):
    stage = _stage(world, personas)
    criteria = list(stage.criteria.all())
    assert [c.weight for c in criteria] == [20, 25, 20, 15, 20]
    assert criteria[0].anchors[0] == rubric.DEFAULT_RUBRIC[0].anchors[0].to_dict()
    # A copy: editing the stage's rubric leaves the default alone.
    criteria[0].title_ko = "바뀐 제목"
    criteria[0].save()
    assert rubric.DEFAULT_RUBRIC[0].title_ko == "문제인식 (Problem)"


def test_a_stage_with_another_scale_keeps_only_the_descriptors_of_its_levels(world, personas):
    stage = _stage(world, personas, scale_min=1, scale_max=3)
    assert [a["level"] for a in stage.criteria.first().anchors] == [1, 2, 3]


def _rows(stage):
    return [{"id": c.pk, "title_ko": c.title_ko, "title_en": c.title_en,
             "description_ko": c.description_ko, "description_en": c.description_en,
             "weight": c.weight, "anchors": c.anchors} for c in stage.criteria.all()]


def test_weights_must_add_up_to_100_and_nothing_changes_otherwise(world, personas):
    stage = _stage(world, personas)
    rows = _rows(stage)
    rows[0]["weight"] = 30
    with pytest.raises(ValidationError, match="add up to 110 points"):
        services.save_rubric(stage=stage, criteria=rows, by=personas.operator)
    assert [c.weight for c in stage.criteria.all()] == [20, 25, 20, 15, 20]


def test_reorder_edit_and_remove_criteria_audited(evaluation, personas):
    stage = evaluation.stage  # two criteria: 60 and 40, a draft score on the second
    second = evaluation.criteria[1]
    Score.objects.create(scoresheet=evaluation.assignment.scoresheet, criterion=second, level=3,
                         reason="초안")
    levels = [{"level": n, "ko": f"{n}점의 의미", "en": ""} for n in range(1, 6)]
    rows = [{"id": None, "title_ko": "시장성", "title_en": "Market", "weight": 30,
             "description_ko": "", "description_en": "", "anchors": levels},
            {"id": evaluation.criteria[0].pk, "title_ko": "기술성", "title_en": "Technology",
             "weight": 70, "description_ko": "", "description_en": "", "anchors": levels}]
    services.save_rubric(stage=stage, criteria=rows, by=personas.operator)
    assert [(c.title_en, c.position, c.weight) for c in stage.criteria.all()] == [
        ("Market", 1, 30), ("Technology", 2, 70)]
    assert not Criterion.objects.filter(pk=second.pk).exists()
    row = AuditLog.objects.get(action="evaluation.rubric_changed", object_id=str(stage.pk))
    assert [c["title_en"] for c in row.before["criteria"]] == ["Technology",
                                                                "Fit with the partner"]
    assert [c["title_en"] for c in row.after["criteria"]] == ["Market", "Technology"]


def test_every_level_needs_a_descriptor(evaluation, personas):
    rows = [{"id": None, "title_ko": "시장성", "title_en": "Market", "weight": 100,
             "description_ko": "", "description_en": "",
             "anchors": [{"level": n, "ko": "설명", "en": ""} for n in (1, 2, 3)]}]
    with pytest.raises(ValidationError, match="level 4, 5"):
        services.save_rubric(stage=evaluation.stage, criteria=rows, by=personas.operator)


def test_the_rubric_is_frozen_once_a_scoresheet_is_submitted(evaluation, personas, client):
    stage = evaluation.stage
    assert personas.operator.has_perm("evaluation.edit_rubric", stage)
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED)
    assert not personas.operator.has_perm("evaluation.edit_rubric", stage)
    with translation.override("en"), pytest.raises(ValidationError, match="cannot change any more"):
        services.save_rubric(stage=stage, criteria=_rows(stage), by=personas.operator)
    client.force_login(personas.operator)
    page = client.get(f"/manage/evaluation/stages/{stage.pk}/rubric/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The rubric is fixed: 1 scoresheet of this stage has been submitted" in page
    assert "Save rubric" not in page
    # The scale is frozen with it.
    with pytest.raises(ValidationError):
        services.update_stage(stage=stage, by=personas.operator, scale_max=7)


def _formset_data(stage, **overrides) -> dict:
    criteria = list(stage.criteria.all())
    data = {"rubric-TOTAL_FORMS": str(len(criteria) + 1),
            "rubric-INITIAL_FORMS": str(len(criteria)), "rubric-MIN_NUM_FORMS": "0",
            "rubric-MAX_NUM_FORMS": "20"}
    for i, c in enumerate(criteria):
        data |= {f"rubric-{i}-id": c.pk, f"rubric-{i}-title_ko": c.title_ko,
                 f"rubric-{i}-title_en": c.title_en, f"rubric-{i}-weight": c.weight,
                 f"rubric-{i}-ORDER": c.position}
        for n in range(stage.scale_min, stage.scale_max + 1):
            data[f"rubric-{i}-anchor_{n}_ko"] = f"{c.title_ko} {n}단계"
    data |= overrides
    return data


def test_the_editor_refuses_weights_off_100_and_keeps_what_was_typed(evaluation, personas,
                                                                       client):
    stage = evaluation.stage
    client.force_login(personas.operator)
    data = _formset_data(stage, **{"rubric-0-weight": "50",
                                   "rubric-0-title_en": "Technology and its readiness"})
    response = client.post(f"/manage/evaluation/stages/{stage.pk}/rubric/", data,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The weights add up to 90 points; they must add up to exactly 100." in page
    assert 'value="Technology and its readiness"' in page
    assert Criterion.objects.get(pk=evaluation.criteria[0].pk).title_en == "Technology"


def test_the_editor_adds_and_reorders_criteria(evaluation, personas, client):
    stage = evaluation.stage
    client.force_login(personas.operator)
    data = _formset_data(stage, **{
        "rubric-0-weight": "40", "rubric-0-ORDER": "3", "rubric-1-weight": "30",
        "rubric-2-title_ko": "팀 구성", "rubric-2-title_en": "Team", "rubric-2-weight": "30",
        "rubric-2-ORDER": "1",
        **{f"rubric-2-anchor_{n}_en": f"Team level {n}" for n in range(1, 6)}})
    response = client.post(f"/manage/evaluation/stages/{stage.pk}/rubric/", data)
    assert response.status_code == 302, response.context["formset"].errors
    assert [c.title_en for c in stage.criteria.all()] == [
        "Team", "Fit with the partner", "Technology"]
