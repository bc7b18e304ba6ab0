"""Who may see and change startup profiles and applications."""

from __future__ import annotations

import rules

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.rules import is_verified
from kbridge.accounts.selectors import organisation_ids
from kbridge.programs.rules import is_program_operator

STARTUP_ROLES = (Membership.Role.STARTUP_REPRESENTATIVE, Membership.Role.STARTUP_MEMBER)


def _org_id(obj) -> int | None:
    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "applicant_id", None) or getattr(obj, "organisation_id", None)


@rules.predicate
def is_startup_member_of(user, obj) -> bool:
    """The user belongs to the startup that owns this profile or application."""
    return _org_id(obj) in organisation_ids(user, *STARTUP_ROLES)


@rules.predicate
def is_startup_representative_of(user, obj) -> bool:
    return _org_id(obj) in organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE)


@rules.predicate
def is_application_operator(user, application) -> bool:
    return is_program_operator(user, application.program)


rules.add_perm("applications.view_application", is_startup_member_of | is_application_operator)
rules.add_perm("applications.change_application", is_startup_member_of)
# Acting for the company (withdrawing, and reaching the submit action at all) is the
# representative's; starting and submitting also need a verified e-mail address, so receipts
# and results reach a mailbox the person controls (services refuse it too).
rules.add_perm("applications.act_for_applicant", is_startup_representative_of)
rules.add_perm("applications.start_application", is_startup_representative_of & is_verified)
rules.add_perm("applications.submit_application", is_startup_representative_of & is_verified)
rules.add_perm("applications.view_profile", is_startup_member_of)
rules.add_perm("applications.change_profile", is_startup_representative_of)
rules.add_perm("applications.manage_call_applications", is_program_operator)
