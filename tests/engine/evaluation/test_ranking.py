"""Competition ranking with ties on the value as shown (2 decimals)."""

from __future__ import annotations

from kbridge.engine.evaluation import Place, competition_ranks


def test_one_two_two_four():
    """85.001 and 84.999 both show as 85.00: they share place 2 and place 3 is skipped."""
    ranks = competition_ranks({"a": 90.0, "b": 85.001, "c": 84.999, "d": 70.0})
    assert ranks == {"a": Place(1, False), "b": Place(2, True), "c": Place(2, True),
                     "d": Place(4, False)}


def test_values_that_show_differently_do_not_tie():
    """85.006 shows as 85.01, 85.004 as 85.00."""
    ranks = competition_ranks({"x": 85.006, "y": 85.004})
    assert ranks == {"x": Place(1, False), "y": Place(2, False)}


def test_missing_values_are_unranked():
    assert competition_ranks({"x": None, "y": 3.0}) == {"x": Place(None, False),
                                                        "y": Place(1, False)}


def test_all_tied():
    assert {p.rank for p in competition_ranks(dict.fromkeys(range(4), 50.0)).values()} == {1}
