"""An applicant may name evaluators they object to (기피, challenge) on the application form:
kept with the draft, checked like every input, and part of the submitted document."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kbridge.applications import services
from kbridge.applications.models import Application


def _save(application, by, entries):
    return services.save_draft(application=application, by=by, answers={},
                               declarations={"challenges": entries},
                               base_version=application.version)


def test_challenges_are_saved_cleaned_and_empty_rows_dropped(submitted, personas):
    application = Application.objects.get(pk=submitted.pk)
    _save(application, personas.startup_a, [
        {"name": " 김\u200b교수 ", "organisation": "KAIST", "email": "prof@kaist.example",
         "reason": "Adviser of a competitor"},
        {"name": "", "organisation": "", "email": "", "reason": ""}])
    application.refresh_from_db()
    assert application.challenges == [{"name": "김교수", "organisation": "KAIST",
                                       "email": "prof@kaist.example",
                                       "reason": "Adviser of a competitor"}]


def test_a_challenge_with_a_bad_address_or_no_one_named_is_refused(submitted, personas):
    application = Application.objects.get(pk=submitted.pk)
    with pytest.raises(ValidationError) as info:
        _save(application, personas.startup_a, [
            {"name": "Kim", "email": "not-an-address"},
            {"reason": "someone"}])
    assert set(info.value.message_dict) == {"challenge_1_email", "challenge_2_name"}
    application.refresh_from_db()
    assert application.challenges == []


def test_the_form_shows_the_challenge_fields_and_keeps_what_was_typed(submitted, personas,
                                                                      client_for):
    client = client_for(personas.startup_a)
    page = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert 'name="challenge_1_name"' in page
    submitted.refresh_from_db()
    response = client.post(f"/applications/{submitted.pk}/", {
        "version": submitted.version, "editor": "", "challenge_1_name": "Kim",
        "challenge_1_email": "kim@", "challenge_1_reason": "Competitor"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="kim@"' in body and "Competitor" in body


def test_challenges_are_part_of_the_submitted_document(submitted, personas):
    application = Application.objects.get(pk=submitted.pk)
    version = _save(application, personas.startup_a, [{"name": "Kim", "organisation": "VC"}])
    submission = services.submit_application(application=application, by=personas.startup_a,
                                             draft_version=version)
    assert submission.answers["challenges"][0]["name"] == "Kim"
    # Earlier submissions without challenges keep their document (and hash) unchanged.
    assert "challenges" not in application.submissions.get(number=1).answers
