"""Rate strings of ``KBRIDGE_THROTTLE_RATES`` (pure: the settings module parses them too)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    """``limit`` hits per ``seconds``."""

    limit: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"10/15m"`` → ``Rate(10, 900)``; units s, m, h, d. Raises ImproperlyConfigured."""
    match = _RATE.match(text or "")
    if not match or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ImproperlyConfigured(f"throttle rate must look like '10/15m', got {text!r}")
    return Rate(int(match.group(1)), int(match.group(2) or 1) * _UNITS[match.group(3)])
