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


@rules.predicate
def selection_is_draft(user, obj) -> bool:
    """No selection yet, or a draft one (Track → its selection; Selection; Outcome; draw)."""
    from kbridge.programs.models import Track
    from kbridge.selection.models import LotteryDraw, Outcome, Selection

    if isinstance(obj, Track):
        selection = Selection.objects.filter(track=obj).first()
    elif isinstance(obj, Selection):
        selection = obj
    elif isinstance(obj, Outcome | LotteryDraw):
        selection = obj.selection
    else:
        return False
    return selection is None or not selection.is_confirmed


rules.add_perm("selection.manage_selection", is_program_operator)
rules.add_perm("selection.change_selection", is_program_operator & selection_is_draft)
