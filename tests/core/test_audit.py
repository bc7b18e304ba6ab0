"""The audit log is append-only: the model, its queryset and PostgreSQL itself refuse changes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from kbridge.core import audit
from kbridge.core.models import AppendOnlyError, AuditLog


@pytest.fixture
def row(world, personas):
    return audit.record("track.updated", world.track_a, before={"quota": 7},
                        after={"quota": 9}, actor=personas.operator)


def test_record_keeps_actor_object_and_change(row, world, personas):
    stored = AuditLog.objects.get(pk=row.pk)
    assert (stored.actor_email, stored.action, stored.object_type, stored.object_id) == (
        personas.operator.email, "track.updated", "programs.track", str(world.track_a.pk))
    assert (stored.before, stored.after) == ({"quota": 7}, {"quota": 9})
    assert list(AuditLog.objects.for_object(world.track_a)) == [stored]


def test_model_refuses_update_and_delete(row):
    row.action = "something.else"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).action == "track.updated"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_update_and_delete(row):
    for sql in ("UPDATE core_auditlog SET action = 'forged' WHERE id = %s",
                "DELETE FROM core_auditlog WHERE id = %s"):
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql, [row.pk])
    assert AuditLog.objects.get(pk=row.pk).action == "track.updated"


def test_every_audit_action_the_code_records_has_a_translated_label():
    """A new action without a label would show as ``consent.given`` on the audit log and in
    the personal data export (a fresh tester found three)."""
    import pathlib
    import re

    from kbridge.core.audit_display import ACTION_LABELS

    root = pathlib.Path(__file__).parents[2] / "src" / "kbridge"
    recorded = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'action\s*=\s*"([a-z_]+\.[a-z_]+)"', text))
    assert recorded, "the scan found no actions: the pattern is out of date"
    assert sorted(recorded - set(ACTION_LABELS)) == []
