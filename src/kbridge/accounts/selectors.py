from __future__ import annotations

from kbridge.accounts.models import Membership


def memberships_of(user) -> list[Membership]:
    """The user's memberships, cached on the user object for the length of a request."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_kbridge_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        user._kbridge_memberships = cached
    return cached


def organisation_ids(user, *roles: str) -> set[int]:
    return {m.organisation_id for m in memberships_of(user) if not roles or m.role in roles}


def has_role(user, *roles: str) -> bool:
    return any(m.role in roles for m in memberships_of(user))


def forget_memberships(user) -> None:
    if hasattr(user, "_kbridge_memberships"):
        del user._kbridge_memberships
