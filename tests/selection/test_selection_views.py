"""The operator's selection pages: rules, the track's proposal, over-budget refusal, the draw,
confirmation, the funding-list upload — in Korean and English."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kbridge.selection.models import Selection, SelectionPolicy
from tests.evaluation.test_scoring_views import english
from tests.selection.test_selection_services import ranked  # noqa: F401 (fixture)


def test_the_operator_proposes_sees_the_plan_and_confirms(ranked, world, personas,  # noqa: F811
                                                          client_for):
    client = client_for(personas.operator)
    url = f"/manage/selection/tracks/{world.track_a.pk}/"
    page = client.get(url).content.decode()
    assert "랭킹에서 선정안 제안" in page
    assert client.post(url + "propose/", {"budget_krw": ""}).status_code == 302
    html = client.get(url).content.decode()
    assert "선정" in html and "₩600,000,000" in html
    assert client.post(url + "confirm/").status_code == 302
    assert Selection.objects.get(track=world.track_a).is_confirmed
    # Confirmed: no more changes, even by the operator.
    assert client.post(url + "propose/", {"budget_krw": ""}).status_code == 404


def test_over_budget_confirmation_is_refused_with_the_reason_in_english(
        ranked, world, personas, client_for):  # noqa: F811
    client = english(client_for(personas.operator))
    url = f"/manage/selection/tracks/{world.track_a.pk}/"
    client.post(url + "propose/", {"budget_krw": "6억"})
    Selection.objects.filter(track=world.track_a).update(budget_krw=300_000_000)
    response = client.post(url + "confirm/")
    assert response.status_code == 400
    assert "Over budget: the awards total ₩600,000,000" in response.content.decode()
    assert not Selection.objects.get(track=world.track_a).is_confirmed


def test_a_bad_budget_and_a_bad_award_come_back_with_what_was_typed(
        ranked, world, personas, client_for):  # noqa: F811
    client = english(client_for(personas.operator))
    url = f"/manage/selection/tracks/{world.track_a.pk}/"
    response = client.post(url + "propose/", {"budget_krw": "lots"})
    assert response.status_code == 400 and 'value="lots"' in response.content.decode()
    client.post(url + "propose/", {"budget_krw": ""})
    outcome = Selection.objects.get(track=world.track_a).outcomes.filter(
        status="selected").first()
    response = client.post(url + f"outcomes/{outcome.pk}/award/",
                           {f"award-{outcome.pk}-amount_krw": "300,000,000",
                            f"award-{outcome.pk}-reason": "too much"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "at most the cap of ₩200,000,000" in html and "too much" in html


def test_rules_page_saves_and_refuses_an_announcement_before_the_deadline(
        world, personas, client_for):
    client = english(client_for(personas.operator))
    url = f"/manage/selection/calls/{world.call.pk}/rules/"
    early = timezone.localtime(world.call.deadline_at - timedelta(days=1))
    response = client.post(url, {"announcement_at": early.strftime("%Y-%m-%dT%H:%M"),
                                 "tie_break_criterion": "팀 구성 (Team)", "waitlist_length": "3",
                                 "appeal_working_days": "7", "offer_working_days": "3",
                                 "agreement_months": "10"})
    assert response.status_code == 200
    assert "must come after the call&#x27;s deadline" in response.content.decode()
    later = timezone.localtime(world.call.deadline_at + timedelta(days=30))
    response = client.post(url, {"announcement_at": later.strftime("%Y-%m-%dT%H:%M"),
                                 "tie_break_criterion": "팀 구성 (Team)", "waitlist_length": "3",
                                 "appeal_working_days": "7", "offer_working_days": "3",
                                 "agreement_months": "10"})
    assert response.status_code == 302
    assert SelectionPolicy.objects.get(call=world.call).tie_break_criterion == "팀 구성 (Team)"
    # Only a criterion of the rubric (here the default one: no stage is set up yet).
    response = client.post(url, {"announcement_at": later.strftime("%Y-%m-%dT%H:%M"),
                                 "tie_break_criterion": "없는 기준\u202e", "waitlist_length": "3",
                                 "appeal_working_days": "7", "offer_working_days": "3",
                                 "agreement_months": "10"})
    assert response.status_code == 200 and "Choose one of the options listed." in response.content.decode()


def test_a_funding_list_upload_reports_bad_lines(world, personas, client_for):
    client = english(client_for(personas.operator))
    data = "사업자등록번호,사업명\n123,TIPS\n".encode()
    response = client.post(f"/manage/selection/calls/{world.call.pk}/funding-lists/",
                           {"file": SimpleUploadedFile("tips.csv", data, "text/csv")})
    assert response.status_code == 400
    assert "Line 2: 123 is not a valid business registration number." in \
        response.content.decode()


def test_a_post_only_address_opened_in_the_browser_says_so_with_a_way_back(
        world, personas, client_for):
    """The tester reloaded /propose/ after a refused form: Chromium showed a bare error."""
    client = english(client_for(personas.operator))
    response = client.get(f"/manage/selection/tracks/{world.track_a.pk}/propose/")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "This address takes a form" in html and "Nothing was changed." in html
    assert f'href="/manage/selection/tracks/{world.track_a.pk}/"' in html
