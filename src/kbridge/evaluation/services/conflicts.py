"""Conflicts of interest (제척·기피·회피): detection, recusal, challenges, operator decisions.

One function per state change; each runs in one transaction and writes audit rows. A conflict
in force keeps the evaluator away from the application everywhere (``evaluation.selectors``);
raising one also deletes the evaluator's assignments to that application (audited, action
``evaluation.assignment.dropped_for_conflict``) so the next assignment run gives the
application to someone else.

Sources: :mod:`kbridge.evaluation.conflicts` (the pure rules, the public mail domains, the
look-back); docs/evaluation.md, "Pool, pledge and conflicts".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership
from kbridge.applications.eligibility import brn_digits
from kbridge.applications.models import Application
from kbridge.core import audit
from kbridge.core.text import clean_text
from kbridge.evaluation import conflicts as rules_of
from kbridge.evaluation.models import (
    Assignment,
    Conflict,
    EvaluatorProfile,
    EvaluatorTie,
    Stage,
    StageEvaluator,
)

#: The longest detail of a conflict (the model's column) and override reason.
MAX_DETAIL = 500
MAX_REASON = 2000
#: Statuses of applications an evaluation stage looks at.
EVALUATED_STATUSES = (Application.Status.SUBMITTED, Application.Status.SELECTED)

_TIE_BASIS = {
    EvaluatorTie.Kind.EMPLOYMENT: Conflict.Basis.EMPLOYMENT,
    EvaluatorTie.Kind.INVESTMENT: Conflict.Basis.INVESTMENT,
    EvaluatorTie.Kind.ADVISORY: Conflict.Basis.ADVISORY,
    EvaluatorTie.Kind.FAMILY: Conflict.Basis.FAMILY,
}


def stage_applications(stage: Stage):
    """The applications a stage evaluates: its call's submitted (or selected) ones."""
    return Application.objects.filter(call_id=stage.call_id, status__in=EVALUATED_STATUSES)


# --- detection -----------------------------------------------------------------------------


@dataclass
class _Company:
    application_id: int
    organisation_id: int
    names: list[str]
    brn: str
    member_ids: set[int] = field(default_factory=set)
    member_emails: list[str] = field(default_factory=list)
    challenges: list[dict] = field(default_factory=list)


def _companies(stage: Stage) -> list[_Company]:
    applications = list(stage_applications(stage).select_related("applicant",
                                                                  "applicant__profile"))
    org_ids = {a.applicant_id for a in applications}
    members: dict[int, list[tuple[int, str]]] = {}
    for org_id, user_id, email in Membership.objects.filter(
            organisation_id__in=org_ids).values_list("organisation_id", "user_id",
                                                      "user__email"):
        members.setdefault(org_id, []).append((user_id, email))
    latest: dict[int, list] = {}
    from kbridge.applications.models import Submission

    for app_id, answers in Submission.objects.filter(
            application_id__in=[a.pk for a in applications]).order_by(
            "application_id", "number").values_list("application_id", "answers"):
        latest[app_id] = (answers or {}).get("challenges") or []
    out = []
    for a in applications:
        org = a.applicant
        profile = getattr(org, "profile", None)
        people = members.get(org.pk, [])
        out.append(_Company(
            application_id=a.pk, organisation_id=org.pk, names=[org.name_ko, org.name_en],
            brn=brn_digits(profile.business_registration_number) if profile else "",
            member_ids={u for u, _e in people}, member_emails=[e for _u, e in people],
            challenges=latest.get(a.pk, a.challenges or []),
        ))
    return out


@dataclass
class _Found:
    application_id: int
    evaluator_id: int
    source: str
    basis: str
    detail: str


def _period(tie: EvaluatorTie) -> str:
    start = tie.started_on.isoformat() if tie.started_on else "…"
    end = tie.ended_on.isoformat() if tie.ended_on else "…"
    return f"{start}–{end}"


def _person_key(name: str) -> str:
    return rules_of.normalise_company_name(name)


def _shared_domains(domains: set[str]) -> set[str]:
    """Of ``domains``, those whose addresses belong to members of at least
    ``SHARED_DOMAIN_MIN_ORGANISATIONS`` organisations (one query per domain)."""
    return {d for d in domains if Membership.objects.filter(
        user__email__iendswith=f"@{d}").values("organisation_id").distinct().count()
        >= rules_of.SHARED_DOMAIN_MIN_ORGANISATIONS}


