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
