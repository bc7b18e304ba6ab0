"""Base predicates about who a user is. Object predicates live in each domain app's rules.py."""

from __future__ import annotations

import rules

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import has_role
from kbridge.accounts.tenancy import PARTNER_ROLES, managed_organisations

Role = Membership.Role


@rules.predicate
def is_operator(user) -> bool:
    return has_role(user, Role.OPERATOR)


@rules.predicate
def is_partner_staff(user) -> bool:
    """Staff of a global partner, admins included."""
    return has_role(user, *PARTNER_ROLES)


@rules.predicate
def is_partner_admin(user) -> bool:
    return has_role(user, Role.PARTNER_ADMIN)


@rules.predicate
def is_evaluator(user) -> bool:
    return has_role(user, Role.EVALUATOR)


@rules.predicate
def is_startup_member(user) -> bool:
    return has_role(user, Role.STARTUP_REPRESENTATIVE, Role.STARTUP_MEMBER)


@rules.predicate
def is_verified(user) -> bool:
    return bool(user.is_authenticated and user.email_verified_at)


@rules.predicate
def manages_invitation_organisation(user, invitation) -> bool:
    """The invitation is into an organisation whose people the user manages (tenancy model)."""
    return managed_organisations(user).filter(pk=invitation.organisation_id).exists()


rules.add_perm("accounts.invite", is_operator | is_partner_admin)
rules.add_perm("accounts.revoke_invitation", manages_invitation_organisation)
rules.add_perm("accounts.view_organisations", is_operator)
