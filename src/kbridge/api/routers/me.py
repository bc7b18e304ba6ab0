"""Who the token is: ``GET /api/v1/me`` (any scope)."""


from datetime import datetime

from ninja import Router, Schema

from kbridge.api.auth import TokenAuth

router = Router(auth=TokenAuth(""), tags=["me"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    kind: str
    role: str


class MeOut(Schema):
    id: int
    full_name: str
    email: str
    language: str
    token_name: str
    token_expires_at: datetime
    scopes: dict[str, str]
    memberships: list[MembershipOut]


@router.get("", response=MeOut, summary="The token's person, memberships and scopes")
def me(request):
    user, token = request.user, request.api_token
    memberships = [
        {"organisation_id": m.organisation_id, "organisation": str(m.organisation),
         "kind": m.organisation.kind, "role": m.role}
        for m in user.memberships.select_related("organisation").order_by("pk")
    ]
    return {"id": user.pk, "full_name": user.full_name, "email": user.email,
            "language": user.preferred_language, "token_name": token.name,
            "token_expires_at": token.expires_at, "scopes": token.scopes,
            "memberships": memberships}
