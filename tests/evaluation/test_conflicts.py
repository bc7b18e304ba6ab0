"""Conflicts of interest (제척·기피·회피): the pure rules, detection, recusal, challenges and
the operator's decisions — and that a conflicted evaluator never sees the application."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from kbridge.core.models import AuditLog
from kbridge.evaluation import conflicts as rules_of
from kbridge.evaluation import selectors
from kbridge.evaluation.models import Assignment, Conflict, EvaluatorProfile, EvaluatorTie
from kbridge.evaluation.services import conflicts as services
from tests.factories import MembershipFactory, UserFactory

Basis, Source = Conflict.Basis, Conflict.Source


# --- the pure rules ------------------------------------------------------------------------


def test_company_names_compare_without_legal_forms_spaces_or_case():
    assert rules_of.normalise_company_name("(주) 뉴로 칩스") == "뉴로칩스"
    assert rules_of.normalise_company_name("주식회사 뉴로칩스") == "뉴로칩스"
    assert rules_of.normalise_company_name("Neuro Chips Co., Ltd.") == "neurochips"
    assert rules_of.normalise_company_name("NEURO-CHIPS Inc") == "neurochips"
    assert rules_of.normalise_company_name("㈜") == ""


def test_public_mail_domains_are_never_a_shared_organisation():
    assert rules_of.shared_private_domain("a@gmail.com", ["b@gmail.com"]) == ""
    assert rules_of.shared_private_domain("a@naver.com", ["b@naver.com"]) == ""
    assert rules_of.shared_private_domain("a@Lab.example", ["b@lab.example"]) == "lab.example"
    assert rules_of.shared_private_domain("a@lab.example", ["b@other.example"]) == ""
    for domain in ("gmail.com", "naver.com", "daum.net", "kakao.com", "hanmail.net",
                   "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"):
        assert rules_of.is_public_domain(domain)


def test_ties_count_while_ongoing_or_ended_within_the_look_back():
    today = date(2026, 12, 1)
    assert rules_of.tie_in_lookback(None, today=today, lookback_years=3)
    assert rules_of.tie_in_lookback(date(2023, 12, 1), today=today, lookback_years=3)
    assert not rules_of.tie_in_lookback(date(2023, 11, 30), today=today, lookback_years=3)
    assert rules_of.years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)


def test_a_tie_matches_by_brn_when_both_have_one_else_by_name():
    names = ["뉴로칩스", "Neuro Chips"]
    assert rules_of.tie_matches(tie_name="Other name", tie_brn_digits="1234567891",
                                company_names=names, company_brn_digits="1234567891")
    # Both numbers given and different: the same name is another company.
    assert not rules_of.tie_matches(tie_name="Neuro Chips", tie_brn_digits="1234567891",
                                    company_names=names, company_brn_digits="2208162517")
    assert rules_of.tie_matches(tie_name="(주)뉴로칩스", tie_brn_digits="",
                                company_names=names, company_brn_digits="2208162517")


# --- detection -----------------------------------------------------------------------------


def _profile(user, **kwargs):
    profile, _ = EvaluatorProfile.objects.get_or_create(user=user, defaults=kwargs)
    return profile


def _conflicts(user):
    return set(Conflict.objects.filter(evaluator=user).values_list("source", "basis"))


def test_a_declared_investment_within_three_years_is_detected_and_an_older_one_is_not(
        evaluation, personas):
    profile = _profile(personas.evaluator)
    EvaluatorTie.objects.create(profile=profile, kind=EvaluatorTie.Kind.INVESTMENT,
                                organisation_name="Neuro Chips Co., Ltd.",
                                ended_on=date.today() - timedelta(days=700))
    EvaluatorTie.objects.create(profile=profile, kind=EvaluatorTie.Kind.ADVISORY,
                                organisation_name="뉴로칩스",
                                ended_on=date.today() - timedelta(days=365 * 4))
    created = services.detect_conflicts(stage=evaluation.stage)
    assert [(c.evaluator, c.basis) for c in created] == [(personas.evaluator, Basis.INVESTMENT)]
    # The assignment of that application to the evaluator is gone, audited.
    assert not Assignment.objects.filter(pk=evaluation.assignment.pk).exists()
    assert AuditLog.objects.filter(action="evaluation.assignment.dropped_for_conflict").exists()
    assert AuditLog.objects.filter(action="evaluation.conflict.detected").count() == 1


def test_detection_is_idempotent_and_keeps_an_override(evaluation, personas):
    profile = _profile(personas.evaluator)
    EvaluatorTie.objects.create(profile=profile, kind=EvaluatorTie.Kind.EMPLOYMENT,
                                organisation_name="Neuro Chips")
    [conflict] = services.detect_conflicts(stage=evaluation.stage)
    services.override_conflict(conflict=conflict, by=personas.operator,
                               reason="Left the company before it was founded; checked.")
    assert services.detect_conflicts(stage=evaluation.stage) == []
    conflict.refresh_from_db()
    assert conflict.overridden_at is not None


def test_a_shared_private_mail_domain_is_detected_but_not_a_public_one(evaluation, personas):
    colleague = UserFactory(email="board@neurochips.example")
    MembershipFactory(user=colleague, organisation=personas.startup_a_org,
                      role="startup_member")
    outsider = UserFactory(email="someone@gmail.com")
    MembershipFactory(user=outsider, organisation=personas.startup_a_org, role="startup_member")
    lab = UserFactory(email="expert@neurochips.example")
    hobby = UserFactory(email="expert@gmail.com")
    services.detect_conflicts(stage=evaluation.stage, evaluators=[lab, hobby])
    assert _conflicts(lab) == {(Source.DETECTED, Basis.EMAIL_DOMAIN)}
    assert _conflicts(hobby) == set()


def test_a_domain_many_organisations_share_is_not_a_tie(evaluation, personas):
    """A mailbox domain used by members of three or more organisations (a provider missing
    from the public list, a co-working or demo domain) says nothing about who works where."""
    from tests.factories import OrganisationFactory

    colleague = UserFactory(email="ceo@hub.example")
    MembershipFactory(user=colleague, organisation=personas.startup_a_org,
                      role="startup_member")
    expert = UserFactory(email="expert@hub.example")
    services.detect_conflicts(stage=evaluation.stage, evaluators=[expert])
    assert _conflicts(expert) == {(Source.DETECTED, Basis.EMAIL_DOMAIN)}  # one company: a tie
    Conflict.objects.filter(evaluator=expert).delete()
    for n in range(2):
        MembershipFactory(user=UserFactory(email=f"founder{n}@hub.example"),
                          organisation=OrganisationFactory(kind="startup"),
                          role="startup_rep")
    services.detect_conflicts(stage=evaluation.stage, evaluators=[expert])
    assert _conflicts(expert) == set()


def test_a_member_of_the_startup_is_detected_by_membership(evaluation, personas):
    MembershipFactory(user=personas.evaluator, organisation=personas.startup_a_org,
                      role="startup_member")
    services.detect_conflicts(stage=evaluation.stage)
    assert (Source.DETECTED, Basis.MEMBERSHIP) in _conflicts(personas.evaluator)


def test_an_affiliation_with_the_applicants_name_is_the_same_organisation(evaluation, personas):
    profile = _profile(personas.evaluator)
    profile.affiliation = personas.startup_a_org.__class__.objects.create(
        kind="affiliation", name_ko="(주)뉴로칩스 연구소", name_en="Neuro Chips")
    profile.save()
    services.detect_conflicts(stage=evaluation.stage)
    assert _conflicts(personas.evaluator) == {(Source.DETECTED, Basis.SAME_ORGANISATION)}


def test_a_tie_is_matched_by_business_registration_number(evaluation, personas, submitted):
    brn = submitted.applicant.profile.business_registration_number
    assert brn
    profile = _profile(personas.evaluator)
    EvaluatorTie.objects.create(profile=profile, kind=EvaluatorTie.Kind.ADVISORY,
                                organisation_name="A renamed company",
                                business_registration_number=brn)
    services.detect_conflicts(stage=evaluation.stage)
    assert _conflicts(personas.evaluator) == {(Source.DETECTED, Basis.ADVISORY)}


def test_an_applicants_challenge_names_an_evaluator_by_email_or_by_name_and_affiliation(
        evaluation, personas, submitted):
    personas.evaluator.full_name = "김교수"
    personas.evaluator.save()
    _profile(personas.evaluator, affiliation=personas.evaluator.memberships.get().organisation)
    submission = submitted.submissions.get()
    submission.answers = {**submission.answers, "challenges": [
        {"name": "김 교수", "organisation": "KAIST", "email": "", "reason": "Competitor's adviser"},
    ]}
    submission.save()
    other = UserFactory(email="named@vc.example")
    services.detect_conflicts(stage=evaluation.stage)
    assert _conflicts(personas.evaluator) == {(Source.CHALLENGE, Basis.OTHER)}
    assert Conflict.objects.get(evaluator=personas.evaluator).detail == "Competitor's adviser"
    submission.answers["challenges"].append({"name": "", "organisation": "", "email":
                                             "Named@VC.example", "reason": ""})
    submission.save()
    services.detect_conflicts(stage=evaluation.stage, evaluators=[other])
    assert _conflicts(other) == {(Source.CHALLENGE, Basis.OTHER)}


# --- recusal (the evaluator's page) --------------------------------------------------------


def test_an_evaluator_declares_a_conflict_and_loses_the_assignment(evaluation, personas,
                                                                   client_for, submitted):
    client = client_for(personas.evaluator)
    url = f"/evaluate/stages/{evaluation.stage.pk}/conflicts/"
    page = client.get(url)
    assert "Neuro Chips" in page.content.decode() or "뉴로칩스" in page.content.decode()
    response = client.post(url, {"application": submitted.pk, "basis": Basis.ADVISORY,
                                 "detail": "I advised them last year."})
    assert response.status_code == 302
    conflict = Conflict.objects.get(evaluator=personas.evaluator)
    assert (conflict.source, conflict.raised_by) == (Source.RECUSAL, personas.evaluator)
    assert not selectors.assignments_for_evaluator(personas.evaluator).exists()
    assert not Assignment.objects.filter(pk=evaluation.assignment.pk).exists()
    assert AuditLog.objects.filter(action="evaluation.conflict.declared").exists()


def test_a_declaration_without_detail_is_refused_with_the_choice_kept(evaluation, personas,
                                                                      client_for, submitted):
    client = client_for(personas.evaluator)
    response = client.post(f"/evaluate/stages/{evaluation.stage.pk}/conflicts/",
                           {"application": submitted.pk, "basis": Basis.FAMILY, "detail": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["detail"]
    assert f'value="{submitted.pk}" selected' in response.content.decode()
    assert not Conflict.objects.filter(evaluator=personas.evaluator).exists()


def test_the_conflicted_evaluator_does_not_see_the_application_on_the_conflicts_page(
        evaluation, personas, client_for, submitted):
    client = client_for(personas.evaluator_conflicted)
    url = f"/evaluate/stages/{evaluation.stage.pk}/conflicts/"
    response = client.get(url)
    assert response.context["applicants"] == []
    # Declaring again names an application they may not choose: refused, nothing new.
    response = client.post(url, {"application": submitted.pk, "basis": Basis.OTHER,
                                 "detail": "again"})
    assert response.context["form"].errors["application"]
    assert Conflict.objects.filter(evaluator=personas.evaluator_conflicted).count() == 1


def test_the_conflicts_page_waits_for_the_pledge(evaluation, personas, client_for):
    evaluation.stage.evaluators.filter(evaluator=personas.evaluator).update(
        pledge_signed_at=None)
    response = client_for(personas.evaluator).get(
        f"/evaluate/stages/{evaluation.stage.pk}/conflicts/")
    assert response.status_code == 302
    assert response["Location"] == f"/evaluate/stages/{evaluation.stage.pk}/pledge/"


# --- operators -----------------------------------------------------------------------------


def test_an_override_needs_a_reason_and_is_audited_with_before_and_after(evaluation, personas,
                                                                        client_for):
    client = client_for(personas.operator)
    base = f"/manage/evaluation/stages/{evaluation.stage.pk}/conflicts/{evaluation.conflict.pk}"
    response = client.post(f"{base}/override/", {"reason": "  "})
    assert response.status_code == 200
    evaluation.conflict.refresh_from_db()
    assert evaluation.conflict.in_force
    response = client.post(f"{base}/override/", {"reason": "The investment was returned."})
    assert response.status_code == 302
    evaluation.conflict.refresh_from_db()
    assert not evaluation.conflict.in_force
    row = AuditLog.objects.get(action="evaluation.conflict.overridden")
    assert row.before["overridden_at"] is None
    assert row.after["override_reason"] == "The investment was returned."
    # The evaluator may now be given the application again.
    assert not selectors.is_conflicted(personas.evaluator_conflicted, evaluation.conflict.application_id)
    client.post(f"{base}/reinstate/")
    evaluation.conflict.refresh_from_db()
    assert evaluation.conflict.in_force
    assert AuditLog.objects.filter(action="evaluation.conflict.reinstated").exists()


def test_an_operator_records_a_conflict_by_hand(evaluation, personas, client_for, submitted):
    client = client_for(personas.operator)
    response = client.post(f"/manage/evaluation/stages/{evaluation.stage.pk}/conflicts/", {
        "evaluator": personas.evaluator.pk, "application": submitted.pk,
        "basis": Basis.FAMILY, "detail": "Brother of the CTO (told us by phone)."})
    assert response.status_code == 302
    conflict = Conflict.objects.get(evaluator=personas.evaluator)
    assert (conflict.source, conflict.raised_by) == (Source.OPERATOR, personas.operator)
    assert not Assignment.objects.filter(pk=evaluation.assignment.pk).exists()


def test_another_agency_sees_no_conflict(evaluation, personas, client_for):
    client = client_for(personas.operator_b)
    assert client.get(f"/manage/evaluation/stages/{evaluation.stage.pk}/conflicts/"
                      ).status_code == 404
    assert client.post(f"/manage/evaluation/stages/{evaluation.stage.pk}/conflicts/"
                       f"{evaluation.conflict.pk}/override/",
                       {"reason": "x"}).status_code == 404
    evaluation.conflict.refresh_from_db()
    assert evaluation.conflict.in_force


def test_the_operator_page_lists_the_conflicts_of_the_stage(evaluation, personas, client_for):
    page = client_for(personas.operator).get(
        f"/manage/evaluation/stages/{evaluation.stage.pk}/conflicts/").content.decode()
    assert "Seed investor" in page


def test_an_override_of_an_overridden_conflict_is_refused(evaluation, personas):
    services.override_conflict(conflict=evaluation.conflict, by=personas.operator, reason="ok")
    with pytest.raises(ValidationError):
        services.override_conflict(conflict=evaluation.conflict, by=personas.operator,
                                   reason="again")
