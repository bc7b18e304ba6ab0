"""The partners' view (issue 14, item 7): a partner company sees the shortlist and, once
confirmed, the results of its own tracks only — never the evaluators — and records interest
in an application of its track, editable and removable; the operator reads it."""

from __future__ import annotations

from django.utils.html import escape

from kbridge.evaluation.models import Shortlisted
from kbridge.selection import selectors
from kbridge.selection.models import PartnerInterest


def _shortlist(decided, personas, n=3):
    for rank, application in enumerate(decided.applications[:n], 1):
        Shortlisted.objects.create(stage=decided.stage, application=application,
                                   track=decided.selection.track, rank=rank,
                                   score=decided.outcomes[rank - 1].score,
                                   confirmed_by=personas.operator)


def test_the_list_shows_only_the_partners_own_tracks(decided, world, personas, client_for):
    html = client_for(personas.partner_a).get("/partner/selection/").content.decode()
    assert f'data-track="{world.track_a.pk}"' in html
    assert f'data-track="{world.track_b.pk}"' not in html
    assert "확정" in html  # the selection's status
    other = client_for(personas.partner_b).get("/partner/selection/").content.decode()
    assert f'data-track="{world.track_a.pk}"' not in other
    assert f'data-track="{world.track_b.pk}"' in other


def test_the_track_page_shows_shortlist_and_outcomes_without_evaluators(decided, world,
                                                                      personas, client_for):
    _shortlist(decided, personas)
    response = client_for(personas.partner_admin).get(
        f"/partner/selection/tracks/{world.track_a.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-outcome=") == 6 and html.count("data-shortlisted=") == 3
    assert "Neuro Chips" in html and "90.00" in html and "Waitlisted (1)" in html
    assert "Cut-off score" in html and "85.00" in html
    for evaluator in decided.evaluators:
        assert evaluator.email not in html and escape(evaluator.full_name) not in html
    # One interest form per application, not one per table it appears in.
    assert html.count('data-interest="') == 6


def test_before_confirmation_only_the_shortlist(decided, world, personas, client_for):
    _shortlist(decided, personas, n=2)
    decided.selection.status = "draft"
    decided.selection.save(update_fields=["status"])
    html = client_for(personas.partner_a).get(
        f"/partner/selection/tracks/{world.track_a.pk}/").content.decode()
    assert "data-outcome=" not in html and html.count("data-shortlisted=") == 2
    assert "트랙의 선정이 확정되면 결과가 여기에 표시됩니다." in html


def test_another_partner_and_another_agency_get_404(decided, world, personas, client_for):
    url = f"/partner/selection/tracks/{world.track_a.pk}/"
    for person in (personas.partner_b, personas.operator_b, personas.startup_a):
        assert client_for(person).get(url).status_code == 404
    interest = f"{url}interest/{decided.applications[0].pk}/"
    assert client_for(personas.partner_b).post(interest, {"a1-note": "x"}).status_code == 404
    assert not PartnerInterest.objects.exists()


def test_a_partner_records_edits_and_removes_interest(decided, world, personas, client_for):
    application = decided.applications[1]
    url = f"/partner/selection/tracks/{world.track_a.pk}/interest/{application.pk}/"
    client = client_for(personas.partner_a)
    response = client.post(url, {f"a{application.pk}-note": "PoC 협업을 제안하고 싶습니다."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#application-{application.pk}")
    interest = PartnerInterest.objects.get()
    assert (interest.organisation, interest.note) == (personas.partner_a_org,
                                                      "PoC 협업을 제안하고 싶습니다.")
    client.post(url, {f"a{application.pk}-note": ""})
    interest.refresh_from_db()
    assert interest.note == ""
    html = client.get(f"/partner/selection/tracks/{world.track_a.pk}/").content.decode()
    assert "관심 표시 취소" in html and "표시함" in html
    assert client.post(f"{url}remove/").status_code == 302
    assert not PartnerInterest.objects.exists()


def test_a_note_over_500_characters_is_refused_and_kept(decided, world, personas, client_for):
    application = decided.applications[0]
    note = "관심" * 250 + "!"
    response = client_for(personas.partner_a).post(
        f"/partner/selection/tracks/{world.track_a.pk}/interest/{application.pk}/",
        {f"a{application.pk}-note": note})
    html = response.content.decode()
    assert response.status_code == 200
    assert "500" in html and "501" in html and note in html
    assert not PartnerInterest.objects.exists()


def test_the_operator_reads_the_interests_of_the_selection(decided, world, personas,
                                                           client_for):
    application = decided.applications[3]
    client_for(personas.partner_a).post(
        f"/partner/selection/tracks/{world.track_a.pk}/interest/{application.pk}/",
        {f"a{application.pk}-note": "Demo day"})
    [[interest]] = selectors.interests_for_selection(decided.selection).values()
    assert (interest.application, interest.recorded_by, interest.note) == (
        application, personas.partner_a, "Demo day")
    html = client_for(personas.operator).get(
        f"/manage/selection/tracks/{world.track_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Interest: OpenAI" in html


def test_an_application_not_on_the_page_cannot_be_marked(decided, world, personas,
                                                         client_for):
    from tests.selection.world import applicant

    undecided = applicant(world, 42)  # in the track, but neither shortlisted nor decided
    response = client_for(personas.partner_a).post(
        f"/partner/selection/tracks/{world.track_a.pk}/interest/{undecided.pk}/",
        {f"a{undecided.pk}-note": ""})
    assert response.status_code == 404
