"""The ranking of a stage for operators (issue 13, item 7): raw mean, trimmed mean and
normalised score side by side, ranks per track with ties, the disagreement and far-from-panel
flags, the export, and what never counts (drafts, a conflicted evaluator's scoresheet)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest

from kbridge.accounts.models import Membership
from kbridge.evaluation.models import Assignment, EvaluatorProfile, ReasonRating, Scoresheet
from kbridge.evaluation.ranking import RATING_WINDOW_DAYS, stage_ranking
from tests.evaluation.feedback_world import ended_stage, submitted_sheet
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, UserFactory


def _evaluator(name: str):
    org = OrganisationFactory(kind="affiliation", name_ko=f"{name} 기관", name_en=f"{name} Org")
    user = MembershipFactory(organisation=org, role=Membership.Role.EVALUATOR,
                             user=UserFactory(full_name=name,
                                              email=f"{name.lower()}@eval.example")).user
    EvaluatorProfile.objects.create(user=user, affiliation=org)
    return user


def _application(track, name: str):
    org = OrganisationFactory(kind="startup", name_ko=name, name_en=name)
    return ApplicationFactory(track=track, applicant=org, status="submitted")


@pytest.fixture
def panel(db):
    return [_evaluator(name) for name in ("Ahn", "Baek", "Cho", "Dong", "Eom")]


def _url(stage, query=""):
    return f"/manage/evaluation/stages/{stage.pk}/ranking/{query}"


def test_the_trimmed_mean_ranks_by_default_and_ties_show_as_equal_places(
        evaluation, world, panel, personas, client_for):
    stage = evaluation.stage
    outlier = _application(world.track_a, "아웃라이어")  # 90 80 80 80 10: mean 68, trimmed 80
    steady = _application(world.track_a, "스테디")  # 80 × 5: mean 80, trimmed 80
    for evaluator, a, b in zip(panel, (90, 80, 80, 80, 10), (80,) * 5, strict=True):
        submitted_sheet(stage, outlier, evaluator, a)
        submitted_sheet(stage, steady, evaluator, b)

    ranking = stage_ranking(stage)
    rows = {r.application.pk: r for r in ranking.tracks[0].rows}
    assert ranking.measure == "trimmed_mean"
    assert rows[outlier.pk].result.trimmed_mean == pytest.approx(80)
    assert rows[outlier.pk].place("trimmed_mean") == "=1"
    assert rows[steady.pk].place("trimmed_mean") == "=1"
    assert (rows[steady.pk].place("mean"), rows[outlier.pk].place("mean")) == ("1", "2")

    html = client_for(personas.operator).get(_url(stage)).content.decode()
    assert "Sorted by: Trimmed mean" in html or "정렬 기준" in html
    assert html.count(">=1<") == 2  # both tied first, shown as "=1"
    assert "68.00" in html and "80.00" in html


def test_the_operator_chooses_the_measure_and_an_unknown_one_falls_back(
        evaluation, world, panel, personas, client_for):
    stage = evaluation.stage
    low_mean = _application(world.track_a, "평균낮음")  # mean 68, trimmed 80
    high_mean = _application(world.track_a, "평균높음")  # mean 75, trimmed 75
    for evaluator, a, b in zip(panel, (90, 80, 80, 80, 10), (75,) * 5, strict=True):
        submitted_sheet(stage, low_mean, evaluator, a)
        submitted_sheet(stage, high_mean, evaluator, b)
    client = client_for(personas.operator)

    by_trimmed = client.get(_url(stage)).content.decode()
    assert by_trimmed.index("평균낮음") < by_trimmed.index("평균높음")
    by_mean = client.get(_url(stage, "?by=mean")).content.decode()
    assert by_mean.index("평균높음") < by_mean.index("평균낮음")
    fallback = client.get(_url(stage, "?by=<script>")).content.decode()
    assert fallback.index("평균낮음") < fallback.index("평균높음")
    assert "<script>" not in fallback


def test_ranks_are_per_track(evaluation, world, panel):
    a = _application(world.track_a, "트랙A")
    b = _application(world.track_b, "트랙B")
    submitted_sheet(evaluation.stage, a, panel[0], 50)
    submitted_sheet(evaluation.stage, b, panel[0], 40)
    ranking = stage_ranking(evaluation.stage)
    assert [t.track for t in ranking.tracks] == [world.track_a, world.track_b]
    assert all(t.rows[0].place("mean") == "1" for t in ranking.tracks)


def test_only_submitted_scoresheets_count_and_assigned_ones_are_shown(
        evaluation, world, panel, personas, client_for):
    stage = evaluation.stage
    application = _application(world.track_a, "초안포함")
    submitted_sheet(stage, application, panel[0], 70)
    draft = submitted_sheet(stage, application, panel[1], 10)
    Scoresheet.objects.filter(pk=draft.pk).update(status=Scoresheet.Status.DRAFT)
    Assignment.objects.create(stage=stage, application=application, evaluator=panel[2])

    row = next(r for r in stage_ranking(stage).tracks[0].rows if r.application == application)
    assert (row.submitted, row.assigned, row.result.mean) == (1, 3, 70)
    html = client_for(personas.operator).get(_url(stage)).content.decode()
    assert "1 / 3" in html


def test_a_conflicted_evaluators_scoresheet_does_not_count_and_they_are_not_shown(
        evaluation, personas, client_for, submitted):
    """The world's conflicted evaluator submitted before declaring the conflict: left out."""
    stage = evaluation.stage
    Scoresheet.objects.filter(assignment=evaluation.conflicted_assignment).update(
        status=Scoresheet.Status.SUBMITTED, total=5)
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED, total=77)

    ranking = stage_ranking(stage)
    row = ranking.tracks[0].rows[0]
    assert (row.application, row.submitted, row.assigned, row.result.mean) == (submitted, 1, 1, 77)
    assert ranking.excluded_conflicted == 1
    assert [e.user for e in ranking.evaluators] == [personas.evaluator]
    html = client_for(personas.operator).get(_url(stage)).content.decode()
    assert str(personas.evaluator_conflicted) not in html
    assert "SparkLabs" not in html and "스파크랩" not in html

    # Once an operator overrides the conflict, the scoresheet counts again.
    evaluation.conflict.overridden_at = evaluation.conflict.created_at
    evaluation.conflict.save()
    assert stage_ranking(stage).tracks[0].rows[0].result.mean == pytest.approx(41)