def find_conflicts(stage: Stage, evaluators: list | None = None, *, today=None) -> list[_Found]:
    """Every conflict the rules find between the stage's applications and ``evaluators``
    (default: its invited evaluators not removed). Reads only; see :func:`detect_conflicts`.

    Rules (docs/evaluation.md): membership in the startup; the evaluator's affiliation is the
    applicant (same organisation, or the same name once normalised); the evaluator's e-mail
    domain is a startup member's, unless a public or shared mail domain (members of at least
    ``SHARED_DOMAIN_MIN_ORGANISATIONS`` organisations use it); a declared tie to the company
    (by BRN when both have one, else by name) still in ``stage.conflict_lookback_years``;
    the applicant's challenge naming the evaluator (by e-mail, or by name and affiliation)."""
    today = today or timezone.localdate()
    if evaluators is None:
        evaluators = [se.evaluator for se in StageEvaluator.objects.filter(
            stage=stage, removed_at__isnull=True).select_related("evaluator")]
    if not evaluators:
        return []
    user_ids = [u.pk for u in evaluators]
    profiles = {p.user_id: p for p in EvaluatorProfile.objects.filter(
        user_id__in=user_ids).select_related("affiliation").prefetch_related("ties")}
    memberships: dict[int, set[int]] = {}
    for user_id, org_id in Membership.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "organisation_id"):
        memberships.setdefault(user_id, set()).add(org_id)
    companies = _companies(stage)
    by_name: dict[str, list[_Company]] = {}
    by_brn: dict[str, list[_Company]] = {}
    by_domain: dict[str, list[_Company]] = {}
    for c in companies:
        for n in {rules_of.normalise_company_name(n) for n in c.names} - {""}:
            by_name.setdefault(n, []).append(c)
        if len(c.brn) == 10:
            by_brn.setdefault(c.brn, []).append(c)
        for d in {rules_of.email_domain(e) for e in c.member_emails} - {""}:
            by_domain.setdefault(d, []).append(c)
    found: list[_Found] = []
    shared = _shared_domains({rules_of.email_domain(u.email) for u in evaluators} - {""})
    for user in evaluators:
        profile = profiles.get(user.pk)
        own_orgs = memberships.get(user.pk, set())
        affiliation = profile.affiliation if profile else None
        aff_names = ({rules_of.normalise_company_name(n) for n in
                      (affiliation.name_ko, affiliation.name_en)} - {""}) if affiliation else set()

        def add(c: _Company, source: str, basis: str, detail: str, _user=user):
            found.append(_Found(c.application_id, _user.pk, source, basis, detail[:MAX_DETAIL]))

        for c in companies:
            if c.organisation_id in own_orgs or user.pk in c.member_ids:
                add(c, Conflict.Source.DETECTED, Conflict.Basis.MEMBERSHIP, c.names[0])
            elif affiliation is not None and affiliation.pk == c.organisation_id:
                add(c, Conflict.Source.DETECTED, Conflict.Basis.SAME_ORGANISATION, c.names[0])
        for n in aff_names:
            for c in by_name.get(n, []):
                if not (affiliation and affiliation.pk == c.organisation_id):
                    add(c, Conflict.Source.DETECTED, Conflict.Basis.SAME_ORGANISATION,
                        affiliation.name_ko or affiliation.name_en)
        domain = rules_of.email_domain(user.email)
        if domain and not rules_of.is_public_domain(domain) and domain not in shared:
            for c in by_domain.get(domain, []):
                if user.pk in c.member_ids:
                    continue  # their own address: the membership rule already says it
                add(c, Conflict.Source.DETECTED, Conflict.Basis.EMAIL_DOMAIN, domain)
        for tie in (profile.ties.all() if profile else []):
            if not rules_of.tie_in_lookback(tie.ended_on, today=today,
                                            lookback_years=stage.conflict_lookback_years):
                continue
            digits = brn_digits(tie.business_registration_number)
            candidates = list(by_brn.get(digits, [])) if len(digits) == 10 else []
            candidates += by_name.get(rules_of.normalise_company_name(tie.organisation_name), [])
            seen: set[int] = set()
            for c in candidates:
                if c.application_id in seen or not rules_of.tie_matches(
                        tie_name=tie.organisation_name, tie_brn_digits=digits,
                        company_names=c.names, company_brn_digits=c.brn):
                    continue
                seen.add(c.application_id)
                add(c, Conflict.Source.DETECTED, _TIE_BASIS[tie.kind],
                    f"{tie.organisation_name} ({_period(tie)})")
        # Challenges (기피): the applicant named this evaluator.
        email = (user.email or "").strip().lower()
        name_key = _person_key(user.full_name)
        for c in companies:
            for entry in c.challenges:
                if not isinstance(entry, dict):
                    continue
                named_email = str(entry.get("email") or "").strip().lower()
                by_email = bool(named_email) and named_email == email
                by_person = (bool(name_key) and _person_key(str(entry.get("name") or ""))
                             == name_key and rules_of.normalise_company_name(
                                 str(entry.get("organisation") or "")) in aff_names)
                if by_email or by_person:
                    add(c, Conflict.Source.CHALLENGE, Conflict.Basis.OTHER,
                        str(entry.get("reason") or ""))
                    break
    return found


