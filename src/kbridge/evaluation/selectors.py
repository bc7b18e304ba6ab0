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
