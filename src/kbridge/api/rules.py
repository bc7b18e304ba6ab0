"""Who may manage API tokens and webhook subscriptions (named predicates, docs/api.md)."""

from __future__ import annotations

import rules

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids

#: Roles that manage an organisation's tokens and webhooks: operator staff (of their agency),
#: partner admins and startup representatives.
MANAGER_ROLES = (Membership.Role.OPERATOR, Membership.Role.PARTNER_ADMIN,
                 Membership.Role.STARTUP_REPRESENTATIVE)


def managed_organisation_ids(user) -> set[int]:
    """Organisations whose tokens and webhooks ``user`` manages (by their own membership)."""
    if user is None or not user.is_authenticated:
        return set()
    return organisation_ids(user, *MANAGER_ROLES)


@rules.predicate
def is_token_maker(user, token) -> bool:
    return token is not None and token.user_id == user.pk


@rules.predicate
def manages_token_organisation(user, token) -> bool:
    """Operator staff, partner admins and startup representatives of the token's organisation."""
    if token is None or not token.organisation_id:
        return False
    return token.organisation_id in managed_organisation_ids(user)


@rules.predicate
def manages_an_organisation(user) -> bool:
    return bool(managed_organisation_ids(user))


@rules.predicate
def manages_subscription_organisation(user, subscription) -> bool:
    return (subscription is not None
            and subscription.organisation_id in managed_organisation_ids(user))


rules.add_perm("api.use_tokens", rules.is_authenticated & rules.is_active)
rules.add_perm("api.revoke_token", is_token_maker | manages_token_organisation)
rules.add_perm("api.manage_webhooks", rules.is_active & manages_an_organisation)
rules.add_perm("api.manage_webhook", rules.is_active & manages_subscription_organisation)
