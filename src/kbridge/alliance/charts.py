"""Bar charts drawn on the server as SVG geometry (docs/decisions.md, "KPI charts").

:func:`bar_chart` turns ``[(label, value), …]`` into a :class:`BarChart` of rectangles, axis
ticks and texts in a fixed ``viewBox``; the template ``alliance/kpis/_bar_chart.html`` writes
them as inline ``<svg>`` with class names only (colours in ``kpis.css``), which our strict
Content-Security-Policy allows: no script, no ``style`` attribute or element. Every chart on a
page is followed by a table of the same numbers.

Pure Python: no Django, so the geometry is tested on its own (``tests/alliance/test_charts.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 60, 4, 22, 30
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the category (a year, a stage)
    value: int
    text: str  # the value as shown above the bar
    label_x: float  # the middle of the bar, where its texts are centred


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    baseline: float  # the y of the zero line
    left: float
    right: float
    label_y: float  # where the category labels sit


def nice_step(maximum: float, ticks: int = TICKS) -> int:
    """The smallest step of 1, 2 or 5 × 10ⁿ (at least 1) that covers ``maximum`` in ``ticks``
    steps: ``nice_step(3000) == 1000``, ``nice_step(3) == 1``, ``nice_step(0) == 1``."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for multiple in (1, 2, 5, 10):
        step = multiple * power
        if step * ticks >= maximum:
            return int(step)
    return int(10 * power)  # pragma: no cover - 10 × power always covers


def bar_chart(points: Sequence[tuple[str, int]],
              fmt: Callable[[int], str] = str) -> BarChart:
    """Vertical bars, one per ``(label, value)`` in order, on an axis from 0 to a round top
    (negative values are drawn as 0: the figures counted here never are). ``fmt`` writes a
    value as text (ticks and the number above each bar)."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([max(0, v) for _, v in points] + [0])
    step = nice_step(top)
    ceiling = step * max(1, math.ceil(top / step))
    baseline = TOP + plot_height
    ticks = [Tick(round(baseline - plot_height * i * step / ceiling, 1), fmt(i * step))
             for i in range(int(ceiling / step) + 1)]
    bars = []
    slot = plot_width / max(1, len(points))
    width = min(48.0, slot * 0.6)
    for i, (label, value) in enumerate(points):
        height = plot_height * max(0, value) / ceiling
        x = LEFT + slot * i + (slot - width) / 2
        bars.append(Bar(x=round(x, 1), y=round(baseline - height, 1), width=round(width, 1),
                        height=round(height, 1), label=label, value=value, text=fmt(value),
                        label_x=round(x + width / 2, 1)))
    return BarChart(WIDTH, HEIGHT, bars, ticks, baseline, LEFT, WIDTH - RIGHT,
                    label_y=baseline + 20)


def compact_krw(value: int, lang: str) -> str:
    """A won amount short enough for a chart label: ``201.4억`` / ``1.2조`` / ``3,500만`` in
    Korean, ``₩201.4B`` / ``₩35M`` in English; below ten thousand won the plain number."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    if lang[:2] == "ko":
        units = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
    else:
        units = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))
    prefix = "" if lang[:2] == "ko" else "₩"
    for size, unit in units:
        if value >= size:
            number = value / size
            text = f"{number:,.1f}".removesuffix(".0") if number < 1000 else f"{number:,.0f}"
            return f"{sign}{prefix}{text}{unit}"
    return f"{sign}{prefix}{value:,}"


def grouped(value: int) -> str:
    """``3,000``."""
    return f"{value:,}"
