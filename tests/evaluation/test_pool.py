"""The evaluator pool: the evaluator's own profile (ties, consented gender), the operator's pool
page (invite, remove, composition) and the my-data export."""

from __future__ import annotations

import json

from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.evaluation import selectors
from kbridge.evaluation.models import (
    Conflict,
    EvaluatorProfile,
    EvaluatorTie,
    Scoresheet,
    StageEvaluator,
)
from kbridge.evaluation.services import pool as services
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PROFILE = "/evaluate/profile/"
EMPTY_TIES = {"ties-TOTAL_FORMS": "1", "ties-INITIAL_FORMS": "0", "ties-MIN_NUM_FORMS": "0",
              "ties-MAX_NUM_FORMS": "30"}


def _post_profile(client, **fields):
    data = {**EMPTY_TIES, "expertise_ko": "반도체 설계", "expertise_en": "Chip design",
            "expertise_keywords": "NPU, RISC-V", "expert_type": "academic",
            "years_of_experience": "12", **fields}
    return client.post(PROFILE, data)


def test_an_evaluator_saves_a_profile_with_a_tie_and_consented_gender(personas, client_for):
    client = client_for(personas.evaluator)
    response = _post_profile(client, gender="woman", gender_consent="on", **{
        "ties-0-kind": "investment", "ties-0-organisation_name": "Deep Labs",
        "ties-0-business_registration_number": "", "ties-0-started_on": "2021-03-01",
        "ties-0-ended_on": ""})
    assert response.status_code == 302
    profile = EvaluatorProfile.objects.get(user=personas.evaluator)
    assert profile.affiliation.name_en == "KAIST"  # from the membership, never typed
    assert profile.expertise_keywords == ["NPU", "RISC-V"]
    assert profile.is_woman and profile.gender_consent_at is not None
    [tie] = profile.ties.all()
    assert (tie.kind, tie.organisation_name, tie.ended_on) == ("investment", "Deep Labs", None)
    assert AuditLog.objects.filter(action="evaluation.profile.saved").exists()


def test_gender_without_consent_is_refused_and_what_was_typed_stays(personas, client_for):
    client = client_for(personas.evaluator)
    response = _post_profile(client, gender="woman", expertise_en="Chip design\u200b")
    assert response.status_code == 200
    assert response.context["form"].errors["gender_consent"]
    page = response.content.decode()
    assert "Chip design" in page and "반도체 설계" in page
    assert not EvaluatorProfile.objects.filter(user=personas.evaluator).exists()


def test_withdrawing_consent_deletes_the_declared_gender(personas, client_for):
    client = client_for(personas.evaluator)
    _post_profile(client, gender="woman", gender_consent="on")
    _post_profile(client, gender="")
    profile = EvaluatorProfile.objects.get(user=personas.evaluator)
    assert (profile.gender, profile.gender_consent_at) == ("", None)


def test_a_bad_business_registration_number_is_refused_with_the_tie_kept(personas, client_for):
    client = client_for(personas.evaluator)
    response = _post_profile(client, **{
        "ties-0-kind": "advisory", "ties-0-organisation_name": "Deep Labs",
        "ties-0-business_registration_number": "123-45-00000"})
    assert response.status_code == 200
    assert "Deep Labs" in response.content.decode()
    assert not EvaluatorTie.objects.exists()


def test_only_evaluators_have_a_profile_page(personas, client_for):
    assert client_for(personas.startup_a).get(PROFILE).status_code == 404
    assert client_for(personas.operator).get(PROFILE).status_code == 404


def test_the_my_data_export_holds_the_profile_and_ties(personas, client_for):
    client = client_for(personas.evaluator)
    _post_profile(client, gender="man", gender_consent="on", **{
        "ties-0-kind": "employment", "ties-0-organisation_name": "Samsung",
        "ties-0-ended_on": "2020-01-31"})
    data = json.loads(client.get("/accounts/my-data/export/").content)
    profile = data["evaluator_profile"]
    assert profile["gender"] == "man" and profile["expertise_en"] == "Chip design"
    assert profile["ties"][0]["organisation_name"] == "Samsung"
    assert profile["ties"][0]["ended_on"] == "2020-01-31"


# --- operators -----------------------------------------------------------------------------


def _pool_member(email, *, name, affiliation="Yonsei", expert_type="vc", gender=""):
    org = OrganisationFactory(kind="affiliation", name_ko=affiliation, name_en=affiliation)
    user = MembershipFactory(organisation=org, role="evaluator",
                             user=UserFactory(email=email, full_name=name)).user
    services.save_profile(user=user, expertise_en="Fintech and payments", expert_type=expert_type,
                          gender=gender, gender_consent=bool(gender))
    return user


