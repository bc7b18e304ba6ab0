"""Stages of a call (issue 13, item 3 and the closing part of 6): the operator sets up the
document evaluation after the call's deadline, then the presentation evaluation; windows are
typed in KST and stored in UTC; closing locks the scores; the shortlist takes the best
``shortlist_factor × places`` per track by trimmed mean, ties at the cut-off all included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kbridge.core.models import AuditLog
from kbridge.evaluation import pledge
from kbridge.evaluation.models import Assignment, Scoresheet, Shortlisted, Stage
from kbridge.evaluation.services import stages as services
from tests.factories import ApplicationFactory, UserFactory

KST = dt.timezone(dt.timedelta(hours=9))


def _past_deadline(call, days=2):
    call.deadline_at = timezone.now() - dt.timedelta(days=days)
    call.save(update_fields=["deadline_at"])
    return call


def _window(start_days: float, length_days: float = 7) -> dict:
    opens = timezone.now() + dt.timedelta(days=start_days)
    return {"opens_at": opens, "closes_at": opens + dt.timedelta(days=length_days)}


def _kst_input(value: dt.datetime) -> str:
    return value.astimezone(KST).strftime("%Y-%m-%dT%H:%M")


# --- setting up a stage ----------------------------------------------------------------------


def test_the_operator_sets_up_the_document_stage_in_kst_and_it_is_stored_in_utc(
        world, personas, client):
    call = _past_deadline(world.call)
    client.force_login(personas.operator)
    response = client.post(f"/manage/evaluation/calls/{call.pk}/stages/new/document/", {
        "opens_at": "2030-03-02T09:00", "closes_at": "2030-03-09T18:00", "mode": "total",
        "max_probability": "0.50", "evaluators_per_application": 5, "load_min": 0,
        "min_market_share": "0.50", "min_women_share": "0.10", "one_per_affiliation": "on",
        "panel_min_size": 5, "conflict_lookback_years": 3, "min_reason_length": 100,
        "scale_min": 1, "scale_max": 5})
    stage = Stage.objects.get(call=call, kind=Stage.Kind.DOCUMENT)
    assert response.status_code == 302
    assert response["Location"] == f"/manage/evaluation/stages/{stage.pk}/"
    assert stage.opens_at == dt.datetime(2030, 3, 2, 0, 0, tzinfo=dt.UTC)  # 09:00 KST
    assert stage.closes_at == dt.datetime(2030, 3, 9, 9, 0, tzinfo=dt.UTC)  # 18:00 KST
    assert stage.pledge_version == pledge.CURRENT
    assert stage.criteria.count() == 5  # the default rubric
    assert AuditLog.objects.filter(action="evaluation.stage_created",
                                   object_id=str(stage.pk), actor=personas.operator).exists()


def test_the_document_stage_cannot_open_before_the_calls_deadline(world, personas, client):
    call = world.call  # deadline in ten days
    client.force_login(personas.operator)
    opens = call.deadline_at - dt.timedelta(days=1)
    response = client.post(f"/manage/evaluation/calls/{call.pk}/stages/new/document/", {
        "opens_at": _kst_input(opens), "closes_at": _kst_input(opens + dt.timedelta(days=7)),
        "mode": "total", "max_probability": "0.50", "evaluators_per_application": 5,
        "load_min": 0, "min_market_share": "0.50", "min_women_share": "0.10",
        "panel_min_size": 5, "conflict_lookback_years": 3, "min_reason_length": 100,
        "scale_min": 1, "scale_max": 5}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors
    deadline = timezone.localtime(call.deadline_at).strftime("%Y-%m-%d %H:%M")
    assert "after the call's deadline" in errors["opens_at"][0]
    assert deadline in errors["opens_at"][0]
    # What was typed is shown again.
    assert f'value="{_kst_input(opens)}"' in response.content.decode()
    assert not Stage.objects.filter(call=call).exists()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"closes_at_offset": -1}, "closes_at", "close after it opens"),
    ({"load_min": 5, "load_max": 3}, "load_max", "at least the minimum"),
    ({"scale_min": 5, "scale_max": 5}, "scale_max", "above the lowest"),
])
def test_rules_spanning_fields_are_refused_by_field(world, personas, changes, field, words):
    call = _past_deadline(world.call)
    window = _window(1)
    if changes.pop("closes_at_offset", None):
        window["closes_at"] = window["opens_at"] - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as caught:
        services.create_stage(call=call, kind=Stage.Kind.DOCUMENT, by=personas.operator,
                              **window, **changes)
    assert words in " ".join(caught.value.message_dict[field])


def test_the_presentation_stage_needs_the_document_stage_first(world, personas, client):
    call = _past_deadline(world.call)
    with pytest.raises(ValidationError, match="document evaluation first"):
        services.create_stage(call=call, kind=Stage.Kind.PRESENTATION, by=personas.operator,
                              **_window(20))
    client.force_login(personas.operator)
    page = client.get(f"/manage/evaluation/calls/{call.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Set up the document evaluation first." in page.content.decode()


def test_the_presentation_stage_opens_after_the_document_stage_closes(world, personas):
    call = _past_deadline(world.call)
    document = services.create_stage(call=call, kind=Stage.Kind.DOCUMENT, by=personas.operator,
                                      **_window(1, 7))
    with pytest.raises(ValidationError) as caught:
        services.create_stage(call=call, kind=Stage.Kind.PRESENTATION, by=personas.operator,
                              **_window(5, 2))
    assert "after the document evaluation closes" in caught.value.message_dict["opens_at"][0]
    presentation = services.create_stage(call=call, kind=Stage.Kind.PRESENTATION,
                                          by=personas.operator, **_window(10, 1))
    # And the document stage may not then be stretched over it.
    with pytest.raises(ValidationError) as caught:
        services.update_stage(stage=document, by=personas.operator,
                              closes_at=presentation.opens_at + dt.timedelta(hours=1))
    assert "before the presentation evaluation opens" in (
        caught.value.message_dict["closes_at"][0])
    with pytest.raises(ValidationError, match="already has"):
        services.create_stage(call=call, kind=Stage.Kind.DOCUMENT, by=personas.operator,
                              **_window(1, 7))


def test_editing_a_stage_is_audited_with_the_fields_before_and_after(world, personas):
    call = _past_deadline(world.call)
    stage = services.create_stage(call=call, kind=Stage.Kind.DOCUMENT, by=personas.operator,
                                  **_window(1, 7))
    services.update_stage(stage=stage, by=personas.operator, evaluators_per_application=7)
    row = AuditLog.objects.get(action="evaluation.stage_updated", object_id=str(stage.pk))
    assert row.before == {"evaluators_per_application": 5}
    assert row.after == {"evaluators_per_application": 7}


def test_the_call_page_links_to_its_stages(world, personas, client):
    client.force_login(personas.operator)
    page = client.get(f"/manage/programs/calls/{world.call.pk}/")
    assert f'href="/manage/evaluation/calls/{world.call.pk}/"' in page.content.decode()


# --- closing and locking ---------------------------------------------------------------------


def test_close_now_ends_the_stage_locks_scores_and_is_audited(evaluation, personas, client):
    stage, assignment = evaluation.stage, evaluation.assignment
    assert personas.evaluator.has_perm("evaluation.score", assignment)
    client.force_login(personas.operator)
    response = client.post(f"/manage/evaluation/stages/{stage.pk}/close/")
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.closed_at is not None and stage.has_ended()
    assert not personas.evaluator.has_perm("evaluation.score", assignment)
    row = AuditLog.objects.get(action="evaluation.stage_closed", object_id=str(stage.pk))
    assert row.after["submitted"] == 0 and row.after["assigned"] == 1
    with translation.override("en"), pytest.raises(ValidationError, match="already ended"):
        services.close_stage(stage=stage, by=personas.operator)
    page = client.get(f"/manage/evaluation/stages/{stage.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "closed early on" in page.content.decode()
    assert "Close now" not in page.content.decode()


def test_a_stage_past_its_closing_time_has_ended_without_closing(evaluation, personas, client):
    stage = evaluation.stage
    Stage.objects.filter(pk=stage.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(personas.operator)
    page = client.get(f"/manage/evaluation/stages/{stage.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert ">Ended<" in page.content.decode()
    assignment = Assignment.objects.get(pk=evaluation.assignment.pk)
    assert not personas.evaluator.has_perm("evaluation.score", assignment)


def test_the_stage_page_counts_scoresheets_without_showing_any_score(evaluation, personas,
                                                                     client):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED, total=Decimal("87.65"))
    client.force_login(personas.operator)
    page = client.get(f"/manage/evaluation/stages/{evaluation.stage.pk}/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The conflicted pair is not counted: 1 of 1, not 1 of 2.
    assert "1 of 1" in page
    assert "87.65" not in page and "87.6" not in page


# --- shortlist -------------------------------------------------------------------------------


def _document_results(world, personas, totals_by_track: dict) -> Stage:
    """A document stage of the world's call that has ended, with one submitted scoresheet
    per (application, evaluator) and the given totals: ``{track: [[total, …], …]}``."""
    call = _past_deadline(world.call, days=30)
    now = timezone.now()
    stage = Stage.objects.create(call=call, kind=Stage.Kind.DOCUMENT,
                                 opens_at=now - dt.timedelta(days=20),
                                 closes_at=now - dt.timedelta(days=10),
                                 pledge_version=pledge.CURRENT)
    evaluators = [UserFactory() for _ in range(5)]
    for track, applications in totals_by_track.items():
        for totals in applications:
            application = ApplicationFactory(track=track, status="submitted")
            for evaluator, total in zip(evaluators, totals, strict=False):
                a = Assignment.objects.create(stage=stage, application=application,
                                              evaluator=evaluator)
                Scoresheet.objects.create(assignment=a, status=Scoresheet.Status.SUBMITTED,
                                          total=Decimal(str(total)))
    return stage


def _presentation(world, document: Stage, factor: str = "2.0") -> Stage:
    return Stage.objects.create(call=world.call, kind=Stage.Kind.PRESENTATION,
                                opens_at=document.closes_at + dt.timedelta(days=15),
                                closes_at=document.closes_at + dt.timedelta(days=16),
                                pledge_version=pledge.CURRENT, shortlist_factor=Decimal(factor))


def test_the_shortlist_takes_the_best_factor_times_places_by_trimmed_mean(world, personas):
    world.track_a.quota = 1
    world.track_a.save(update_fields=["quota"])
    # Five scores each: the trimmed mean drops one highest and one lowest. The third
    # application has the best mean (thanks to one 100) but not the best trimmed mean.
    document = _document_results(world, personas, {world.track_a: [
        [80, 80, 80, 80, 80], [70, 70, 70, 70, 70], [10, 60, 60, 60, 100], [50, 50, 50, 50, 50]]})
    presentation = _presentation(world, document)
    proposal = services.shortlist(stage=presentation)
    track = next(t for t in proposal.tracks if t.track == world.track_a)
    assert track.size == 2  # ceil(2.0 × 1 place)
    assert [round(r.score, 2) for r in track.rows] == [80, 70, 60, 50]
    assert [r.included for r in track.rows] == [True, True, False, False]
    assert not track.tied_at_cutoff


def test_every_application_tied_at_the_cut_off_is_shortlisted(world, personas, client):
    world.track_a.quota = 1
    world.track_a.save(update_fields=["quota"])
    document = _document_results(world, personas, {world.track_a: [
        [90, 90, 90], [75, 75, 75], [75, 75, 75], [75, 75, 75], [40, 40, 40]]})
    presentation = _presentation(world, document, factor="1.5")  # ceil(1.5) = 2 places
    track = next(t for t in services.shortlist(stage=presentation).tracks
                 if t.track == world.track_a)
    assert [(r.rank, r.tied, r.included) for r in track.rows] == [
        (1, False, True), (2, True, True), (2, True, True), (2, True, True), (5, False, False)]
    assert track.tied_at_cutoff
    client.force_login(personas.operator)
    page = client.get(f"/manage/evaluation/calls/{world.call.pk}/shortlist/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "all 4 tied applications are included" in page


def test_the_shortlist_is_confirmed_once_the_document_stage_ended_and_audited(
        world, personas, client):
    document = _document_results(world, personas, {world.track_a: [[80] * 5, [60] * 5]})
    presentation = _presentation(world, document)
    Stage.objects.filter(pk=document.pk).update(closes_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="once the document evaluation has ended"):
        services.confirm_shortlist(stage=presentation, by=personas.operator)
    Stage.objects.filter(pk=document.pk).update(closes_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(personas.operator)
    response = client.post(f"/manage/evaluation/calls/{world.call.pk}/shortlist/")
    assert response.status_code == 302
    stored = list(Shortlisted.objects.filter(stage=presentation).order_by("rank"))
    assert [(s.rank, s.score) for s in stored] == [(1, Decimal("80.00")), (2, Decimal("60.00"))]
    row = AuditLog.objects.get(action="evaluation.shortlist_confirmed")
    assert row.actor == personas.operator and len(row.after["shortlist"]) == 2


def test_conflicted_and_withdrawn_scores_do_not_count_for_the_shortlist(world, personas):
    from kbridge.evaluation.models import Conflict

    document = _document_results(world, personas, {world.track_a: [[90, 20, 20], [50, 50, 50]]})
    presentation = _presentation(world, document)
    top = Assignment.objects.filter(stage=document, scoresheet__total=90).get()
    Conflict.objects.create(application=top.application, evaluator=top.evaluator,
                            source=Conflict.Source.RECUSAL, basis=Conflict.Basis.ADVISORY)
    track = next(t for t in services.shortlist(stage=presentation).tracks
                 if t.track == world.track_a)
    by_app = {r.application.pk: r.score for r in track.rows}
    assert round(by_app[top.application_id], 2) == 20  # the conflicted 90 is left out


def test_a_rule_the_service_finds_after_the_form_is_shown_at_the_top_not_a_500(
        world, personas, client, monkeypatch):
    """E.g. a second operator set up the same stage meanwhile: the page says so."""
    call = _past_deadline(world.call)

    def refuse(**kwargs):
        raise ValidationError({"shortlist_factor": ["This call already has its stage."]})

    monkeypatch.setattr(services, "create_stage", refuse)
    client.force_login(personas.operator)
    opens = timezone.now() + dt.timedelta(days=1)
    response = client.post(f"/manage/evaluation/calls/{call.pk}/stages/new/document/", {
        "opens_at": _kst_input(opens), "closes_at": _kst_input(opens + dt.timedelta(days=7)),
        "mode": "total", "max_probability": "0.50", "evaluators_per_application": 5,
        "load_min": 0, "min_market_share": "0.50", "min_women_share": "0.10",
        "panel_min_size": 5, "conflict_lookback_years": 3, "min_reason_length": 100,
        "scale_min": 1, "scale_max": 5})
    assert response.status_code == 200
    assert "This call already has its stage." in response.context["form"].non_field_errors()


def test_the_scale_is_shown_fixed_once_a_scoresheet_is_submitted(evaluation, personas, client):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED)
    client.force_login(personas.operator)
    response = client.get(f"/manage/evaluation/stages/{evaluation.stage.pk}/edit/")
    form = response.context["form"]
    assert form.fields["scale_max"].disabled and form.fields["scale_min"].disabled
