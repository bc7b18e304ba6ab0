"""The audit log page: operators read the rows of their own agencies."""

from __future__ import annotations

from kbridge.core import audit


def test_audit_page_lists_entries_for_operators(world, personas, client_for):
    audit.record("track.updated", world.track_a, before={"quota": 7}, after={"quota": 9},
                 actor=personas.operator)
    html = client_for(personas.operator).get("/audit/?action=track").content.decode()
    assert "track.updated" in html
    assert personas.operator.email in html