def _drop_assignments(*, evaluator_id: int, application_id: int, by, conflict: Conflict) -> int:
    """Delete the evaluator's assignments to the application (any stage), audited with what
    they held (scoresheet status and total). Returns how many."""
    dropped = 0
    for assignment in Assignment.objects.filter(
            evaluator_id=evaluator_id, application_id=application_id).select_related(
            "stage__call__program", "scoresheet"):
        sheet = getattr(assignment, "scoresheet", None)
        before = audit.snapshot(assignment, ["stage", "application", "evaluator", "source",
                                             "affinity"])
        if sheet is not None:
            before["scoresheet"] = {"status": sheet.status, "total": sheet.total}
        audit.record("evaluation.assignment.dropped_for_conflict", assignment, before=before,
                     after={"conflict": conflict.pk}, actor=by)
        assignment.delete()
        dropped += 1
    return dropped


@transaction.atomic
def detect_conflicts(*, stage: Stage, evaluators: list | None = None, by=None,
                     today=None) -> list[Conflict]:
    """Create the ``Conflict`` rows :func:`find_conflicts` finds (sources ``detected`` and
    ``challenge``) and return the new ones. Idempotent: a pair already holding a conflict of
    that source and basis is left as it is — an operator's override stays in force.

    Side effects: audit ``evaluation.conflict.detected`` per new row; the evaluator's
    assignments to that application are dropped (audited)."""
    created: list[Conflict] = []
    existing = set(Conflict.objects.filter(
        application__call_id=stage.call_id).values_list(
        "application_id", "evaluator_id", "source", "basis"))
    for f in find_conflicts(stage, evaluators, today=today):
        key = (f.application_id, f.evaluator_id, f.source, f.basis)
        if key in existing:
            continue
        existing.add(key)
        conflict = Conflict.objects.create(
            application_id=f.application_id, evaluator_id=f.evaluator_id, source=f.source,
            basis=f.basis, detail=f.detail)
        audit.record("evaluation.conflict.detected", conflict,
                     after=audit.snapshot(conflict, ["application", "evaluator", "source",
                                                     "basis", "detail"]),
                     actor=by, tenant_id=stage.audit_tenant_id)
        _drop_assignments(evaluator_id=f.evaluator_id, application_id=f.application_id,
                          by=by, conflict=conflict)
        created.append(conflict)
    return created


# --- recusal, operator decisions ---------------------------------------------------------


def _clean_detail(detail: str, *, required: bool, field: str = "detail",
                  limit: int = MAX_DETAIL) -> str:
    text = clean_text(detail or "").strip()
    if required and not text:
        raise ValidationError({field: _("Say briefly what the conflict is.")})
    if len(text) > limit:
        raise ValidationError({field: _(
            "Keep this to %(limit)s characters or fewer: it has %(count)s.") % {
            "limit": f"{limit:,}", "count": f"{len(text):,}"}})
    return text


def _check_application(stage: Stage, application: Application) -> None:
    if not stage_applications(stage).filter(pk=application.pk).exists():
        raise ValidationError({"application": _("Choose an application of this stage.")})


