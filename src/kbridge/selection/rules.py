"""Who may do what in selection: predicates on role *and* on phase/state.

Each area appends its predicates below its own heading (selection, results, appeals,
agreements, partners).
"""

from __future__ import annotations

import rules

from kbridge.accounts.tenancy import agency_ids


def program_of(obj):
    """The program a selection object belongs to (None for anything else)."""
    from kbridge.programs.models import Call, Track
    from kbridge.selection.models import (
        Agreement,
        Appeal,
        LotteryDraw,
        Offer,
        Outcome,
        Selection,
        SelectionPolicy,
    )

    if isinstance(obj, Call):
        return obj.program
    if isinstance(obj, Track):
        return obj.call.program
    if isinstance(obj, SelectionPolicy):
        return obj.call.program
    if isinstance(obj, Selection):
        return obj.track.call.program
    if isinstance(obj, LotteryDraw):
        return obj.selection.track.call.program
    if isinstance(obj, Outcome):
        return obj.selection.track.call.program
    if isinstance(obj, Offer | Appeal | Agreement):
        return obj.outcome.selection.track.call.program
    return None


# --- selection -----------------------------------------------------------------------------


@rules.predicate
def is_program_operator(user, obj) -> bool:
    """Operator staff of the agency that runs the object's program."""
    program = program_of(obj)
    return program is not None and program.operator_id in agency_ids(user)


# --- appeals -------------------------------------------------------------------------------


@rules.predicate
def appeal_applicant(user, obj) -> bool:
    """A member (representative or staff) of the startup that owns the application (an
    ``Application``, or an ``Outcome`` / ``Appeal`` of one)."""
    from kbridge.applications.rules import is_startup_member_of
    from kbridge.selection.models import Appeal, Outcome

    if isinstance(obj, Appeal):
        obj = obj.outcome
    if isinstance(obj, Outcome):
        obj = obj.application
    return is_startup_member_of(user, obj)


@rules.predicate
def appeal_result_announced(user, application) -> bool:
    """The application has an outcome in a confirmed selection whose announcement instant
    has passed (before it, the applicant does not know the result to appeal against)."""
    from kbridge.selection.models import Outcome
    from kbridge.selection.services.appeals import is_announced, policy_of

    outcome = (Outcome.objects.select_related("selection__track")
               .filter(application_id=getattr(application, "pk", None)).first())
    return outcome is not None and is_announced(outcome, policy_of(outcome))


@rules.predicate
def appeal_on_panel(user, appeal) -> bool:
    """The user evaluated the appeal's application in a stage of its call (an
    ``evaluation.Assignment`` row): they may read the appeal but not answer it."""
    from kbridge.selection.services.appeals import is_on_panel

    return is_on_panel(user, appeal.outcome.application)


@rules.predicate
def appeal_is_filed(user, appeal) -> bool:
    """Still waiting for its answer."""
    return appeal.status == appeal.Status.FILED


@rules.predicate
def appeal_is_operator(user) -> bool:
    from kbridge.accounts.rules import is_operator

    return is_operator(user)


# The applicant's appeal page: their result must be announced (404 before).
rules.add_perm("selection.view_own_appeals", appeal_applicant & appeal_result_announced)
# Operators' list (their agencies' programs only, scoped by the selector).
rules.add_perm("selection.view_appeal_list", appeal_is_operator)
rules.add_perm("selection.view_appeal", is_program_operator)
# Answered by someone outside the original panel, once.
rules.add_perm("selection.answer_appeal",
               is_program_operator & ~appeal_on_panel & appeal_is_filed)
