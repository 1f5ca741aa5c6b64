"""Scales for small-multiple charts: one axis per metric, so values of very different magnitude
(an RMSE of 412 beside a MAPE of 0.11) are each readable. Pure: no ORM, no settings.

Shared by the model card's metric panels (documents) and the model page's metrics across
versions (catalog), which is why it lives below both apps. Coordinates computed from these
scales are plain floats; templates draw them inside ``{% localize off %}`` so a German decimal
comma never reaches an SVG attribute (commit 8db16b2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def is_number(value: Any) -> bool:
    """A finite int or float that is not a bool: what a chart can draw."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def format_number(value: float | int) -> str:
    """A metric as people read it: ``0.8123``, ``12``, ``1,234.57``, ``1.2e-05``."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    if abs(value) >= 1000:
        return f"{value:,.2f}"
    if abs(value) < 0.0001:
        return f"{value:.3g}"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering ``lo..hi``."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    value = math.floor(lo / step + 1e-9) * step
    ticks = []
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi - step * 1e-9:
        ticks.append(round(value, 10))
    return ticks


@dataclass(frozen=True)
class Scale:
    """A linear map from one metric's values onto ``start..end`` (pixels), with its ticks."""

    lo: float
    hi: float
    start: float
    end: float
    ticks: tuple[float, ...]

    def at(self, value: float) -> float:
        """The coordinate of ``value``, rounded to 0.1 px so the output is stable."""
        return round(
            self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start), 1
        )


def bar_scale(values: list[float], start: float, end: float, count: int = 4) -> Scale:
    """A scale for bars of ``values``: it includes zero (a bar's length is its value), and
    rates and scores (every value in 0..1) are shown against the full 0..1 range."""
    lo, hi = min(0.0, *values), max(0.0, *values)
    if lo >= 0 and hi <= 1:
        hi = 1.0
    ticks = nice_ticks(lo, hi, count)
    return Scale(min(lo, ticks[0]), max(hi, ticks[-1]), start, end, tuple(ticks))


def line_scale(values: list[float], start: float, end: float, count: int = 3) -> Scale:
    """A scale for points of ``values`` (a metric across versions): from a round value below
    the smallest to one above the largest, so small changes between versions stay visible.
    ``start`` is the bottom of the plot and ``end`` its top."""
    lo, hi = min(values), max(values)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    ticks = nice_ticks(lo, hi, count)
    return Scale(ticks[0], ticks[-1], start, end, tuple(ticks))
