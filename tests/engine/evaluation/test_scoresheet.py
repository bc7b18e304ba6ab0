"""weighted_total: a scoresheet's criterion levels → one score on 0–100."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kbridge.engine.evaluation import ScoreInputError, weighted_total


def test_worked_example_weights_need_not_add_up_to_100():
    """Weights 30 and 20 (sum 50), scale 1–5; levels 5 and 3.

    fractions: (5−1)/4 = 1.0 and (3−1)/4 = 0.5; total = 100 · (30·1.0 + 20·0.5) / 50 = 80.
    """
    assert weighted_total({"tech": 5, "market": 3}, {"tech": 30, "market": 20}, 1, 5) == 80.0


def test_top_and_bottom_of_the_scale_are_100_and_0():
    weights = {"a": 17, "b": 0.3, "c": 5}
    assert weighted_total({"a": 7, "b": 7, "c": 7}, weights, 1, 7) == 100.0
    assert weighted_total({"a": 1, "b": 1, "c": 1}, weights, 1, 7) == 0.0


def test_a_criterion_of_weight_zero_is_scored_but_does_not_count():
    """(4−0)/4 = 1 with weight 1, the zero-weight level is ignored: 100 · 1 / 1 = 100."""
    assert weighted_total({"a": 4, "b": 0}, {"a": 1, "b": 0}, 0, 4) == 100.0


def test_decimal_levels_and_weights_from_the_database_are_accepted():
    """Levels 2.5 on 0–5 is 0.5 → 50.0."""
    assert weighted_total({"a": Decimal("2.5")}, {"a": Decimal("10")}, 0, 5) == 50.0


@pytest.mark.parametrize(
    ("levels", "weights", "scale", "code"),
    [
        ({"a": 3}, {"a": 1, "b": 1}, (1, 5), "missing_level"),
        ({"a": 3, "z": 2}, {"a": 1}, (1, 5), "unknown_criterion"),
        ({"a": 6}, {"a": 1}, (1, 5), "level_out_of_scale"),
        ({"a": 0.999}, {"a": 1}, (1, 5), "level_out_of_scale"),
        ({"a": float("nan")}, {"a": 1}, (1, 5), "level_not_a_number"),
        ({"a": "3"}, {"a": 1}, (1, 5), "level_not_a_number"),
        ({"a": True}, {"a": 1}, (1, 5), "level_not_a_number"),
        ({"a": 3}, {"a": -1}, (1, 5), "bad_weight"),
        ({"a": 3}, {"a": float("inf")}, (1, 5), "bad_weight"),
        ({"a": 3}, {"a": 0}, (1, 5), "no_weight"),
        ({}, {}, (1, 5), "no_weight"),
        ({"a": 3}, {"a": 1}, (5, 5), "bad_scale"),
        ({"a": 3}, {"a": 1}, (5, 1), "bad_scale"),
    ],
)
def test_bad_sheets_are_refused_with_a_code(levels, weights, scale, code):
    with pytest.raises(ScoreInputError) as caught:
        weighted_total(levels, weights, *scale)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.message
