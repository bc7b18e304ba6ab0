"""The evaluator pool, invitations to a stage and the pledge: one function per state change.

Each runs in one transaction with an audit row (``core.audit.record``, before/after); mail
goes through ``core.mail.queue_email`` (the outbox row commits with the change).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership, Organisation
from kbridge.applications.eligibility import brn_digits, canonical_brn, valid_brn
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.core.text import clean_text, header_line
from kbridge.evaluation import pledge as pledges
from kbridge.evaluation.models import (
    Assignment,
    EvaluatorProfile,
    EvaluatorTie,
    Scoresheet,
    Stage,
    StageEvaluator,
)
from kbridge.evaluation.services import conflicts as conflict_services

MAX_TIES = 30
MAX_REASON = 2000
_PROFILE_FIELDS = ["expertise_ko", "expertise_en", "expertise_keywords", "affiliation",
                   "expert_type", "years_of_experience", "gender", "gender_consent_at"]


def affiliation_of(user) -> Organisation | None:
    """The affiliation organisation of the user's evaluator membership (the oldest one)."""
    membership = (Membership.objects.filter(
        user=user, role=Membership.Role.EVALUATOR,
        organisation__kind=Organisation.Kind.AFFILIATION)
        .select_related("organisation").order_by("created_at", "pk").first())
    return membership.organisation if membership else None


def _tie_rows(profile: EvaluatorProfile) -> list[dict[str, Any]]:
    return [audit.snapshot(t, ["kind", "organisation_name", "business_registration_number",
                               "started_on", "ended_on"]) for t in profile.ties.all()]


