"""The audit log page: operators read the rows of their own agencies."""

from __future__ import annotations

from kbridge.core import audit


def test_audit_page_lists_entries_for_operators(world, personas, client_for):
    audit.record("track.updated", world.track_a, before={"quota": 7}, after={"quota": 9},
                 actor=personas.operator)
    html = client_for(personas.operator).get("/audit/?action=track").content.decode()
    assert "track.updated" in html
    assert personas.operator.email in html


def test_a_change_that_names_a_reverse_relation_is_shown_not_a_500(world, personas,
                                                                 client_for):
    """A payload key that names another model's rows pointing at the object (a milestone
    report's ``follow_on_investments``, here a program's ``calls``) is labelled with those
    rows' plural name, and each row is summed up (issue 16's tester: /audit/ answered 500)."""
    audit.record("track.updated", world.program, actor=personas.operator,
                 before={"calls": []},
                 after={"calls": [{"name": "2026 call", "amount_krw": 5}]})
    response = client_for(personas.operator).get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026 call" in html
    assert "공고" in html  # Call's verbose_name_plural in Korean
