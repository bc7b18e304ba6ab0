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
