"""The codes of a ticket: the signed QR payload and the short typed code, and the QR images.

QR payload
    ``KBT1:<event id>:<ticket code>:<signature>`` — :class:`django.core.signing.Signer` with the
    salt :data:`SALT` (an HMAC-SHA256 keyed with ``SECRET_KEY``), so a payload cannot be forged
    or edited without the server's key, and one event's ticket is refused at another event's
    door. The random ``code`` (:func:`new_code`) is what makes a revoked and re-issued ticket's
    old QR worthless.

Typed code
    Ten characters of Crockford's Base32 (:data:`ALPHABET`: digits and letters without I, L,
    O and U; https://www.crockford.com/base32.html) — nine random and a Luhn mod N check
    character (``python-stdnum``; mod 32, which catches every single mistyped character and
    most swapped neighbours) — shown as ``XXXXX-XXXXX``. :func:`normalize_typed_code` accepts
    it in any case, with spaces and hyphens anywhere, in full-width forms (``ａｂｃ－１２``,
    as typed on Korean keyboards), and reads the look-alikes O as 0 and I/L as 1, as
    Crockford's decoding does.

QR images
    ``segno`` (pure Python, no Pillow; docs/decisions.md "Events: tickets and check-in"):
    SVG for the page (no inline style, so it passes our Content-Security-Policy) and PNG for
    the e-mail.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass

import segno
from django.core import signing
from stdnum import luhn

from kbridge.core.text import clean_text, fold_width

#: Crockford's Base32: no I, L, O (read as 1, 1, 0 when typed) and no U. Luhn mod N needs an
#: even N for its doubling to be one-to-one (with 31 symbols two typos go unnoticed).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Random characters of a typed code (32**9 ≈ 3.5e13), plus one check character.
SHORT_CODE_RANDOM = 9
SHORT_CODE_LENGTH = SHORT_CODE_RANDOM + 1
SALT = "kbridge.events.ticket"
PREFIX = "KBT1"
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d_.]+")


class CodeError(ValueError):
    """A payload or typed code that names no ticket; ``reason`` is a translatable code name:
    ``malformed``, ``signature`` or ``check``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_code() -> str:
    """32 random URL-safe characters (192 bits) for the QR payload."""
    return secrets.token_urlsafe(24)


def new_short_code() -> str:
    """Nine random characters of :data:`ALPHABET` and their Luhn mod 32 check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(SHORT_CODE_RANDOM))
    return body + luhn.calc_check_digit(body, alphabet=ALPHABET)


def display_short_code(short_code: str) -> str:
    """``ABCDE12345`` → ``ABCDE-12345`` (the way it is printed)."""
    half = len(short_code) // 2
    return f"{short_code[:half]}-{short_code[half:]}"


def normalize_typed_code(value: str) -> str:
    """What someone typed as the canonical ten-character code.

    Full-width forms are folded (``kbridge.core.text.fold_width``), spaces, hyphens and dashes
    removed, letters upper-cased, O read as 0 and I/L as 1. Raises :class:`CodeError` ``malformed`` for a wrong length
    or a character outside :data:`ALPHABET`, ``check`` for a wrong check character (a typo).
    """
    text = _SEPARATORS.sub("", fold_width(clean_text(value or ""))).upper().translate(
        _LOOK_ALIKES)
    if len(text) != SHORT_CODE_LENGTH or any(c not in ALPHABET for c in text):
        raise CodeError("malformed")
    if not luhn.is_valid(text, alphabet=ALPHABET):
        raise CodeError("check")
    return text


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def sign_payload(event_id: int, code: str) -> str:
    """The QR payload of a ticket (see the module doc); ASCII, about 90 characters."""
    return _signer().sign(f"{PREFIX}:{event_id}:{code}")


@dataclass(frozen=True)
class Payload:
    event_id: int
    code: str


def read_payload(payload: str) -> Payload:
    """The event id and ticket code a scanned payload names, once its signature is checked.

    Raises :class:`CodeError` ``signature`` when the signature does not match (tampered,
    or signed with another key) and ``malformed`` when it is not a ticket payload at all.
    """
    text = (payload or "").strip()
    if not text.startswith(PREFIX + ":") or len(text) > 300:
        raise CodeError("malformed")
    try:
        value = _signer().unsign(text)
    except signing.BadSignature as exc:
        raise CodeError("signature") from exc
    prefix, _sep, rest = value.partition(":")
    event_id, _sep, code = rest.partition(":")
    if prefix != PREFIX or not event_id.isdigit() or not code:
        raise CodeError("malformed")
    return Payload(int(event_id), code)


def qr(payload: str) -> segno.QRCode:
    """The QR code of ``payload`` (error correction M, at least; segno raises it when the
    version allows)."""
    return segno.make_qr(payload, error="m")


def qr_svg(payload: str, *, scale: int = 6) -> str:
    """The QR code as an inline ``<svg>`` element (no XML declaration, no inline style: the
    size comes from the CSS class ``ticket-qr``; a viewBox scales it). The page names it
    with ``aria-label`` on its container."""
    buffer = io.BytesIO()
    qr(payload).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False,
                     svgns=True, omitsize=True, svgclass="ticket-qr", lineclass=None,
                     dark="#000", light="#fff")
    return buffer.getvalue().decode()


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    """The QR code as a PNG image (bytes), with the standard four-module quiet zone."""
    buffer = io.BytesIO()
    qr(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
