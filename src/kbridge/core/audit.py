"""Writing the audit log.

Services call :func:`record` inside their transaction, so an audit row exists exactly when
the change it describes was committed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from kbridge.core import context, signals
from kbridge.core.models import AuditLog


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-friendly data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Keep only the keys whose values changed (both sides), so rows stay readable."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    keys += [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Any = None,
    tenant_id: int | None = None,
) -> AuditLog:
    """Insert one audit row for ``obj``.

    ``tenant_id`` is the agency whose staff may read the row; when not given it is taken from
    ``obj.audit_tenant_id`` (a property each tenant-owned model defines), else the row belongs
    to no agency and only superusers read it in the admin.

    Sends ``core.signals.audit_recorded`` (``row``, ``obj``) once the row is written, still
    inside the caller's transaction (the API app turns some actions into webhook events).
    """
    ctx = context.current()
    if tenant_id is None:
        tenant_id = getattr(obj, "audit_tenant_id", None)
    # Names are bilingual and ``str()`` follows the active language: the stored name is
    # always in the default language, so the log reads the same whoever wrote the row.
    with translation.override(settings.LANGUAGE_CODE):
        object_repr = str(obj)[:300]
    actor = actor if actor is not None else ctx.actor
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    row = AuditLog.objects.create(
        actor=actor,
        actor_email=getattr(actor, "email", "") if actor is not None else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=object_repr,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=ctx.request_id,
        tenant_id=tenant_id,
    )
    signals.audit_recorded.send(sender=AuditLog, row=row, obj=obj)
    return row
