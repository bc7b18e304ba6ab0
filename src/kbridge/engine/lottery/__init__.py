"""A verifiable lottery: commit to a seed, publish the entrants, reveal the seed, anyone redraws.

Pure Python (standard library only), no Django. Interface::

    from kbridge.engine.lottery import new_seed, commitment, order, draw, verify

    seed = new_seed()                  # 64 hex digits from secrets.token_bytes(32); kept secret
    published = commitment(seed)       # SHA-256 (hex) of the seed's 32 bytes; published first
    draw(seed, ["12", "7", "31"], 2)   # the 2 winners; the same whatever the input order
    order(seed, ["12", "7", "31"])     # every entrant in draw order (winners first)
    verify(seed, published)            # True when the revealed seed is the committed one

The procedure is a commit-reveal draw (Blum, "Coin flipping by telephone", 1981): the seed's
SHA-256 is published with the list of entrants and the number of places *before* the draw, so the
organiser cannot pick a seed that favours someone once the entrants are known, and the seed is
published after, so anyone can recompute the order with ``kbridge-lottery`` or a few lines in any
language: each entrant's ticket is ``sha256(seed_bytes + b"\\x00" + key.encode("utf-8"))``
and entrants are drawn by ticket, smallest hex digest first. Distinct keys give distinct tickets
(a tie would be a SHA-256 collision); the key itself breaks one anyway, so the order is total.

Errors: ``ValueError`` for a seed that is not exactly 64 hexadecimal digits, for entrants that
are not distinct non-empty strings, and for a negative number of places.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

__all__ = ["SEED_BYTES", "commitment", "draw", "new_seed", "order", "ticket", "verify"]

SEED_BYTES = 32
_HEX = frozenset("0123456789abcdefABCDEF")


def _seed_bytes(seed: str) -> bytes:
    if not isinstance(seed, str):
        raise ValueError(f"the seed must be a string of {2 * SEED_BYTES} hex digits")
    if len(seed) != 2 * SEED_BYTES or not set(seed) <= _HEX:
        raise ValueError(
            f"the seed must be exactly {2 * SEED_BYTES} hexadecimal digits (0-9, a-f); "
            f"got {len(seed)} characters"
        )
    return bytes.fromhex(seed)


def new_seed() -> str:
    """A fresh secret seed: 64 lowercase hex digits from ``secrets.token_bytes(32)``."""
    return secrets.token_bytes(SEED_BYTES).hex()


def commitment(seed: str) -> str:
    """The SHA-256 (64 lowercase hex digits) of the seed's 32 bytes, published before the draw.

    Errors: ``ValueError`` when ``seed`` is not 64 hex digits (either case).
    """
    return hashlib.sha256(_seed_bytes(seed)).hexdigest()


def verify(seed: str, published_commitment: str) -> bool:
    """Whether ``seed`` is the one committed to by ``published_commitment`` (hex, either case).

    A malformed commitment is simply not a match (``False``); a malformed seed raises
    ``ValueError`` as in :func:`commitment`. The comparison takes constant time.
    """
    expected = commitment(seed)
    if not isinstance(published_commitment, str):
        return False
    given = published_commitment.strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def ticket(seed: str, key: str) -> str:
    """The entrant's ticket: ``sha256(seed_bytes + b"\\x00" + key.encode("utf-8"))`` in hex."""
    return hashlib.sha256(_seed_bytes(seed) + b"\x00" + key.encode("utf-8")).hexdigest()


def _check_entrants(entrants: Sequence[str]) -> list[str]:
    if isinstance(entrants, str):
        raise ValueError("entrants must be a sequence of keys, not one string")
    keys = list(entrants)
    seen: set[str] = set()
    for key in keys:
        if not isinstance(key, str) or not key:
            raise ValueError(f"every entrant must be a non-empty string; got {key!r}")
        if key in seen:
            raise ValueError(f"the entrant {key!r} appears twice")
        seen.add(key)
    return keys


def order(seed: str, entrants: Sequence[str]) -> list[str]:
    """Every entrant in draw order (first drawn first): by ticket, smallest hex digest first.

    The result depends only on the seed and the *set* of entrants, never on their input order.
    Errors: ``ValueError`` for a malformed seed or entrants that are not distinct non-empty
    strings.
    """
    seed_bytes = _seed_bytes(seed) + b"\x00"
    keys = _check_entrants(entrants)
    tickets = {key: hashlib.sha256(seed_bytes + key.encode("utf-8")).hexdigest() for key in keys}
    return sorted(keys, key=lambda key: (tickets[key], key))


def draw(seed: str, entrants: Sequence[str], places: int) -> list[str]:
    """The ``places`` winners (all entrants when there are fewer): ``order(seed, entrants)[:places]``.

    Errors: as :func:`order`, and ``ValueError`` when ``places`` is not a whole number >= 0.
    """
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"places must be a whole number >= 0; got {places!r}")
    return order(seed, entrants)[:places]
