"""Who may see and change programs, calls and tracks."""

from __future__ import annotations

import rules

from kbridge.accounts.rules import is_operator, is_partner_staff
from kbridge.accounts.tenancy import agency_ids, partner_organisation_ids
from kbridge.programs.models import Call, Partner, Program, SupportItem, Track


def _program_operator_id(obj) -> int | None:
    if isinstance(obj, Program):
        return obj.operator_id
    if isinstance(obj, Partner | Call):
        return obj.program.operator_id
    if isinstance(obj, Track):
        return obj.call.program.operator_id
    if isinstance(obj, SupportItem):
        return obj.track.call.program.operator_id
    return None


@rules.predicate
def is_program_operator(user, obj) -> bool:
    """The user is operator staff of the organisation that runs the object's program."""
    operator_id = _program_operator_id(obj)
    return operator_id is not None and operator_id in agency_ids(user)


@rules.predicate
def is_track_partner(user, track) -> bool:
    """The user works for the global company that owns this track."""
    return isinstance(track, Track) and track.partner.organisation_id in (
        partner_organisation_ids(user))


@rules.predicate
def is_call_partner(user, call) -> bool:
    """The user works for a company with a track in this call (drafts are shared with them)."""
    partner_orgs = partner_organisation_ids(user)
    return bool(partner_orgs) and call.tracks.filter(
        partner__organisation_id__in=partner_orgs
    ).exists()


@rules.predicate
def is_published(user, call) -> bool:
    return call.status == Call.Status.PUBLISHED


rules.add_perm("programs.add_program", is_operator)
rules.add_perm("programs.manage_program", is_program_operator)
rules.add_perm("programs.view_call", is_published | is_program_operator | is_call_partner)
rules.add_perm("programs.change_track", is_program_operator | is_track_partner)
rules.add_perm("programs.change_track_rules", is_program_operator)
rules.add_perm("programs.view_partner_console", is_partner_staff)
