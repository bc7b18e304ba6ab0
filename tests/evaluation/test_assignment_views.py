"""Assignment pages: the operator runs, reads why (or why not), applies and changes pairs by
hand; an evaluator's presentation agenda and calendar never show an application they have a
conflict of interest with."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kbridge.engine.assignment import cli
from kbridge.evaluation.models import Assignment, AssignmentRun, Panel, PresentationSlot
from tests.evaluation.test_assignment import plain_rules
from tests.factories import ApplicationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client_for):
    """The test client in English (the pages' Korean is checked by the i18n catalogue)."""

    def _client(user):
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return _client


def base(stage):
    return f"/manage/evaluation/stages/{stage.pk}/assignment/"


def test_the_operator_runs_reads_the_pairs_and_why_and_applies(client_for, evaluation,
                                                               personas):
    stage = evaluation.stage
    plain_rules(stage)
    client = client_for(personas.operator)
    response = client.post(base(stage), {"mode": "total", "seed": "99"})
    run = AssignmentRun.objects.get(stage=stage)
    assert response.status_code == 302
    assert response["Location"] == f"{base(stage)}runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "99" in page and "kbridge-assign" in page and "--seed 99" in page
    assert "ranks #1 for this application" in page
    assert f"run-{run.pk}-scores.csv" in page
    response = client.post(f"{base(stage)}runs/{run.pk}/apply/")
    assert response.status_code == 302
    assert list(Assignment.objects.filter(stage=stage).values_list("evaluator_id", flat=True)) \
        == [personas.evaluator.pk]
    home = client.get(base(stage)).content.decode()
    assert "ranks #1 for this application" in home


def test_an_infeasible_run_page_says_why_in_words(client_for, evaluation, personas):
    client = client_for(personas.operator)
    response = client.post(base(evaluation.stage), {"mode": "total"}, follow=True)
    page = response.content.decode()
    assert "Why no assignment exists" in page
    assert "evaluators free of conflicts with room left; 5 are required" in page
    assert "Apply this run" not in page


def test_bad_rules_come_back_with_a_clear_error(client_for, evaluation, personas):
    client = client_for(personas.operator)
    response = client.post(base(evaluation.stage), {"mode": "randomised",
                                                    "max_probability": "0.5"})
    assert response.status_code == 200
    assert "Randomised mode cannot keep" in response.content.decode()
    assert not AssignmentRun.objects.exists()


def test_a_manual_change_to_a_conflicted_pair_is_refused_and_the_reason_kept(
        client_for, evaluation, personas):
    evaluation.conflicted_assignment.delete()
    client = client_for(personas.operator)
    response = client.post(f"{base(evaluation.stage)}change/", {
        "action": "add", "application": evaluation.assignment.application_id,
        "evaluator": personas.evaluator_conflicted.pk, "reason": "VC perspective needed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "VC perspective needed" in page
    assert not Assignment.objects.filter(evaluator=personas.evaluator_conflicted).exists()


def test_the_downloaded_input_runs_in_kbridge_assign_as_shown(client_for, evaluation,
                                                               personas, tmp_path):
    plain_rules(evaluation.stage)
    client = client_for(personas.operator)
    client.post(base(evaluation.stage), {"mode": "total"})
    run = AssignmentRun.objects.get()
    for name in ("scores", "constraints", "evaluators"):
        response = client.get(f"{base(evaluation.stage)}runs/{run.pk}/input/{name}.csv")
        assert response["Content-Type"].startswith("text/csv")
        (tmp_path / f"run-{run.pk}-{name}.csv").write_bytes(b"".join(response.streaming_content))
    page = client.get(f"{base(evaluation.stage)}runs/{run.pk}/").content.decode()
    command = html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", page).group(1)).split()
    args = [a if not a.startswith("run-") else str(tmp_path / a) for a in command[1:]]
    assert cli.main(args) == 0
    repeated = json.loads((tmp_path / f"run-{run.pk}.json").read_text())
    assert [(int(p["application"]), int(p["evaluator"])) for p in repeated["pairs"]] == [
        (evaluation.assignment.application_id, personas.evaluator.pk)]
    assert client.get(f"{base(evaluation.stage)}runs/{run.pk}/input/secrets.csv"
                      ).status_code == 404


@pytest.fixture
def day(world, evaluation, personas):
    """A panel on which both evaluators sit, hearing startup A (whom ``evaluator_conflicted``
    declared a conflict with after being assigned) and another startup."""
    stage = evaluation.stage
    other = ApplicationFactory(track=world.track_a, status="submitted",
                               applicant=OrganisationFactory(name_ko="클린에어", name_en="Clean Air"))
    panel = Panel.objects.create(stage=stage, name_ko="1분과", name_en="Panel 1", room="Room 3")
    Assignment.objects.filter(stage=stage).update(panel=panel)
    for person in (personas.evaluator, personas.evaluator_conflicted):
        Assignment.objects.create(stage=stage, application=other, evaluator=person, panel=panel)
    start = timezone.now() + timedelta(days=1)
    PresentationSlot.objects.create(panel=panel, application=evaluation.assignment.application,
                                    starts_at=start, ends_at=start + timedelta(minutes=20))
    PresentationSlot.objects.create(panel=panel, application=other,
                                    starts_at=start + timedelta(minutes=20),
                                    ends_at=start + timedelta(minutes=40))
    return panel


def test_the_agenda_of_a_conflicted_evaluator_never_lists_the_application(client_for,
                                                                         evaluation, personas,
                                                                         day):
    url = f"/evaluate/stages/{evaluation.stage.pk}/agenda/"
    mine = client_for(personas.evaluator).get(url).content.decode()
    assert "Neuro Chips" in mine or "뉴로칩스" in mine
    ics = client_for(personas.evaluator).get(url.replace("agenda/", "agenda.ics")).content
    assert "뉴로칩스".encode() in ics or b"Neuro Chips" in ics

    client = client_for(personas.evaluator_conflicted)
    page = client.get(url).content.decode()
    assert "Clean Air" in page or "클린에어" in page
    assert "Neuro Chips" not in page and "뉴로칩스" not in page
    ics = client.get(url.replace("agenda/", "agenda.ics"))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content
    assert body.count(b"BEGIN:VEVENT") == 1
    assert "뉴로칩스".encode() not in body and b"Neuro Chips" not in body


def test_the_panel_agenda_and_calendar_list_every_pitch_for_operators(client_for, evaluation,
                                                                      personas, day):
    client = client_for(personas.operator)
    url = f"/manage/evaluation/stages/{evaluation.stage.pk}/panels/{day.pk}/"
    assert "Room 3" in client.get(url).content.decode()
    body = client.get(url + "agenda.ics").content
    assert body.count(b"BEGIN:VEVENT") == 2 and b"Asia/Seoul" in body


def test_the_diagnosis_reads_in_korean_by_default(client, evaluation, personas):
    client.force_login(personas.operator)
    page = client.post(base(evaluation.stage), {"mode": "total"}, follow=True).content.decode()
    assert "배정할 수 없는 이유" in page
    assert "이해충돌이 없고 여유가 있는 평가위원이 1명뿐입니다. 5명이 필요합니다." in page