def test_wide_disagreement_is_flagged_with_its_range(evaluation, world, panel, personas,
                                                     client_for):
    application = _application(world.track_a, "의견차")
    submitted_sheet(evaluation.stage, application, panel[0], 90)
    submitted_sheet(evaluation.stage, application, panel[1], 50)
    html = client_for(personas.operator).get(_url(evaluation.stage)).content.decode()
    assert "Wide disagreement" in html or "의견 차이 큼" in html
    assert "40.0 (50.0–90.0)" in html


def test_an_evaluator_far_from_the_panel_is_flagged_with_their_deviation(
        evaluation, world, panel, personas, client_for):
    harsh = panel[4]
    for i in range(3):
        application = _application(world.track_a, f"공유{i}")
        for evaluator in panel[:4]:
            submitted_sheet(evaluation.stage, application, evaluator, 80)
        submitted_sheet(evaluation.stage, application, harsh, 62)

    ranking = stage_ranking(evaluation.stage)
    row = next(e for e in ranking.evaluators if e.user == harsh)
    assert row.result.far and row.deviation_direction == "below" and row.deviation_points == 18
    client = client_for(personas.operator)
    html = client.post("/i18n/setlang/", {"language": "en", "next": _url(evaluation.stage)},
                       follow=True).content.decode()
    assert "Far from the panel" in html
    assert "on average 18.0 points below the others, on 3 shared applications" in html
    assert "Eom Org" in html  # operators see names and affiliations


