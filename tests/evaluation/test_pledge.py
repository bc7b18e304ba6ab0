"""The pledge (서약서): shown in the page language, signed once with its version, SHA-256 and
time, and required before anything of the stage is shown."""

from __future__ import annotations

from django.utils.html import escape

from kbridge.core.models import AuditLog
from kbridge.evaluation import pledge
from kbridge.evaluation.models import StageEvaluator


def _unsign(evaluation, user):
    StageEvaluator.objects.filter(stage=evaluation.stage, evaluator=user).update(
        pledge_signed_at=None, pledge_version="", pledge_sha256="")


def test_the_pledge_is_shown_in_the_page_language(evaluation, personas, client_for):
    client = client_for(personas.evaluator)
    url = f"/evaluate/stages/{evaluation.stage.pk}/pledge/"
    text = pledge.pledge(evaluation.stage.pledge_version)
    assert text.title_ko in client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    client.cookies["django_language"] = "en"
    assert escape(text.title_en) in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_signing_stores_version_digest_and_time(evaluation, personas, client_for):
    _unsign(evaluation, personas.evaluator)
    client = client_for(personas.evaluator)
    url = f"/evaluate/stages/{evaluation.stage.pk}/pledge/"
    client.post(url)  # the box not ticked: not signed
    invitation = StageEvaluator.objects.get(stage=evaluation.stage, evaluator=personas.evaluator)
    assert not invitation.has_signed
    assert client.post(url, {"agree": "on"}).status_code == 302
    invitation.refresh_from_db()
    text = pledge.pledge(evaluation.stage.pledge_version)
    assert invitation.has_signed
    assert (invitation.pledge_version, invitation.pledge_sha256) == (text.version, text.sha256)
    row = AuditLog.objects.get(action="evaluation.pledge.signed")
    assert row.after["pledge_sha256"] == text.sha256
    # Signing again changes nothing.
    client.post(url, {"agree": "on"})
    assert AuditLog.objects.filter(action="evaluation.pledge.signed").count() == 1


def test_before_signing_the_stage_shows_nothing_but_the_pledge(evaluation, personas,
                                                              client_for):
    _unsign(evaluation, personas.evaluator)
    client = client_for(personas.evaluator)
    response = client.get(f"/evaluate/stages/{evaluation.stage.pk}/conflicts/")
    assert response["Location"] == f"/evaluate/stages/{evaluation.stage.pk}/pledge/"


def test_people_not_invited_get_404(evaluation, personas, client_for):
    url = f"/evaluate/stages/{evaluation.stage.pk}/pledge/"
    for person in (personas.operator, personas.startup_a, personas.partner_a):
        assert client_for(person).get(url).status_code == 404
    StageEvaluator.objects.filter(evaluator=personas.evaluator).update(
        removed_at=evaluation.stage.opens_at)
    assert client_for(personas.evaluator).get(url).status_code == 404
