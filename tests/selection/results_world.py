"""Ids of the permission matrix's results and partners rows (tests/test_permissions_matrix.py),
from the decided world (tests/selection/world.py)."""

from __future__ import annotations


def matrix_ids(d) -> dict[str, int]:
    """``result_application``: startup A's selected application (rank 1); ``waitlisted_
    application``: another startup's waitlisted one; ``selection_call``: the announced call;
    ``selection_track``: partner A's decided track; ``other_partner_track``: NVIDIA's track."""
    return {
        "result_application": d.applications[0].pk,
        "waitlisted_application": d.applications[2].pk,
        "selection_call": d.selection.track.call_id,
        "selection_track": d.selection.track_id,
        "other_partner_track": d.selection.track.call.tracks.exclude(
            pk=d.selection.track_id).order_by("pk").first().pk,
    }
