"""Rate limits and login throttling on an atomic counter in the database.

Every limited action first *reserves* its attempt: one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` statement adds 1 to the counter of ``(scope, subject, window)`` and returns the new
value, and only when that value is within the limit does the action go ahead. The reservation
comes before the costly part (checking a password, sending mail), so under any concurrency, in
any number of processes, no more attempts go ahead than the limit. The database is shared by
every gunicorn worker, on SQLite and PostgreSQL alike, unlike the per-process ``LocMemCache``.

Limits are fixed windows aligned to the Unix epoch: ``"10/15m"`` allows 10 hits per subject in
each quarter hour; ``retry_after`` is the time until the window ends. Rates are read from
``settings.KBRIDGE_THROTTLE_RATES`` by scope name. See docs/decisions.md, "Throttling design".
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import ngettext

from kbridge.core.models import ThrottleCounter
from kbridge.core.rates import Rate, parse_rate


def rate_for(scope: str) -> Rate:
    try:
        return parse_rate(settings.KBRIDGE_THROTTLE_RATES[scope])
    except KeyError as exc:
        raise ImproperlyConfigured(f"KBRIDGE_THROTTLE_RATES has no rate for {scope!r}") from exc


@dataclass(frozen=True)
class Verdict:
    """The outcome of one reservation.

    ``hits`` counts this attempt; ``retry_after`` is whole seconds until the window ends.
    """

    scope: str
    name: str
    window_start: int
    hits: int
    limit: int
    retry_after: int

    @property
    def allowed(self) -> bool:
        return self.hits <= self.limit

    @property
    def message(self) -> str:
        return refusal_message(self.scope, self.retry_after)


def refusal_message(scope: str, retry_after: int) -> str:
    """The translated sentence shown with a 429 for ``scope``."""
    minutes = max(1, math.ceil(retry_after / 60))
    if scope == "login-account-address":
        text = ngettext(
            "Too many sign-in attempts for this account from your network. Try again in "
            "%(minutes)s minute, or reset your password: a successful reset lifts this limit "
            "at once.",
            "Too many sign-in attempts for this account from your network. Try again in "
            "%(minutes)s minutes, or reset your password: a successful reset lifts this limit "
            "at once.", minutes)
    elif scope == "login-address":
        text = ngettext(
            "Too many sign-in attempts from your network. Try again in %(minutes)s minute.",
            "Too many sign-in attempts from your network. Try again in %(minutes)s minutes.",
            minutes)
    elif scope == "password-reset-email":
        text = ngettext(
            "Too many password reset requests for this e-mail address. Try again in "
            "%(minutes)s minute; links already sent still work.",
            "Too many password reset requests for this e-mail address. Try again in "
            "%(minutes)s minutes; links already sent still work.", minutes)
    elif scope == "search":
        text = ngettext(
            "Too many searches in a short time. Try again in %(minutes)s minute.",
            "Too many searches in a short time. Try again in %(minutes)s minutes.", minutes)
    elif scope == "qna-question":
        text = ngettext(
            "You have asked several questions in a short time. Your question is still here: "
            "send it again in %(minutes)s minute.",
            "You have asked several questions in a short time. Your question is still here: "
            "send it again in %(minutes)s minutes.", minutes)
    elif scope == "qna-vote":
        text = ngettext(
            "Too many votes in a short time. Try again in %(minutes)s minute.",
            "Too many votes in a short time. Try again in %(minutes)s minutes.", minutes)
    else:
        text = ngettext(
            "Too many requests of this kind. Nothing was sent or saved; try again in "
            "%(minutes)s minute.",
            "Too many requests of this kind. Nothing was sent or saved; try again in "
            "%(minutes)s minutes.", minutes)
    return text % {"minutes": minutes}


def _increment(name: str, window_start: int, expires_at: int) -> int:
    table = connection.ops.quote_name(ThrottleCounter._meta.db_table)
    # Only the table name is formatted in; every value is a query parameter.
    sql = (
        f"INSERT INTO {table} (name, window_start, hits, expires_at) "  # noqa: S608
        f"VALUES (%s, %s, 1, %s) "
        f"ON CONFLICT (name, window_start) DO UPDATE SET hits = {table}.hits + 1 "
        f"RETURNING hits"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, window_start, expires_at])
        hits = cursor.fetchone()[0]
    if hits == 1:
        # A new window: clear windows that have ended (keeps the table small).
        ThrottleCounter.objects.filter(expires_at__lte=window_start).delete()
    return hits


def hit(scope: str, subject: str, *, now: float | None = None) -> Verdict:
    """Reserve one attempt of ``subject`` in ``scope`` and say whether it may go ahead.

    ``subject`` is a client address, a user id or a hash; the rate comes from
    ``KBRIDGE_THROTTLE_RATES[scope]`` (ImproperlyConfigured when missing or malformed);
    ``now`` is Unix seconds (default: the clock). Refused attempts count too (a flood stays
    refused). One write to the database, committed at once outside a transaction.
    """
    rate = rate_for(scope)
    now = time.time() if now is None else now
    window_start = int(now // rate.seconds) * rate.seconds
    name = f"{scope}:{subject}"[:200]
    hits = _increment(name, window_start, window_start + rate.seconds)
    retry_after = max(1, math.ceil(window_start + rate.seconds - now))
    return Verdict(scope, name, window_start, hits, rate.limit, retry_after)


def refund(verdict: Verdict) -> None:
    """Give back the attempt ``verdict`` reserved (e.g. a login that succeeded)."""
    ThrottleCounter.objects.filter(name=verdict.name, window_start=verdict.window_start,
                                   hits__gt=0).update(hits=F("hits") - 1)


def forget(verdict: Verdict) -> None:
    """Forget every window of the counter ``verdict`` belongs to (e.g. after a success)."""
    ThrottleCounter.objects.filter(name=verdict.name).delete()


def clear(scope: str, subject_prefix: str) -> int:
    """Forget every window of ``scope`` whose subject starts with ``subject_prefix``.

    Returns the number of counters removed.
    """
    deleted, _by_model = ThrottleCounter.objects.filter(
        name__startswith=f"{scope}:{subject_prefix}").delete()
    return deleted


def email_subject(email: str) -> str:
    """A stable, non-reversible subject for an e-mail address (addresses are not stored)."""
    normalised = (email or "").strip().lower().encode()
    return hashlib.sha256(normalised).hexdigest()[:32]


def client_address(request: HttpRequest) -> str:
    """The client's network address as a throttling subject.

    Without trusted proxies (``KBRIDGE_TRUSTED_PROXY_COUNT = 0``) this is ``REMOTE_ADDR``.
    Behind N trusted reverse proxies, each appending to ``X-Forwarded-For``, it is the N-th
    entry from the right (entries further left are whatever the client sent and are ignored).
    IPv6 addresses are reduced to their /64, which one client usually holds as a whole.
    Returns ``"unknown"`` when no valid address is found.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.KBRIDGE_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def refuse_form(form, scope: str, subject: str) -> Verdict | None:
    """Reserve an attempt for a valid ``form``; when refused, add the message to the form.

    Returns the refusing verdict (for ``mark_refused``), or None when the action may go ahead.
    The form is re-rendered with everything typed, so nothing is lost while waiting.
    """
    verdict = hit(scope, subject)
    if verdict.allowed:
        return None
    form.add_error(None, verdict.message)
    return verdict


def mark_refused(response: HttpResponse, verdict: Verdict | None) -> HttpResponse:
    """Make ``response`` a 429 with ``Retry-After`` when ``verdict`` refused (else unchanged)."""
    if verdict is None:
        return response
    response.status_code = 429
    response["Retry-After"] = str(verdict.retry_after)
    return response


def refused_response(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    """A 429 page (or, for HTMX requests, a fragment) with ``Retry-After`` and the message.

    HTMX does not swap 4xx answers by default; the fragment carries ``HX-Reswap: none`` so a
    client configured to swap errors leaves the page as it is, and the status and header tell
    it when to try again.
    """
    context = {"message": verdict.message, "retry_after": verdict.retry_after}
    if is_htmx(request):
        response = HttpResponse(render_to_string("core/_throttled.html", context, request))
        response["HX-Reswap"] = "none"
    else:
        response = HttpResponse(render_to_string("core/throttled.html", context, request))
    return mark_refused(response, verdict)
