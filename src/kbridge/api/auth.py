"""Bearer-token authentication, scopes and per-token rate limits for the API.

Each router names its area: ``TokenAuth("events")`` needs the area's ``read`` scope for GET
and HEAD and its ``write`` scope for every other method. A valid token makes its person the
request's user (``request.user``) and the audit actor, so services and the web's permission
predicates see the same person the web would (docs/api.md, "Authentication"). Each
authenticated request takes one hit of the ``api-token`` rate (per token), each anonymous
request to a public operation one of ``api-anonymous`` (per network address); both live in
``settings.KBRIDGE_THROTTLE_RATES`` and are counted by ``core.throttle``'s database counter,
shared by every worker process.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from kbridge.accounts.models import Membership
from kbridge.api.errors import InsufficientScope, Throttled
from kbridge.api.models import TOKEN_PREFIX, ApiToken, hash_token
from kbridge.core import context, throttle

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: last_used_at is written at most this often per token (one UPDATE, not one per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _act_as(request: HttpRequest, user) -> None:
    request.user = user
    # AuditContextMiddleware resets this token when the response leaves.
    request._kbridge_actor_token = context.set_actor(user)


def find_token(raw: str) -> ApiToken | None:
    """The active token ``raw`` names, or None (unknown, malformed, expired, revoked, its person
    inactive or deleted, or — for an organisation token — no longer a member there)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    prefix = raw[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + 8]
    row = (ApiToken.objects.active().select_related("user", "organisation")
           .filter(prefix=prefix).first())
    if row is None or not hmac.compare_digest(row.token_hash, hash_token(raw)):
        return None
    user = row.user
    if not user.is_active or user.deleted_at is not None:
        return None
    if row.organisation_id and not Membership.objects.filter(
            user=user, organisation_id=row.organisation_id).exists():
        return None
    return row


def _note_use(request: HttpRequest, row: ApiToken) -> None:
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        address = throttle.client_address(request)
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now, last_used_ip=address)


class TokenAuth(HttpBearer):
    """Authenticate with an API token scoped to ``area`` (see the module docstring); an empty
    ``area`` accepts any valid token whatever its scopes (``GET /me``)."""

    def __init__(self, area: str):
        self.area = area
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        row = find_token(token)
        if row is None:
            return None
        verdict = throttle.hit("api-token", str(row.pk))
        if not verdict.allowed:
            raise Throttled(verdict.retry_after)
        write = request.method not in SAFE_METHODS
        if self.area and not row.allows(self.area, write=write):
            raise InsufficientScope(self.area, write)
        request.api_token = row
        _note_use(request, row)
        _act_as(request, row.user)
        return row


class PublicAccess:
    """Auth for public operations: no token needed, rate-limited per network address.

    Listed after a :class:`TokenAuth` so a request with a token is counted on the token.
    """

    openapi_type = None

    def __call__(self, request: HttpRequest):
        if request.headers.get("Authorization"):
            return None  # a token was sent and refused: the 401 stands
        verdict = throttle.hit("api-anonymous", throttle.client_address(request))
        if not verdict.allowed:
            raise Throttled(verdict.retry_after, anonymous=True)
        request.api_token = None
        # Never the cookie session's user: the API's only credential is the token.
        request.user = AnonymousUser()
        return True

