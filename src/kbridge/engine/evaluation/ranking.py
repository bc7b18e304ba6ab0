"""Competition ranking ("1, 2, 2, 4") with ties decided on the values as shown.

Two applications tie when their values are equal after rounding to ``decimals`` places
(default 2, the precision the product shows scores with): what looks equal on the page ranks
equal. Higher values rank first. This is standard competition ranking (the "1224" rule of
sports tables): tied entries share the best place, and the next place skips as many numbers
as entries tied.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

TIE_DECIMALS = 2


@dataclass(frozen=True)
class Place:
    """One entry's rank (1 = best; None when it has no value) and whether it shares it."""

    rank: int | None
    tied: bool


def competition_ranks(
    values: Mapping[Hashable, float | None], *, decimals: int = TIE_DECIMALS
) -> dict[Hashable, Place]:
    """Rank ``values`` (key → number or None) from highest to lowest.

    Returns key → :class:`Place`. Keys whose value is None get ``Place(None, False)``.
    Example: {a: 90, b: 85.001, c: 84.999, d: 70} → a 1, b 2 (tied), c 2 (tied), d 4.
    """
    shown = {key: round(value, decimals) for key, value in values.items() if value is not None}
    counts: dict[float, int] = {}
    for value in shown.values():
        counts[value] = counts.get(value, 0) + 1
    better = 0
    first_place: dict[float, int] = {}
    for value in sorted(counts, reverse=True):
        first_place[value] = better + 1
        better += counts[value]
    return {
        key: (Place(first_place[shown[key]], counts[shown[key]] > 1) if key in shown
              else Place(None, False))
        for key in values
    }