def test_an_operator_finds_and_invites_a_pool_member(evaluation, personas, client_for):
    member = _pool_member("vc@fund.example", name="Park Fintech", gender="woman")
    client = client_for(personas.operator)
    url = f"/manage/evaluation/stages/{evaluation.stage.pk}/evaluators/"
    page = client.get(url, {"q": "fintech"})
    assert [m.pk for m in page.context["members"]] == [member.pk]
    # Gender is never shown per person: only the stage's share, in the composition.
    people = page.content.decode().split('id="invited-h"')[1]
    assert "Woman" not in people and "여성" not in people
    response = client.post(url, {"evaluator": member.pk})
    assert response.status_code == 302
    invitation = StageEvaluator.objects.get(stage=evaluation.stage, evaluator=member)
    assert invitation.invited_by == personas.operator and not invitation.has_signed
    delivery = EmailDelivery.objects.get(recipients=[member.email])
    assert f"/evaluate/stages/{evaluation.stage.pk}/pledge/" in json.dumps(delivery.payload)
    assert AuditLog.objects.filter(action="evaluation.evaluator.invited").exists()
    # Invited members leave the list of those to invite.
    assert member not in list(client.get(url).context["members"])


def test_invitation_runs_the_conflict_detection(evaluation, personas, submitted):
    member = _pool_member("partner@neurochips.example", name="Insider")
    services.invite_evaluator(stage=evaluation.stage, evaluator=member, by=personas.operator)
    assert Conflict.objects.filter(evaluator=member, application=submitted,
                                   basis=Conflict.Basis.EMAIL_DOMAIN).exists()


def test_someone_outside_the_pool_cannot_be_invited(evaluation, personas, client_for):
    response = client_for(personas.operator).post(
        f"/manage/evaluation/stages/{evaluation.stage.pk}/evaluators/",
        {"evaluator": personas.startup_a.pk})
    assert response.status_code == 200
    assert not StageEvaluator.objects.filter(evaluator=personas.startup_a).exists()


def test_the_composition_warns_when_the_panel_rules_cannot_be_met(evaluation, personas):
    summary = selectors.composition(evaluation.stage)
    assert summary["count"] == 2 and summary["k"] == 5
    assert len(summary["warnings"]) >= 2  # too few people, no market expert, no woman
    for i in range(5):
        member = _pool_member(f"vc{i}@fund{i}.example", name=f"VC {i}", affiliation=f"Fund {i}",
                              gender="woman" if i == 0 else "man")
        services.invite_evaluator(stage=evaluation.stage, evaluator=member,
                                  by=personas.operator)
    summary = selectors.composition(evaluation.stage)
    assert (summary["count"], summary["market"], summary["women"]) == (7, 5, 1)
    assert summary["warnings"] == []
    assert abs(summary["women_share"] - 1 / 7) < 1e-9


def test_removal_after_a_submitted_scoresheet_needs_a_reason(evaluation, personas, client_for):
    Scoresheet.objects.filter(assignment=evaluation.assignment).update(
        status=Scoresheet.Status.SUBMITTED)
    invitation = evaluation.stage.evaluators.get(evaluator=personas.evaluator)
    url = (f"/manage/evaluation/stages/{evaluation.stage.pk}/evaluators/"
           f"{invitation.pk}/remove/")
    client = client_for(personas.operator)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.removed_at is None
    assert client.post(url, {"reason": "Missed the calibration meeting."}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.removed_at is not None
    # The submitted scoresheet is kept; the removed evaluator no longer sees the stage.
    assert Scoresheet.objects.filter(assignment=evaluation.assignment).exists()
    assert not selectors.stages_for_evaluator(personas.evaluator).exists()
    row = AuditLog.objects.get(action="evaluation.evaluator.removed")
    assert row.after["reason"] == "Missed the calibration meeting."


def test_removal_before_any_submission_needs_no_reason_and_frees_the_assignment(
        evaluation, personas, client_for):
    invitation = evaluation.stage.evaluators.get(evaluator=personas.evaluator)
    response = client_for(personas.operator).post(
        f"/manage/evaluation/stages/{evaluation.stage.pk}/evaluators/{invitation.pk}/remove/")
    assert response.status_code == 302
    assert not evaluation.stage.assignments.filter(evaluator=personas.evaluator).exists()


def test_another_agency_cannot_see_or_change_the_stage_evaluators(evaluation, personas,
                                                                  client_for):
    member = _pool_member("x@fund.example", name="X")
    client = client_for(personas.operator_b)
    url = f"/manage/evaluation/stages/{evaluation.stage.pk}/evaluators/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"evaluator": member.pk}).status_code == 404
    assert not StageEvaluator.objects.filter(evaluator=member).exists()
