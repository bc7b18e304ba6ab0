"""Reads for evaluation, always scoped to the requesting user.

Tenancy: an agency's operators see the stages of their own programs only. An evaluator sees
the stages they were invited to and, once they signed the stage's pledge, the applications
assigned to them — never one they have a conflict of interest with (an in-force
``Conflict``), whatever the page, file, export, e-mail or search.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from kbridge.accounts.tenancy import agency_ids
from kbridge.evaluation.models import Assignment, Conflict, Stage, StageEvaluator


def stages_for_operator(user) -> QuerySet[Stage]:
    """Stages of the programs the user's agencies run (empty for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return Stage.objects.none()
    return Stage.objects.filter(call__program__operator_id__in=agency_ids(user)).select_related(
        "call", "call__program")


def invitations_of(user) -> QuerySet[StageEvaluator]:
    """The stages an evaluator is invited to (not removed), newest first."""
    if not getattr(user, "is_authenticated", False):
        return StageEvaluator.objects.none()
    return StageEvaluator.objects.filter(evaluator=user, removed_at__isnull=True).select_related(
        "stage", "stage__call", "stage__call__program").order_by("-stage__closes_at")


def stages_for_evaluator(user) -> QuerySet[Stage]:
    if not getattr(user, "is_authenticated", False):
        return Stage.objects.none()
    return Stage.objects.filter(evaluators__evaluator=user,
                                evaluators__removed_at__isnull=True).select_related(
        "call", "call__program")


def conflicted_application_ids(user) -> set[int]:
    """Applications the user may never see as an evaluator (conflicts in force)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Conflict.objects.filter(evaluator=user, overridden_at__isnull=True)
               .values_list("application_id", flat=True))


def is_conflicted(user, application_id: int) -> bool:
    return Conflict.objects.filter(evaluator=user, application_id=application_id,
                                   overridden_at__isnull=True).exists()


def assignments_for_evaluator(user, stage: Stage | None = None) -> QuerySet[Assignment]:
    """The user's assignments in stages whose current pledge they signed, without any
    application they have a conflict in force with."""
    if not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    qs = Assignment.objects.filter(
        evaluator=user,
        stage__evaluators__evaluator=user,
        stage__evaluators__removed_at__isnull=True,
        stage__evaluators__pledge_signed_at__isnull=False,
    ).exclude(application__conflicts__evaluator=user,
              application__conflicts__overridden_at__isnull=True)
    if stage is not None:
        qs = qs.filter(stage=stage)
    return qs.select_related("stage", "stage__call", "application", "application__applicant",
                             "application__track")


# --- pool, pledge and conflicts -----------------------------------------------------------


def pool_members(query: str = "", *, exclude_stage: Stage | None = None):
    """Evaluators in the pool: active users with an evaluator membership and a profile,
    platform-wide (experts sign up to be found), with their profile and affiliation.
    ``query`` (already cleaned, ``core.text.clean_query``) matches words in the name,
    expertise (ko/en), keywords or affiliation name, each word somewhere. Gender is not
    searchable. ``exclude_stage``: without those invited to it (and not removed)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from kbridge.accounts.models import Membership

    qs = (get_user_model().objects.filter(
        is_active=True, deleted_at__isnull=True, evaluator_profile__isnull=False,
        memberships__role=Membership.Role.EVALUATOR).distinct()
        .select_related("evaluator_profile", "evaluator_profile__affiliation")
        .order_by("full_name", "pk"))
    for word in query.split():
        qs = qs.filter(Q(full_name__icontains=word)
                       | Q(evaluator_profile__expertise_ko__icontains=word)
                       | Q(evaluator_profile__expertise_en__icontains=word)
                       | Q(evaluator_profile__expertise_keywords__icontains=word)
                       | Q(evaluator_profile__affiliation__name_ko__icontains=word)
                       | Q(evaluator_profile__affiliation__name_en__icontains=word))
    if exclude_stage is not None:
        qs = qs.exclude(evaluation_stages__stage=exclude_stage,
                        evaluation_stages__removed_at__isnull=True)
    return qs


