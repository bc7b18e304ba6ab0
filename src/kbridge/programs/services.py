"""State changes of programs, partners, calls and tracks.

Every function takes keyword arguments, writes in one transaction and records the audit log
with the fields before and after the change.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kbridge.accounts.models import Organisation, User
from kbridge.core import audit
from kbridge.programs.models import Call, Partner, Program, SupportItem, Track

# What partner staff may change on their own tracks: text and support package, nothing that
# decides who is eligible or how many are funded.
PARTNER_TRACK_FIELDS = ["name_ko", "name_en", "description_ko", "description_en",
                        "interest_keywords"]


def _create(model, action: str, *, by: User, **fields) -> Any:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    audit.record(action, obj, after=audit.snapshot(obj), actor=by)
    return obj


def _update(obj, action: str, *, by: User, changes: dict[str, Any],
            allowed: list[str] | None = None):
    if allowed is not None:
        forbidden = sorted(set(changes) - set(allowed))
        if forbidden:
            raise PermissionError(f"fields not allowed: {', '.join(forbidden)}")
    # The audit's "before" is the stored row, not the caller's object: a validated ModelForm
    # has already written the new values into its instance.
    caller_obj = obj
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = audit.snapshot(obj)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean()
    obj.save()
    old, new = audit.diff(before, audit.snapshot(obj))
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    if new:
        audit.record(action, obj, before=old, after=new, actor=by)
    # Keep the caller's object (and objects caching it as a relation) in step with the row.
    for field in obj._meta.concrete_fields:
        setattr(caller_obj, field.attname, getattr(obj, field.attname))
    return caller_obj


@transaction.atomic
def create_program(*, by: User, **fields) -> Program:
    return _create(Program, "program.created", by=by, **fields)


@transaction.atomic
def update_program(*, program: Program, by: User, **changes) -> Program:
    return _update(program, "program.updated", by=by, changes=changes)


def _check_partner_tenancy(program: Program, organisation: Organisation) -> None:
    if organisation.kind != Organisation.Kind.PARTNER or (
            organisation.agency_id != program.operator_id):
        raise ValidationError({"organisation": _(
            "Choose a partner company managed by this program's agency.")})


@transaction.atomic
def add_partner(*, program: Program, by: User, organisation: Organisation | None = None,
                new_company_ko: str = "", new_company_en: str = "", **fields) -> Partner:
    """Add a global partner with its sub-program to ``program``.

    Either ``organisation`` (a partner company managed by the program's agency) or the name of
    a new company (``new_company_ko``, optionally ``new_company_en``) is given; a new company's
    record is managed by the program's agency (tenancy model, docs/decisions.md).
    Raises ValidationError for a company of another agency. Side effects: audit
    ``organisation.created`` (new company) and ``partner.added``.
    """
    if organisation is None:
        if not new_company_ko.strip():
            raise ValidationError({"organisation": _(
                "Choose a partner company or enter the name of a new one.")})
        organisation = Organisation(kind=Organisation.Kind.PARTNER, name_ko=new_company_ko,
                                     name_en=new_company_en, agency_id=program.operator_id)
        organisation.full_clean()
        organisation.save()
        audit.record("organisation.created", organisation, after=audit.snapshot(organisation),
                     actor=by)
    _check_partner_tenancy(program, organisation)
    return _create(Partner, "partner.added", by=by, program=program, organisation=organisation,
                   **fields)


@transaction.atomic
def update_partner(*, partner: Partner, by: User, **changes) -> Partner:
    """Change a partner's sub-program (or company, within the agency). Audit ``partner.updated``."""
    if "organisation" in changes:
        _check_partner_tenancy(partner.program, changes["organisation"])
    return _update(partner, "partner.updated", by=by, changes=changes)


@transaction.atomic
def create_call(*, program: Program, by: User, **fields) -> Call:
    return _create(Call, "call.created", by=by, program=program, **fields)


@transaction.atomic
def update_call(*, call: Call, by: User, **changes) -> Call:
    return _update(call, "call.updated", by=by, changes=changes)


@transaction.atomic
def publish_call(*, call: Call, by: User) -> Call:
    """Make a call public. A call without tracks cannot be published."""
    if not call.tracks.exists():
        raise ValidationError(_("Add at least one track before publishing the call."))
    return _update(call, "call.published", by=by, changes={"status": Call.Status.PUBLISHED})


@transaction.atomic
def unpublish_call(*, call: Call, by: User) -> Call:
    return _update(call, "call.unpublished", by=by, changes={"status": Call.Status.DRAFT})


@transaction.atomic
def create_track(*, call: Call, by: User, support_items: list[dict] | None = None,
                 **fields) -> Track:
    track = _create(Track, "track.created", by=by, call=call, **fields)
    if support_items is not None:
        replace_support_items(track=track, items=support_items, by=by)
    return track


@transaction.atomic
def update_track(*, track: Track, by: User, partner_only: bool = False, **changes) -> Track:
    """Change a track. With ``partner_only`` only text and keywords may change."""
    return _update(track, "track.updated", by=by, changes=changes,
                   allowed=PARTNER_TRACK_FIELDS if partner_only else None)


@transaction.atomic
def replace_support_items(*, track: Track, items: list[dict], by: User) -> list[SupportItem]:
    """Replace a track's support package with ``items`` (kind and descriptions)."""
    before = [
        {"kind": i.kind, "description_ko": i.description_ko, "description_en": i.description_en}
        for i in track.support_items.order_by("pk")
    ]
    after = [
        {"kind": i["kind"], "description_ko": i["description_ko"],
         "description_en": i["description_en"]}
        for i in items
    ]
    if before == after:
        return list(track.support_items.order_by("pk"))
    track.support_items.all().delete()
    created = []
    for item in after:
        obj = SupportItem(track=track, **item)
        obj.full_clean()
        obj.save()
        created.append(obj)
    audit.record("track.package_changed", track, before={"support_items": before},
                 after={"support_items": after}, actor=by)
    return created
