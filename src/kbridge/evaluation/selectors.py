"""Reads for evaluation, always scoped to the requesting user.

Tenancy: an agency's operators see the stages of their own programs only. An evaluator sees
the stages they were invited to and, once they signed the stage's pledge, the applications
assigned to them — never one they have a conflict of interest with (an in-force
``Conflict``), whatever the page, file, export, e-mail or search.
"""

from __future__ import annotations

from django.db.models import QuerySet

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
