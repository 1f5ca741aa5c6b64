"""Geometry of the monthly bar charts of the usage and cost page, as pure functions. The SVG is
drawn by ``templates/usage/_bar_chart.html`` (every label escaped), no JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils import formats

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the month, on the axis
    value_label: str  # the value, in the bar's tooltip


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = WIDTH - RIGHT
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(b.height > 0 for b in self.bars)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return self.left - 6


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above ``value`` (a round axis top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _fmt(value: float) -> str:
    # The active language's decimal mark: 1.5k in English, 1,5k in German.
    mark = formats.get_format("DECIMAL_SEPARATOR")
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M".replace(".", mark)
    if value >= 1_000:
        return f"{value / 1_000:g}k".replace(".", mark)
    return f"{value:g}".replace(".", mark)


def bar_chart(title: str, points: list[tuple[str, float | None, str]]) -> BarChart:
    """``points``: (axis label, value or None, value label), oldest first; negatives (credits
    larger than the charges) are drawn as zero-height bars and said in the label."""
    top_value = nice_max(max([v for _, v, _ in points if v] or [0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(points))
    bars = []
    for i, (label, value, value_label) in enumerate(points):
        h = plot_h * max(0.0, value or 0.0) / top_value
        bars.append(
            Bar(
                x=LEFT + i * slot + slot * 0.15,
                y=TOP + plot_h - h,
                width=slot * 0.7,
                height=h,
                label=label,
                value_label=value_label,
            )
        )
    ticks = [Tick(TOP + plot_h * (1 - f), _fmt(top_value * f)) for f in (0, 0.5, 1)]
    return BarChart(title=title, bars=bars, y_ticks=ticks)
