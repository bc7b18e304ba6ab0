"""Base predicates about who a user is. Object predicates live in each domain app's rules.py."""

from __future__ import annotations

import rules

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import has_role
from kbridge.accounts.tenancy import PARTNER_ROLES

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


rules.add_perm("accounts.invite", is_operator | is_partner_admin)