def stage_invitations(stage: Stage) -> QuerySet[StageEvaluator]:
    """The stage's invitations (removed ones too, last), with the evaluator's profile."""
    return (StageEvaluator.objects.filter(stage=stage)
            .select_related("evaluator", "evaluator__evaluator_profile",
                            "evaluator__evaluator_profile__affiliation", "stage")
            .order_by("removed_at", "evaluator__full_name", "pk"))


def stage_conflicts(stage: Stage) -> QuerySet[Conflict]:
    """Every conflict on the applications of the stage's call (operators only)."""
    return (Conflict.objects.filter(application__call_id=stage.call_id)
            .select_related("application__applicant", "evaluator", "overridden_by",
                            "raised_by")
            .order_by("overridden_at", "application__applicant__name_ko", "evaluator__full_name",
                      "pk"))


def applicant_names_for_evaluator(user, stage: Stage) -> list[tuple[int, str]]:
    """(application id, company name in the page language) of the stage's applications the
    evaluator may still declare a conflict with: every one but those with a conflict of theirs
    in force. Names only — nothing else of an application before it is assigned."""
    from kbridge.core.i18n import localized_text
    from kbridge.evaluation.services.conflicts import stage_applications

    blocked = conflicted_application_ids(user)
    rows = (stage_applications(stage).exclude(pk__in=blocked).select_related("applicant")
            .order_by("applicant__name_ko", "pk"))
    return [(a.pk, localized_text(a.applicant, "name")) for a in rows]


def recusals_of(user, stage: Stage) -> QuerySet[Conflict]:
    """The conflicts the evaluator declared on the stage's applications (their own words)."""
    return (Conflict.objects.filter(evaluator=user, source=Conflict.Source.RECUSAL,
                                    application__call_id=stage.call_id)
            .select_related("application__applicant").order_by("-created_at"))


def personal_data_of(user) -> dict:
    """The evaluator's part of the my-data export: pool profile, declared ties, invitations
    with pledge signatures, and the conflicts they declared (accounts.personal_data)."""
    from kbridge.core.audit import snapshot
    from kbridge.evaluation.models import EvaluatorProfile

    profile = EvaluatorProfile.objects.filter(user=user).select_related("affiliation").first()
    data: dict = {"evaluator_profile": None}
    if profile is not None:
        data["evaluator_profile"] = {
            **snapshot(profile, ["expertise_ko", "expertise_en", "expertise_keywords",
                                 "expert_type", "years_of_experience", "gender",
                                 "gender_consent_at", "created_at", "updated_at"]),
            "affiliation": str(profile.affiliation) if profile.affiliation else None,
            "ties": [snapshot(t, ["kind", "organisation_name", "business_registration_number",
                                  "started_on", "ended_on"]) for t in profile.ties.all()],
        }
    data["evaluation_invitations"] = [
        {"stage": str(i.stage), "invited_at": snapshot(i, ["created_at"])["created_at"],
         "removed_at": snapshot(i, ["removed_at"])["removed_at"],
         "pledge_version": i.pledge_version, "pledge_sha256": i.pledge_sha256,
         "pledge_signed_at": snapshot(i, ["pledge_signed_at"])["pledge_signed_at"]}
        for i in StageEvaluator.objects.filter(evaluator=user).select_related(
            "stage__call__program")]
    data["declared_conflicts"] = [
        {"application": c.application_id, "basis": c.basis, "detail": c.detail,
         "declared_at": snapshot(c, ["created_at"])["created_at"]}
        for c in Conflict.objects.filter(evaluator=user, source=Conflict.Source.RECUSAL)]
    return data