@transaction.atomic
def declare_recusal(*, stage: Stage, evaluator, application: Application, basis: str,
                    detail: str) -> Conflict:
    """The evaluator steps aside from an application (회피). ``basis`` is a
    ``Conflict.Basis``; ``detail`` (required, ≤ 500 characters) says what the tie is.

    Raises ValidationError for an application outside the stage, an unknown basis or a
    missing detail. Declaring the same basis again returns the existing row (reinstated if an
    operator had overridden it). Side effects: audit ``evaluation.conflict.declared``; the
    evaluator's assignments to the application are dropped (audited)."""
    if basis not in Conflict.Basis.values:
        raise ValidationError({"basis": _("Choose the basis of the conflict.")})
    _check_application(stage, application)
    detail = _clean_detail(detail, required=True)
    conflict, created = Conflict.objects.select_for_update().get_or_create(
        application=application, evaluator=evaluator, source=Conflict.Source.RECUSAL,
        basis=basis, defaults={"detail": detail, "raised_by": evaluator})
    before = None if created else audit.snapshot(conflict)
    if not created:
        conflict.detail, conflict.overridden_at = detail, None
        conflict.overridden_by, conflict.override_reason = None, ""
        conflict.save()
    audit.record("evaluation.conflict.declared", conflict, before=before,
                 after=audit.snapshot(conflict, ["application", "evaluator", "source", "basis",
                                                 "detail", "overridden_at"]),
                 actor=evaluator, tenant_id=stage.audit_tenant_id)
    _drop_assignments(evaluator_id=evaluator.pk, application_id=application.pk, by=evaluator,
                      conflict=conflict)
    return conflict


@transaction.atomic
def add_conflict(*, stage: Stage, evaluator, application: Application, basis: str,
                 detail: str, by) -> Conflict:
    """An operator records a conflict (source ``operator``), e.g. one learned by telephone.
    The evaluator must be invited to the stage. Errors and side effects as
    :func:`declare_recusal` (audit ``evaluation.conflict.added``)."""
    if basis not in Conflict.Basis.values:
        raise ValidationError({"basis": _("Choose the basis of the conflict.")})
    _check_application(stage, application)
    if not StageEvaluator.objects.filter(stage=stage, evaluator=evaluator).exists():
        raise ValidationError({"evaluator": _("Choose an evaluator invited to this stage.")})
    detail = _clean_detail(detail, required=True)
    conflict, created = Conflict.objects.get_or_create(
        application=application, evaluator=evaluator, source=Conflict.Source.OPERATOR,
        basis=basis, defaults={"detail": detail, "raised_by": by})
    if not created:
        raise ValidationError(_("This conflict is already recorded."))
    audit.record("evaluation.conflict.added", conflict,
                 after=audit.snapshot(conflict, ["application", "evaluator", "source", "basis",
                                                 "detail"]), actor=by)
    _drop_assignments(evaluator_id=evaluator.pk, application_id=application.pk, by=by,
                      conflict=conflict)
    return conflict


_OVERRIDE_FIELDS = ["overridden_at", "overridden_by", "override_reason"]


@transaction.atomic
def override_conflict(*, conflict: Conflict, by, reason: str) -> Conflict:
    """Set a conflict aside: the evaluator may see and be given the application again.
    ``reason`` is required (≤ 2,000 characters). Raises ValidationError without a reason or
    for a conflict already overridden. Side effects: audit ``evaluation.conflict.overridden``
    with before/after."""
    reason = _clean_detail(reason, required=False, field="reason", limit=MAX_REASON)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for setting this conflict aside.")})
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.overridden_at is not None:
        raise ValidationError(_("This conflict was already set aside."))
    before = audit.snapshot(conflict, _OVERRIDE_FIELDS)
    conflict.overridden_at, conflict.overridden_by = timezone.now(), by
    conflict.override_reason = reason
    conflict.save(update_fields=[*_OVERRIDE_FIELDS, "updated_at"])
    audit.record("evaluation.conflict.overridden", conflict, before=before,
                 after=audit.snapshot(conflict, _OVERRIDE_FIELDS), actor=by)
    return conflict


@transaction.atomic
def reinstate_conflict(*, conflict: Conflict, by) -> Conflict:
    """Put an overridden conflict back in force. Raises ValidationError for one in force.
    Side effects: audit ``evaluation.conflict.reinstated`` with before/after; the evaluator's
    assignments to the application are dropped (audited)."""
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.overridden_at is None:
        raise ValidationError(_("This conflict is in force already."))
    before = audit.snapshot(conflict, _OVERRIDE_FIELDS)
    conflict.overridden_at, conflict.overridden_by, conflict.override_reason = None, None, ""
    conflict.save(update_fields=[*_OVERRIDE_FIELDS, "updated_at"])
    audit.record("evaluation.conflict.reinstated", conflict, before=before,
                 after=audit.snapshot(conflict, _OVERRIDE_FIELDS), actor=by)
    _drop_assignments(evaluator_id=conflict.evaluator_id,
                      application_id=conflict.application_id, by=by, conflict=conflict)
    return conflict
