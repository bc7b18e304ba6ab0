"""Who may do what in evaluation: predicates on role *and* on phase/state.

Role predicates: the stage's operators (staff of the agency running the program), the
evaluators invited to a stage, the evaluator an application is assigned to (with the stage's
pledge signed and no conflict of interest in force). Phase/state predicates: the stage is open,
it has ended (scores lock), the scoresheet is still a draft, the evaluator has submitted their
own scoresheet (only then may they see the others' scores — independence).
"""

from __future__ import annotations

import rules
from django.utils import timezone

from kbridge.accounts.tenancy import agency_ids
from kbridge.evaluation.models import (
    Assignment,
    AssignmentRun,
    Conflict,
    Criterion,
    Panel,
    Scoresheet,
    Stage,
    StageEvaluator,
)


def stage_of(obj) -> Stage | None:
    """The stage an evaluation object belongs to (None for anything else)."""
    if isinstance(obj, Stage):
        return obj
    if isinstance(obj, Assignment | AssignmentRun | Criterion | Panel | StageEvaluator):
        return obj.stage
    if isinstance(obj, Scoresheet):
        return obj.assignment.stage
    return None


def assignment_of(obj) -> Assignment | None:
    if isinstance(obj, Assignment):
        return obj
    if isinstance(obj, Scoresheet):
        return obj.assignment
    return None


# --- roles -------------------------------------------------------------------------------


@rules.predicate
def is_stage_operator(user, obj) -> bool:
    """Operator staff of the agency that runs the stage's program (or the conflict's)."""
    if isinstance(obj, Conflict):
        operator_id = obj.application.program.operator_id
    else:
        stage = stage_of(obj)
        if stage is None:
            return False
        operator_id = stage.call.program.operator_id
    return operator_id in agency_ids(user)


@rules.predicate
def is_stage_evaluator(user, obj) -> bool:
    """Invited to the stage (and not removed from it)."""
    stage = stage_of(obj)
    return stage is not None and StageEvaluator.objects.filter(
        stage=stage, evaluator_id=user.pk, removed_at__isnull=True).exists()


@rules.predicate
def has_signed_pledge(user, obj) -> bool:
    """Signed the stage's current pledge version."""
    stage = stage_of(obj)
    return stage is not None and StageEvaluator.objects.filter(
        stage=stage, evaluator_id=user.pk, removed_at__isnull=True,
        pledge_signed_at__isnull=False, pledge_version=stage.pledge_version).exists()


@rules.predicate
def is_conflicted(user, obj) -> bool:
    """A conflict of interest in force between the user and the object's application."""
    assignment = assignment_of(obj)
    application_id = assignment.application_id if assignment else getattr(obj, "pk", None)
    return application_id is not None and Conflict.objects.filter(
        evaluator_id=user.pk, application_id=application_id,
        overridden_at__isnull=True).exists()


@rules.predicate
def is_assigned_evaluator(user, obj) -> bool:
    """The assignment (or scoresheet) is the user's, in a stage they are still invited to."""
    assignment = assignment_of(obj)
    return assignment is not None and assignment.evaluator_id == user.pk


# --- phase and state ---------------------------------------------------------------------


@rules.predicate
def stage_is_open(user, obj) -> bool:
    stage = stage_of(obj)
    return stage is not None and stage.is_open()


@rules.predicate
def stage_has_ended(user, obj) -> bool:
    stage = stage_of(obj)
    return stage is not None and stage.has_ended()


@rules.predicate
def is_unlocked(user, obj) -> bool:
    """An operator unlocked this scoresheet after the stage ended (audited), until a time."""
    assignment = assignment_of(obj)
    sheet = getattr(assignment, "scoresheet", None) if assignment else None
    return bool(sheet and sheet.unlocked_until and sheet.unlocked_until > timezone.now())


@rules.predicate
def own_score_submitted(user, obj) -> bool:
    """The user has submitted their own scoresheet for the object's application and stage."""
    assignment = assignment_of(obj)
    if assignment is None:
        return False
    return Scoresheet.objects.filter(
        assignment__stage_id=assignment.stage_id,
        assignment__application_id=assignment.application_id,
        assignment__evaluator_id=user.pk,
        status=Scoresheet.Status.SUBMITTED).exists()


may_evaluate = (is_assigned_evaluator & is_stage_evaluator & has_signed_pledge
                & ~is_conflicted)

rules.add_perm("evaluation.manage_stage", is_stage_operator)
rules.add_perm("evaluation.view_stage", is_stage_operator | is_stage_evaluator)
rules.add_perm("evaluation.sign_pledge", is_stage_evaluator & ~stage_has_ended)
rules.add_perm("evaluation.declare_conflict",
               is_stage_evaluator & has_signed_pledge & ~stage_has_ended)
