"""Issue 11, item 6: starting and submitting an application need a verified e-mail address,
refused by the service and by a direct POST, explained on the page with a resend button."""

from __future__ import annotations

import pytest

from kbridge.applications import services
from kbridge.applications.models import Application, Submission


def _unverify(user):
    user.email_verified_at = None
    user.save(update_fields=["email_verified_at"])


def test_the_service_refuses_to_submit_for_an_unverified_representative(complete_draft,
                                                                        personas):
    _unverify(personas.startup_a)
    with pytest.raises(services.EmailNotVerified):
        services.submit_application(application=complete_draft, by=personas.startup_a,
                                    draft_version=complete_draft.version)
    assert Submission.objects.count() == 0


def test_the_service_refuses_to_start_for_an_unverified_representative(world, personas):
    _unverify(personas.startup_a)
    with pytest.raises(services.EmailNotVerified):
        services.start_application(track=world.track_a, applicant=personas.startup_a_org,
                                   by=personas.startup_a)
    assert Application.objects.count() == 0


def test_a_direct_submit_post_is_refused_and_the_page_explains(complete_draft, personas,
                                                               client):
    _unverify(personas.startup_a)
    client.force_login(personas.startup_a)
    page = client.get(f"/applications/{complete_draft.pk}/").content.decode()
    assert "제출하려면 이메일 주소를 인증하세요" in page
    assert 'action="/accounts/verify/resend/"' in page
    assert f'formaction="/applications/{complete_draft.pk}/submit/"' not in page
    response = client.post(f"/applications/{complete_draft.pk}/submit/",
                           {"version": complete_draft.version, "declarations_present": "1"})
    assert response.status_code == 422
    assert "먼저 이메일 주소를 인증하세요" in response.content.decode()
    assert Submission.objects.count() == 0
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.DRAFT


def test_a_direct_start_post_is_refused(world, personas, client):
    _unverify(personas.startup_b)
    client.force_login(personas.startup_b)
    response = client.post(f"/applications/start/{world.track_a.pk}/", follow=True)
    assert "먼저 이메일 주소를 인증하세요" in response.content.decode()
    assert Application.objects.count() == 0
    # The call page explains instead of offering the button.
    page = client.get(f"/calls/{world.call.pk}/").content.decode()
    assert "이메일 주소를 인증하면 신청할 수 있습니다" in page


def test_resend_returns_to_the_application(complete_draft, personas, client):
    _unverify(personas.startup_a)
    client.force_login(personas.startup_a)
    target = f"/applications/{complete_draft.pk}/"
    response = client.post("/accounts/verify/resend/", {"next": target})
    assert response["Location"] == target
    # Never to another site.
    response = client.post("/accounts/verify/resend/", {"next": "https://evil.example/"})
    assert response["Location"] == "/dashboard/"


def test_a_verified_representative_still_submits(complete_draft, personas):
    submission = services.submit_application(application=complete_draft, by=personas.startup_a,
                                             draft_version=complete_draft.version)
    assert submission.receipt_number
