"""The server-drawn bar charts (alliance/charts.py): pure geometry, no database."""

from __future__ import annotations

import pytest

from kbridge.alliance.charts import HEIGHT, WIDTH, bar_chart, compact_krw, nice_step


@pytest.mark.parametrize(("maximum", "step"), [
    (0, 1), (1, 1), (3, 1), (4, 1), (5, 2), (9, 5), (40, 10), (3000, 1000), (3001, 1000),
    (4001, 2000), (201_400_000_000, 100_000_000_000)])
def test_steps_are_one_two_or_five_times_a_power_of_ten(maximum, step):
    assert nice_step(maximum) == step


def test_bars_stand_on_the_baseline_in_proportion_to_their_values():
    chart = bar_chart([("2023", 3000), ("2024", 1500), ("2025", 0)])
    first, second, third = chart.bars
    assert [b.label for b in chart.bars] == ["2023", "2024", "2025"]
    assert first.y + first.height == second.y + second.height == chart.baseline
    assert second.height == pytest.approx(first.height / 2, abs=0.1)
    assert third.height == 0
    assert [t.text for t in chart.ticks] == ["0", "1000", "2000", "3000"]
    assert chart.ticks[-1].y == pytest.approx(chart.baseline - first.height, abs=0.1)
    assert all(b.x >= 0 and b.x + b.width <= WIDTH for b in chart.bars)
    assert 0 < chart.label_y < HEIGHT


def test_an_empty_or_all_zero_chart_still_has_an_axis():
    assert bar_chart([]).bars == []
    assert [t.text for t in bar_chart([("done", 0)]).ticks] == ["0", "1"]


@pytest.mark.parametrize(("value", "ko", "en"), [
    (201_400_000_000, "2,014억", "₩201.4B"), (3_500_000, "350만", "₩3.5M"),
    (1_200_000_000_000, "1.2조", "₩1.2T"), (9_999, "9,999", "₩10K"), (0, "0", "₩0"),
    (100_000_000, "1억", "₩100M")])
def test_compact_amounts_for_chart_labels(value, ko, en):
    assert (compact_krw(value, "ko"), compact_krw(value, "en")) == (ko, en)