def composition(stage: Stage) -> dict:
    """The make-up of the stage's invited evaluators (not removed), for operators: ``count``,
    ``market`` / ``market_share``, ``women`` / ``women_share`` (self-declared with consent;
    the undeclared count as not women), ``affiliations`` [(name, count)], ``undeclared``
    (how many gave no consented gender) and ``warnings`` (translated sentences) when no panel
    of ``k = max(evaluators_per_application, panel_min_size)`` evaluators can satisfy the
    stage's rules. Head counts per panel follow the engine: ``ceil(share × k)``
    (``kbridge.engine.assignment.problem.required_count``)."""
    from collections import Counter

    from django.utils.translation import gettext as _

    from kbridge.engine.assignment.problem import required_count

    people = [i.evaluator for i in stage_invitations(stage).filter(removed_at__isnull=True)]
    profiles = [getattr(u, "evaluator_profile", None) for u in people]
    count = len(people)
    market = sum(1 for p in profiles if p is not None and p.is_market_expert)
    women = sum(1 for p in profiles if p is not None and p.is_woman)
    undeclared = sum(1 for p in profiles if p is None or p.gender_consent_at is None
                     or not p.gender)
    names = Counter(str(p.affiliation) if p is not None and p.affiliation else None
                    for p in profiles)
    distinct = sum(n for name, n in names.items() if name is None) + sum(
        1 for name in names if name is not None)
    k = max(stage.evaluators_per_application, stage.panel_min_size)
    need_market = required_count(float(stage.min_market_share), k)
    need_women = required_count(float(stage.min_women_share), k)
    warnings = []
    if count < k:
        warnings.append(_("A panel needs %(k)s evaluators; %(n)s are invited.")
                        % {"k": k, "n": count})
    if market < need_market:
        warnings.append(_("A panel of %(k)s needs %(need)s market experts; %(n)s are invited.")
                        % {"k": k, "need": need_market, "n": market})
    if women < need_women:
        warnings.append(_("A panel of %(k)s needs %(need)s women; %(n)s of those invited "
                          "declared themselves women.") % {"k": k, "need": need_women,
                                                           "n": women})
    if stage.one_per_affiliation and distinct < k:
        warnings.append(_("At most one evaluator per affiliation may sit on a panel, and the "
                          "invited evaluators come from %(n)s affiliations; a panel needs %(k)s.")
                        % {"n": distinct, "k": k})
    return {
        "count": count, "k": k, "market": market, "women": women, "undeclared": undeclared,
        "market_share": market / count if count else 0.0,
        "women_share": women / count if count else 0.0,
        "affiliations": sorted(((name or "—", n) for name, n in names.items()),
                               key=lambda row: (-row[1], row[0])),
        "warnings": warnings,
    }
# --- stages and rubric -------------------------------------------------------------------


@dataclass(frozen=True)
class ScoresheetCounts:
    """How many scoresheets of a stage are submitted of those assigned, in all and per
    evaluator (``[(user, submitted, assigned)]``, by name). Pairs with a conflict in force
    are left out. Counts only: never a score (independence)."""

    submitted: int
    assigned: int
    per_evaluator: list


def scoresheet_counts(stage: Stage) -> ScoresheetCounts:
    from kbridge.evaluation.models import Scoresheet

    in_force = Conflict.objects.filter(application_id=OuterRef("application_id"),
                                       evaluator_id=OuterRef("evaluator_id"),
                                       overridden_at__isnull=True)
    rows = (Assignment.objects.filter(stage=stage).filter(~Exists(in_force))
            .values("evaluator")
            .annotate(assigned=Count("pk", distinct=True),
                      submitted=Count("pk", distinct=True,
                                      filter=Q(scoresheet__status=Scoresheet.Status.SUBMITTED))))
    by_user = {r["evaluator"]: r for r in rows}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=by_user)}
    per = sorted(((users[pk], r["submitted"], r["assigned"]) for pk, r in by_user.items()),
                 key=lambda t: (t[0].full_name, t[0].pk))
    return ScoresheetCounts(submitted=sum(r["submitted"] for r in by_user.values()),
                            assigned=sum(r["assigned"] for r in by_user.values()),
                            per_evaluator=per)


def confirmed_shortlist(stage: Stage) -> QuerySet:
    """The stored shortlist of a presentation stage, by track and rank."""
    from kbridge.evaluation.models import Shortlisted

    return Shortlisted.objects.filter(stage=stage).select_related(
        "application__applicant", "track", "confirmed_by").order_by(
        "track__position", "track_id", "rank", "application_id")
