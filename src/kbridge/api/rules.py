"""Who may manage API tokens and webhook subscriptions (named predicates, docs/api.md)."""

from __future__ import annotations

import rules

from kbridge.accounts.models import Membership


@rules.predicate
def is_token_maker(user, token) -> bool:
    return token is not None and token.user_id == user.pk


@rules.predicate
def manages_token_organisation(user, token) -> bool:
    """Operator staff, partner admins and startup representatives of the token's organisation."""
    if token is None or not token.organisation_id:
        return False
    return Membership.objects.filter(
        user=user, organisation_id=token.organisation_id,
        role__in=[Membership.Role.OPERATOR, Membership.Role.PARTNER_ADMIN,
                  Membership.Role.STARTUP_REPRESENTATIVE]).exists()


rules.add_perm("api.use_tokens", rules.is_authenticated & rules.is_active)
rules.add_perm("api.revoke_token", is_token_maker | manages_token_organisation)