def test_reason_ratings_show_only_averaged_over_five_once_the_ratings_closed(
        world, panel, personas, client_for, submitted):
    stage = ended_stage(world.call, ended_days_ago=RATING_WINDOW_DAYS + 1)
    rated, few = panel[0], panel[1]
    for i, usefulness in enumerate((5, 4, 4, 3, 4)):
        application = _application(world.track_a, f"평가받음{i}")
        ReasonRating.objects.create(scoresheet=submitted_sheet(stage, application, rated, 70),
                                    usefulness=usefulness)
        if i < 4:
            ReasonRating.objects.create(scoresheet=submitted_sheet(stage, application, few, 60),
                                        usefulness=1)
    ranking = stage_ranking(stage)
    summary = {e.user: e.ratings for e in ranking.evaluators}
    assert summary[rated].shown and summary[rated].mean == pytest.approx(4)
    assert not summary[few].shown
    client = client_for(personas.operator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(_url(stage)).content.decode()
    assert "4.0 of 5 (5 ratings)" in html
    assert "not enough ratings to show" in html

    # While applicants may still rate, nothing is shown: a new rating could be read off the
    # difference between two averages.
    stage.closes_at = stage.closes_at + timedelta(days=10)
    stage.save()
    assert not stage_ranking(stage).evaluators[0].ratings.shown
    assert "4.0 of 5" not in client.get(_url(stage)).content.decode()


def test_the_export_has_the_pages_rows_in_csv_and_xlsx_with_formulas_neutralised(
        evaluation, world, panel, personas, client_for):
    application = _application(world.track_a, "=HYPERLINK(\"http://x\")")
    for evaluator, total in zip(panel, (90, 80, 80, 80, 10), strict=True):
        submitted_sheet(evaluation.stage, application, evaluator, total)
    client = client_for(personas.operator)

    response = client.get(_url(evaluation.stage, "?export=csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content)
                                           .decode("utf-8-sig"))))
    # The scored application first; startup A's, assigned but not scored yet, unranked last.
    assert [r["application_id"] for r in rows] == [str(application.pk),
                                                   str(evaluation.assignment.application_id)]
    assert (rows[1]["place"], rows[1]["submitted"], rows[1]["assigned"]) == ("", "0", "1")
    row = rows[0]
    assert row["company_ko"].startswith("'=")
    assert (row["sorted_by"], row["place"], row["submitted"], row["assigned"]) == (
        "trimmed_mean", "1", "5", "5")
    assert (row["mean"], row["trimmed_mean"], row["range"]) == ("68.0", "80.0", "80.0")
    assert row["disagreement"] in {"True", "TRUE", "1", "true"}

    response = client.get(_url(evaluation.stage, "?by=normalised&export=xlsx"))
    book = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "normalised" in sheet and "&apos;=HYPERLINK" not in sheet
    assert "'=HYPERLINK" in sheet
    assert response["Content-Disposition"].endswith(
        f'ranking-stage-{evaluation.stage.pk}-normalised.xlsx"')


@pytest.mark.parametrize("persona", ["operator_b", "partner_a", "evaluator",
                                     "evaluator_conflicted", "startup_a"])
def test_nobody_but_the_stages_agency_sees_the_ranking_or_its_export(
        persona, evaluation, personas, client_for):
    client = client_for(personas.by_name(persona))
    for query in ("", "?export=csv", "?export=xlsx"):
        assert client.get(_url(evaluation.stage, query)).status_code == 404


def test_a_stored_total_the_engine_refuses_is_named_instead_of_a_server_error(
        evaluation, personas, client_for):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED, total=120)
    client = client_for(personas.operator)
    for query in ("", "?export=csv"):
        response = client.get(_url(evaluation.stage, query))
        assert response.status_code == 200
        assert "outside 0–100" in response.content.decode()


def test_a_single_score_has_no_range_to_show(evaluation, world, panel, personas, client_for):
    submitted_sheet(evaluation.stage, _application(world.track_a, "한명"), panel[0], 64.5)
    html = client_for(personas.operator).get(_url(evaluation.stage)).content.decode()
    assert "64.50" in html and "(64.5–64.5)" not in html


def test_the_normalised_score_puts_a_harsh_and_a_lenient_evaluators_best_side_by_side(
        evaluation, world, panel, personas, client_for):
    """A harsh evaluator scores X 40 and Z 30, a lenient one Y 90 and W 80: raw, Y W X Z;
    normalised, each evaluator's better application sits one sd above their own average, so
    X and Y tie first and W and Z tie third."""
    harsh, lenient = panel[0], panel[1]
    x, z = _application(world.track_a, "엑스"), _application(world.track_a, "제트")
    y, w = _application(world.track_a, "와이"), _application(world.track_a, "더블유")
    for application, evaluator, total in ((x, harsh, 40), (z, harsh, 30),
                                          (y, lenient, 90), (w, lenient, 80)):
        submitted_sheet(evaluation.stage, application, evaluator, total)

    rows = {r.application: r for r in stage_ranking(evaluation.stage).tracks[0].rows}
    assert [rows[a].place("mean") for a in (y, w, x, z)] == ["1", "2", "3", "4"]
    assert [rows[a].place("normalised") for a in (x, y, w, z)] == ["=1", "=1", "=3", "=3"]
    assert rows[x].shown["normalised"] == "60.00"

    html = client_for(personas.operator).get(_url(evaluation.stage, "?by=normalised")
                                             ).content.decode()
    assert html.index("엑스") < html.index("더블유")
    assert '<option value="normalised" selected>' in html
