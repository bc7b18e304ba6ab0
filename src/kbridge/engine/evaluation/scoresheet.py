"""A scoresheet's weighted total on the 0–100 scale.

Rubric criteria carry weights (any non-negative numbers; they need not add up to 100) and are
scored on one scale, e.g. levels 1–5 with anchored descriptors. Each level is mapped linearly
from ``[scale_min, scale_max]`` onto ``[0, 1]``, and the total is the weighted mean of those
fractions times 100, so a sheet at the top of the scale everywhere scores 100 and one at the
bottom everywhere scores 0, whatever the weights add up to.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from decimal import Decimal
from numbers import Real

from .errors import ScoreInputError


def as_number(value: object) -> float | None:
    """``value`` as a float if it is a real number (int, float, Decimal; not bool), else None."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    return float(value)


def weighted_total(
    levels: Mapping[Hashable, float],
    weights: Mapping[Hashable, float],
    scale_min: float,
    scale_max: float,
) -> float:
    """Weighted total of one scoresheet, a float in [0, 100].

    ``levels`` maps criterion → the level given (int, float or Decimal, within
    ``[scale_min, scale_max]``); ``weights`` maps criterion → weight (≥ 0, at least one > 0).
    Every weighted criterion needs a level, and every level a weight (a criterion of weight 0
    must still be scored: the rubric shows it).

        total = 100 · Σ_c w_c · (level_c − scale_min) / (scale_max − scale_min) / Σ_c w_c

    Example: weights {a: 30, b: 20}, scale 1–5, levels {a: 5, b: 3} →
    100 · (30·1 + 20·0.5) / 50 = 80.0.

    Raises :class:`ScoreInputError` (a ``ValueError``) with code ``bad_scale``, ``bad_weight``,
    ``no_weight``, ``missing_level``, ``unknown_criterion``, ``level_not_a_number`` or
    ``level_out_of_scale``.
    """
    lo, hi = as_number(scale_min), as_number(scale_max)
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise ScoreInputError("bad_scale", scale_min=scale_min, scale_max=scale_max)
    for criterion, weight in weights.items():
        w = as_number(weight)
        if w is None or not math.isfinite(w) or w < 0:
            raise ScoreInputError("bad_weight", criterion=criterion, weight=weight)
    for criterion in levels:
        if criterion not in weights:
            raise ScoreInputError("unknown_criterion", criterion=criterion)
    parts: list[float] = []
    total_weight: list[float] = []
    for criterion, weight in weights.items():
        if criterion not in levels:
            raise ScoreInputError("missing_level", criterion=criterion)
        level = as_number(levels[criterion])
        if level is None or not math.isfinite(level):
            raise ScoreInputError("level_not_a_number", criterion=criterion, level=levels[criterion])
        if not lo <= level <= hi:
            raise ScoreInputError("level_out_of_scale", criterion=criterion, level=levels[criterion],
                                  scale_min=scale_min, scale_max=scale_max)
        w = float(weight)
        parts.append(w * ((level - lo) / (hi - lo)))
        total_weight.append(w)
    denominator = math.fsum(total_weight)
    if denominator <= 0:
        raise ScoreInputError("no_weight")
    return min(100.0, max(0.0, 100.0 * math.fsum(parts) / denominator))