# --- scoring -----------------------------------------------------------------------------


def my_assignments(user, stage: Stage | None = None) -> list[Assignment]:
    """The evaluator's assignments (in ``stage``, or in all their stages) with their
    scoresheets, in a fixed order that says nothing about scores (application, then
    assignment creation)."""
    return list(assignments_for_evaluator(user, stage)
                .select_related("scoresheet", "application__track__partner__organisation")
                .order_by("application_id", "pk"))


def scoresheet_of(assignment: Assignment):
    """The assignment's scoresheet, or an unsaved empty draft when none was created yet."""
    from kbridge.evaluation.models import Scoresheet

    sheet = Scoresheet.objects.filter(assignment=assignment).first()
    return sheet or Scoresheet(assignment=assignment)


def latest_submission(application):
    """The application as submitted (its latest submission), or None."""
    return application.submissions.order_by("-number").first()


def panel_scores(assignment: Assignment, viewer) -> list[dict]:
    """The other evaluators' *submitted* scoresheets of the assignment's application in its
    stage, for a viewer allowed ``evaluation.view_panel_scores`` (check it first).

    Each entry: ``label_number`` (Evaluator 1…n, numbered over the application's other
    assignments in creation order — stable as others submit, unrelated to scores), ``total``,
    ``submitted_at`` and ``scores`` as submitted (``Scoresheet.submitted_scores``). Leaves out
    the viewer and anyone with a conflict of interest in force with the application."""
    from kbridge.evaluation.models import Scoresheet

    conflicted = set(Conflict.objects.filter(application_id=assignment.application_id,
                                             overridden_at__isnull=True)
                     .values_list("evaluator_id", flat=True))
    others = [a for a in Assignment.objects.filter(
        stage_id=assignment.stage_id, application_id=assignment.application_id)
        .exclude(evaluator_id=viewer.pk).order_by("pk")
        if a.evaluator_id not in conflicted]
    number = {a.pk: i for i, a in enumerate(others, start=1)}
    sheets = Scoresheet.objects.filter(assignment__in=[a.pk for a in others],
                                       status=Scoresheet.Status.SUBMITTED)
    return sorted(({"label_number": number[s.assignment_id], "total": s.total,
                    "submitted_at": s.submitted_at, "scores": s.submitted_scores}
                   for s in sheets), key=lambda e: e["label_number"])


def scoresheets_for_operator(user):
    """Scoresheets of the stages the user's agencies run."""
    from kbridge.evaluation.models import Scoresheet

    return Scoresheet.objects.filter(
        assignment__stage__in=stages_for_operator(user)).select_related(
        "assignment__stage__call__program", "assignment__application__applicant",
        "assignment__evaluator")
# --- assignment, panels and schedule ------------------------------------------------------


def stage_assignments(stage: Stage) -> QuerySet[Assignment]:
    """Every pair of a stage, for its operators (the view checked ``manage_stage``)."""
    return (Assignment.objects.filter(stage=stage)
            .select_related("application", "application__applicant", "application__track",
                            "evaluator", "panel", "scoresheet")
            .order_by("application_id", "evaluator_id"))


def agenda_slots(user, stage: Stage):
    """The presentation slots of ``stage`` that ``user`` sits in as a panel member: slots of
    panels they are assigned on, for applications assigned to them, never one they have a
    conflict of interest with (in force), and nothing before the pledge is signed."""
    from kbridge.evaluation.models import PresentationSlot

    if not getattr(user, "is_authenticated", False):
        return PresentationSlot.objects.none()
    pairs = assignments_for_evaluator(user, stage).filter(panel__isnull=False)
    apps = pairs.values("application_id")
    panels = pairs.values("panel_id")
    return (PresentationSlot.objects.filter(panel__stage=stage, panel_id__in=panels,
                                            application_id__in=apps)
            .exclude(application_id__in=Conflict.objects.filter(
                evaluator=user, overridden_at__isnull=True).values("application_id"))
            .select_related("panel", "application", "application__applicant")
            .order_by("starts_at", "panel_id"))