rules.add_perm("evaluation.view_assignment", may_evaluate)
rules.add_perm("evaluation.score", may_evaluate & (stage_is_open | is_unlocked))
# Independence: another evaluator's scores only after submitting one's own.
rules.add_perm("evaluation.view_panel_scores",
               is_stage_operator | (may_evaluate & own_score_submitted))


# --- pool, pledge and conflicts ------------------------------------------------------------


@rules.predicate
def is_evaluator(user) -> bool:
    """Holds an evaluator membership (an expert of the pool)."""
    from kbridge.accounts.models import Membership
    from kbridge.accounts.selectors import has_role

    return has_role(user, Membership.Role.EVALUATOR)


rules.add_perm("evaluation.edit_evaluator_profile", is_evaluator)
# The pledge page: every invited evaluator (signed or not) reads it; signing is sign_pledge.
rules.add_perm("evaluation.read_pledge", is_stage_evaluator)
# --- stages and rubric -------------------------------------------------------------------


@rules.predicate
def rubric_editable(user, obj) -> bool:
    """The stage's rubric may still change: no scoresheet of the stage has been submitted
    (a submitted score was given against these criteria, weights and anchors)."""
    stage = stage_of(obj)
    return stage is not None and not Scoresheet.objects.filter(
        assignment__stage=stage, status=Scoresheet.Status.SUBMITTED).exists()


rules.add_perm("evaluation.edit_rubric", is_stage_operator & rubric_editable)
rules.add_perm("evaluation.close_stage", is_stage_operator & ~stage_has_ended)
# --- ranking, export and feedback ---------------------------------------------------------


@rules.predicate
def is_applicant_of_scoresheet(user, obj) -> bool:
    """A member (representative or staff) of the startup whose application was scored."""
    from kbridge.applications.rules import is_startup_member_of

    assignment = assignment_of(obj)
    return assignment is not None and is_startup_member_of(user, assignment.application)


@rules.predicate
def scoresheet_counts(user, obj) -> bool:
    """The scoresheet was submitted and its pair has no conflict of interest in force (a
    scoresheet whose pair became conflicted does not count anywhere: not in the ranking, not
    for the applicant)."""
    assignment = assignment_of(obj)
    sheet = obj if isinstance(obj, Scoresheet) else None
    return bool(sheet and sheet.status == Scoresheet.Status.SUBMITTED
                and not Conflict.objects.filter(
                    evaluator_id=assignment.evaluator_id,
                    application_id=assignment.application_id,
                    overridden_at__isnull=True).exists())


@rules.predicate
def rating_window_open(user, obj) -> bool:
    """The stage has ended and its rating window (``ranking.RATING_WINDOW_DAYS``) is open."""
    from kbridge.evaluation.ranking import rating_window_is_open

    stage = stage_of(obj)
    return stage is not None and rating_window_is_open(stage)


# Applicants read their application's reasons (anonymised) after the stage has ended.
rules.add_perm("evaluation.view_reasons",
               is_applicant_of_scoresheet & stage_has_ended & scoresheet_counts)
rules.add_perm("evaluation.rate_reasons",
               is_applicant_of_scoresheet & scoresheet_counts & rating_window_open)


@rules.predicate
def is_applicant(user, application) -> bool:
    """A member of the startup that owns the application (the applicant's evaluation page)."""
    from kbridge.applications.rules import is_startup_member_of

    return is_startup_member_of(user, application)


rules.add_perm("evaluation.view_feedback", is_applicant)
# --- scoring -----------------------------------------------------------------------------


@rules.predicate
def scoresheet_is_draft(user, obj) -> bool:
    """The object's scoresheet has not been submitted (a missing one counts as a draft)."""
    assignment = assignment_of(obj)
    if assignment is None:
        return False
    sheet = Scoresheet.objects.filter(assignment_id=assignment.pk).only("status").first()
    return sheet is None or sheet.status == Scoresheet.Status.DRAFT


# The evaluator's own stage page (the operator's pages are under /manage/evaluation/).
rules.add_perm("evaluation.evaluate_stage", is_stage_evaluator)
# Changing a scoresheet: a draft while the stage is open; after submitting, or after the stage
# ended, only while an operator's unlock lasts (submitted is final for the evaluator: they
# have seen the others' scores by then — docs/evaluation.md, "Scoring").
rules.add_perm("evaluation.change_scoresheet",
               may_evaluate & ((stage_is_open & scoresheet_is_draft) | is_unlocked))
rules.add_perm("evaluation.unlock_scoresheet", is_stage_operator)
# --- assignment, panels and schedule ------------------------------------------------------

# The presentation-day agenda of a stage: invited and signed. What it lists is scoped by
# ``selectors.agenda_slots`` (never an application the evaluator has a conflict with).
rules.add_perm("evaluation.view_agenda", is_stage_evaluator & has_signed_pledge)