def _clean_ties(ties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated tie rows; ValidationError (keyed ``ties``) naming the row for any problem."""
    if len(ties) > MAX_TIES:
        raise ValidationError({"ties": _("Declare at most %(n)s ties.") % {"n": MAX_TIES}})
    out, problems = [], []
    for n, tie in enumerate(ties, start=1):
        name = " ".join(clean_text(str(tie.get("organisation_name") or "")).split())
        kind = tie.get("kind") or ""
        number = str(tie.get("business_registration_number") or "").strip()
        started, ended = tie.get("started_on"), tie.get("ended_on")
        if kind not in EvaluatorTie.Kind.values:
            problems.append(_("Tie %(n)s: choose the kind of tie.") % {"n": n})
        if not name:
            problems.append(_("Tie %(n)s: name the company.") % {"n": n})
        elif len(name) > 200:
            problems.append(_("Tie %(n)s: keep the company name to 200 characters or fewer.")
                            % {"n": n})
        if number:
            digits = brn_digits(number)
            if not (digits.isascii() and valid_brn(digits)):
                problems.append(_("Tie %(n)s: this is not a valid business registration "
                                  "number. Check the 10 digits, or leave it empty.") % {"n": n})
            else:
                number = canonical_brn(digits)
        if started and ended and ended < started:
            problems.append(_("Tie %(n)s: the end is before the start.") % {"n": n})
        out.append({"kind": kind, "organisation_name": name,
                    "business_registration_number": number, "started_on": started,
                    "ended_on": ended})
    if problems:
        raise ValidationError({"ties": problems})
    return out


@transaction.atomic
def save_profile(*, user, expertise_ko: str = "", expertise_en: str = "",
                 expertise_keywords: list[str] | None = None, expert_type: str = "",
                 years_of_experience: int | None = None, gender: str = "",
                 gender_consent: bool = False, ties: list[dict[str, Any]] | None = None,
                 now=None) -> EvaluatorProfile:
    """Create or update the evaluator's own pool profile and replace their declared ties.

    The affiliation is always the organisation of their evaluator membership
    (:func:`affiliation_of`), never typed. ``gender`` is kept only with ``gender_consent``
    (the time of the first consent is stored); without consent it is cleared — withdrawing
    consent erases it. ``ties``: dicts with ``kind``, ``organisation_name``, optional
    ``business_registration_number`` (stored as ``###-##-#####``), ``started_on``,
    ``ended_on`` (dates; no end = ongoing).

    Raises ValidationError (dict keyed by field) for a user without an evaluator membership,
    an unknown expert type or gender, or bad ties; nothing is saved then.
    Side effects: audit ``evaluation.profile.saved`` (before/after, ties included)."""
    now = now or timezone.now()
    if not Membership.objects.filter(user=user, role=Membership.Role.EVALUATOR).exists():
        raise ValidationError(_("Only evaluators have a pool profile."))
    if expert_type and expert_type not in EvaluatorProfile.ExpertType.values:
        raise ValidationError({"expert_type": _("Choose one of the options.")})
    if gender not in EvaluatorProfile.Gender.values:
        raise ValidationError({"gender": _("Choose one of the options.")})
    clean_ties = _clean_ties(list(ties or []))
    profile, created = EvaluatorProfile.objects.select_for_update().get_or_create(user=user)
    before = None if created else {**audit.snapshot(profile, _PROFILE_FIELDS),
                                   "ties": _tie_rows(profile)}
    profile.expertise_ko = clean_text(expertise_ko or "").strip()
    profile.expertise_en = clean_text(expertise_en or "").strip()
    profile.expertise_keywords = [clean_text(k) for k in (expertise_keywords or [])]
    profile.expert_type = expert_type
    profile.years_of_experience = years_of_experience
    profile.affiliation = affiliation_of(user)
    if gender_consent:
        profile.gender = gender
        profile.gender_consent_at = profile.gender_consent_at or now
    else:
        profile.gender, profile.gender_consent_at = "", None
    profile.full_clean(exclude=["user"])
    profile.save()
    profile.ties.all().delete()
    EvaluatorTie.objects.bulk_create([EvaluatorTie(profile=profile, **t) for t in clean_ties])
    after = {**audit.snapshot(profile, _PROFILE_FIELDS), "ties": _tie_rows(profile)}
    if before is not None:
        before, after = audit.diff(before, after)
    audit.record("evaluation.profile.saved", profile, before=before, after=after, actor=user)
    return profile


# --- invitations -------------------------------------------------------------------------


def _invitation_email(invitation: StageEvaluator) -> EmailMessage:
    stage, user = invitation.stage, invitation.evaluator
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {"stage": stage, "user": user,
                   "pledge_url": absolute(reverse("evaluation:pledge",
                                                  kwargs={"stage_id": stage.pk}))}
        body = render_to_string("evaluation/pool/invitation_email.txt", context)
        subject = header_line(_("[K-Bridge] You are invited to evaluate: %(stage)s") % {
            "stage": str(stage)})
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def invite_evaluator(*, stage: Stage, evaluator, by) -> StageEvaluator:
    """Invite a pool member (an evaluator-role user with a profile) to the stage, or invite
    them again after a removal; then detect their conflicts with the stage's applications.

    Raises ValidationError for someone not in the pool, an invitation already standing, or a
    stage that has ended. Side effects: audit ``evaluation.evaluator.invited``; the
    invitation e-mail (key ``evaluation-invite:<invitation>:<audit row>``, the program's
    operator sees it); :func:`conflict_services.detect_conflicts` for this evaluator."""
    if stage.has_ended():
        raise ValidationError(_("This stage has ended; no one can be invited any more."))
    if not (EvaluatorProfile.objects.filter(user=evaluator).exists()
            and Membership.objects.filter(user=evaluator,
                                          role=Membership.Role.EVALUATOR).exists()
            and evaluator.is_active):
        raise ValidationError(_("Only evaluators of the pool can be invited."))
    invitation, created = StageEvaluator.objects.select_for_update().get_or_create(
        stage=stage, evaluator=evaluator, defaults={"invited_by": by})
    if not created and invitation.removed_at is None:
        raise ValidationError(_("%(name)s is invited already.") % {"name": str(evaluator)})
    before = None if created else audit.snapshot(invitation, ["removed_at", "invited_by"])
    if not created:
        invitation.removed_at, invitation.invited_by = None, by
        invitation.save(update_fields=["removed_at", "invited_by", "updated_at"])
    row = audit.record("evaluation.evaluator.invited", invitation, before=before,
                       after={"stage": stage.pk, "evaluator": evaluator.pk, "removed_at": None},
                       actor=by)
    queue_email(_invitation_email(invitation),
                idempotency_key=f"evaluation-invite:{invitation.pk}:{row.pk}",
                organisation=stage.call.program.operator)
    conflict_services.detect_conflicts(stage=stage, evaluators=[evaluator], by=by)
    return invitation


def has_submitted_in(invitation: StageEvaluator) -> bool:
    return Scoresheet.objects.filter(assignment__stage_id=invitation.stage_id,
                                     assignment__evaluator_id=invitation.evaluator_id,
                                     status=Scoresheet.Status.SUBMITTED).exists()


@transaction.atomic
def remove_evaluator(*, invitation: StageEvaluator, by, reason: str = "") -> StageEvaluator:
    """Take an evaluator off a stage. Once they submitted any scoresheet of the stage a
    ``reason`` (≤ 2,000 characters) is required, and their submitted scoresheets are kept
    (their assignments without a submitted scoresheet are deleted, audited, so the next run
    reassigns those applications).

    Raises ValidationError for an evaluator removed already, or a missing reason when one is
    needed. Side effects: audit ``evaluation.evaluator.removed`` (before/after, reason)."""
    invitation = StageEvaluator.objects.select_for_update().select_related(
        "stage__call__program").get(pk=invitation.pk)
    if invitation.removed_at is not None:
        raise ValidationError(_("This evaluator was removed already."))
    reason = clean_text(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Keep the reason to %(limit)s characters or fewer.")
                               % {"limit": f"{MAX_REASON:,}"}})
    if has_submitted_in(invitation) and not reason:
        raise ValidationError({"reason": _(
            "This evaluator has submitted scores in this stage: give the reason for removing "
            "them.")})
    before = audit.snapshot(invitation, ["removed_at"])
    invitation.removed_at = timezone.now()
    invitation.save(update_fields=["removed_at", "updated_at"])
    open_assignments = Assignment.objects.filter(
        stage_id=invitation.stage_id, evaluator_id=invitation.evaluator_id).exclude(
        scoresheet__status=Scoresheet.Status.SUBMITTED)
    dropped = list(open_assignments.values_list("application_id", flat=True))
    open_assignments.delete()
    audit.record("evaluation.evaluator.removed", invitation, before=before,
                 after={**audit.snapshot(invitation, ["removed_at"]), "reason": reason,
                        "assignments_dropped": dropped}, actor=by)
    return invitation


# --- pledge ------------------------------------------------------------------------------


@transaction.atomic
def sign_pledge(*, invitation: StageEvaluator, by) -> StageEvaluator:
    """The evaluator signs the stage's pledge version: the version, the SHA-256 of its text
    (``evaluation.pledge``) and the time are stored. Idempotent for a version already signed.

    Raises ValidationError when ``by`` is not the invited evaluator, the invitation was
    removed or the stage has ended. Side effects: audit ``evaluation.pledge.signed``."""
    invitation = StageEvaluator.objects.select_for_update().select_related(
        "stage__call__program").get(pk=invitation.pk)
    stage = invitation.stage
    if invitation.evaluator_id != by.pk or invitation.removed_at is not None:
        raise ValidationError(_("Only the invited evaluator can sign this pledge."))
    if stage.has_ended():
        raise ValidationError(_("This stage has ended."))
    if invitation.has_signed:
        return invitation
    text = pledges.pledge(stage.pledge_version)
    before = audit.snapshot(invitation, ["pledge_version", "pledge_sha256", "pledge_signed_at"])
    invitation.pledge_version, invitation.pledge_sha256 = text.version, text.sha256
    invitation.pledge_signed_at = timezone.now()
    invitation.save(update_fields=["pledge_version", "pledge_sha256", "pledge_signed_at",
                                   "updated_at"])
    audit.record("evaluation.pledge.signed", invitation, before=before,
                 after=audit.snapshot(invitation, ["pledge_version", "pledge_sha256",
                                                   "pledge_signed_at"]), actor=by)
    return invitation


# --- personal data (accounts.personal_data section "evaluation") -------------------------


@transaction.atomic
def erase_personal_data(user) -> dict[str, int]:
    """Delete the pool profile and its ties (the program keeps invitations, signatures and
    conflicts: they are the record of who evaluated what). Returns counts."""
    profile = EvaluatorProfile.objects.filter(user=user).first()
    if profile is None:
        return {"evaluator_profiles": 0, "evaluator_ties": 0}
    ties = profile.ties.count()
    profile.delete()
    return {"evaluator_profiles": 1, "evaluator_ties": ties}
