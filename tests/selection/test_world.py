"""The decided world the selection tests share is what its docstring says."""

from kbridge.selection.models import Outcome


def test_the_decided_world_ranks_selects_and_waitlists(decided, submitted):
    statuses = [o.status for o in decided.outcomes]
    assert statuses == ["selected", "selected", "waitlisted", "waitlisted", "not_selected",
                        "not_selected"]
    assert decided.outcome_of(submitted).rank == 1
    assert Outcome.objects.filter(selection=decided.selection).count() == 6
    assert sum(o.award_krw or 0 for o in decided.outcomes) <= decided.selection.budget_krw
