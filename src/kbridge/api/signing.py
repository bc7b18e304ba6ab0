"""Webhook signatures: HMAC-SHA256 over the timestamp and the body (pure; no Django).

A delivery carries the header ``X-KBridge-Signature: t=<unix seconds>,v1=<hex digest>``,
where the digest is ``HMAC-SHA256(secret, "<t>." + body)`` over the exact bytes sent. A
receiver recomputes it with the subscription's secret, compares in constant time, and
refuses a timestamp older than its tolerance (five minutes by default) so a captured
request cannot be replayed later; the idempotency key (``X-KBridge-Delivery``, also
``id`` in the body) lets it drop a retry it has already processed. Several ``v1=`` values
may appear while a secret is being rotated: any one matching is enough.

Receivers in Python can use :func:`verify` as it is (docs/webhooks.md)::

    from kbridge.api.signing import verify
    ok = verify(secret, request.headers["X-KBridge-Signature"], request.body)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "X-KBridge-Signature"
SCHEME = "v1"
#: Signatures older (or further in the future) than this are refused by :func:`verify`.
DEFAULT_TOLERANCE = 300
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 43 URL-safe characters (256 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` with ``secret``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value ``t=<timestamp>,v1=<digest>`` for ``body`` (``timestamp``: now)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},{SCHEME}={digest(secret, timestamp, body)}"


def parse(header: str) -> tuple[int | None, list[str]]:
    """``(timestamp, [v1 digests])`` from a header value; ``(None, [])`` when malformed."""
    timestamp, digests = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            digests.append(value)
    return timestamp, digests


def verify(secret: str, header: str, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE,
           now: float | None = None) -> bool:
    """Whether ``header`` is a valid signature of ``body`` with ``secret``, made within
    ``tolerance`` seconds of ``now``."""
    timestamp, digests = parse(header)
    if timestamp is None or not digests:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in digests)
