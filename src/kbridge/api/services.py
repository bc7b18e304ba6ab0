"""State changes of API tokens: make and revoke (each audited; docs/api.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership
from kbridge.api.models import AREAS, READ_ONLY_AREAS, ApiToken
from kbridge.core import audit
from kbridge.core.text import clean_text, fold_width

#: The longest a token may live (and the default): docs/decisions.md, "API: tokens".
MAX_LIFETIME = timedelta(days=365)
DEFAULT_LIFETIME = timedelta(days=90)


def _latest_expiry(now):
    """The end (23:59:59 KST) of the day :data:`MAX_LIFETIME` after today in KST: the token
    page offers days, so "365 days ahead" is that whole day (issue 17's tester: the day a
    year ahead was refused)."""
    last_day = timezone.localdate(now) + MAX_LIFETIME
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


def _clean_scopes(scopes: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for area, level in (scopes or {}).items():
        if area not in AREAS or level not in ("read", "write"):
            raise ValidationError({"scopes": _("Unknown scope: %(scope)s") % {
                "scope": f"{area}:{level}"}})
        # Write includes read; an area with nothing to change grants read (a token asked
        # with every area's write scope is still made, and shows what it may do).
        cleaned[area] = "read" if area in READ_ONLY_AREAS else level
    if not cleaned:
        raise ValidationError({"scopes": _("Choose at least one area.")})
    return cleaned


class AlreadyMade(Exception):  # noqa: N818 - the name reads as the outcome it reports
    """The form with this one-time key already made ``row`` (its secret was shown then)."""

    def __init__(self, row):
        super().__init__(str(row))
        self.row = row


@transaction.atomic
def create_token(*, user, name: str, scopes: dict[str, str], expires_at=None,
                 organisation=None, form_key: str = "") -> tuple[ApiToken, str]:
    """Make a token for ``user`` and return ``(row, token)``; the token text is shown once.
    A ``form_key`` already used by ``user`` raises :class:`AlreadyMade` (a page reloaded).

    ``scopes`` maps areas of :data:`api.models.AREAS` to ``"read"`` or ``"write"``
    (``write`` of a :data:`api.models.READ_ONLY_AREAS` area is stored as ``read``);
    ``expires_at`` defaults to 90 days and may be at most 365 days ahead; an ``organisation``
    must be one of the user's. Raises ``ValidationError`` (per field) otherwise.
    """
    now = timezone.now()
    name = fold_width(clean_text(name or "")).replace("\n", " ").strip()[:80]
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the system that will use it.")
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    elif expires_at > _latest_expiry(now):
        errors["expires_at"] = _("A token may live at most 365 days.")
    if organisation is not None and not Membership.objects.filter(
            user=user, organisation=organisation).exists():
        errors["organisation"] = _("You are not a member of this organisation.")
    try:
        scopes = _clean_scopes(scopes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    made = ApiToken.objects.filter(user=user, form_key=form_key).first() if form_key else None
    if made is not None:
        raise AlreadyMade(made)
    token, prefix, token_hash = ApiToken.new_secret()
    try:
        with transaction.atomic():
            row = ApiToken.objects.create(user=user, organisation=organisation, name=name,
                                          prefix=prefix, token_hash=token_hash, scopes=scopes,
                                          expires_at=expires_at, form_key=form_key[:40])
    except IntegrityError as exc:  # the same form sent twice at once
        raise AlreadyMade(ApiToken.objects.get(user=user, form_key=form_key[:40])) from exc
    audit.record("api.token_created", row, after={
        "name": name, "scopes": scopes, "expires_at": expires_at.isoformat(),
        "organisation": organisation.pk if organisation else None})
    return row, token


@transaction.atomic
def revoke_token(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` at once (idempotent: a revoked token stays revoked as it was)."""
    row = ApiToken.objects.select_for_update().get(pk=token.pk)
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at", "updated_at"])
        audit.record("api.token_revoked", row, actor=actor, before={"revoked_at": None},
                     after={"revoked_at": row.revoked_at.isoformat()})
    return row
