"""The model card's metrics: how numbers are shown and the geometry of its bar chart.
Pure: no ORM, only numbers and label strings (the SVG template cannot be handed markup)."""

from __future__ import annotations

import math
from typing import Any

MAX_CHART_BARS = 24


def _is_number(value: Any) -> bool:
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


def metric_rows(metrics: dict | None) -> list[dict]:
    """Metrics sorted by name; non-numeric values are shown but not charted."""
    rows = []
    for name, value in sorted((metrics or {}).items(), key=lambda item: str(item[0])):
        numeric = _is_number(value)
        rows.append(
            {
                "name": str(name),
                "value": float(value) if numeric else None,
                "display": format_number(value) if numeric else str(value)[:500],
            }
        )
    return rows


def _nice_ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def bar_chart(rows: list[dict], *, title: str) -> dict | None:
    """Geometry of a horizontal bar chart of the numeric ``rows`` (``metric_rows``): only
    numbers and label strings, so the SVG template that draws it cannot be handed markup."""
    bars = [r for r in rows if r["value"] is not None]
    if not bars:
        return None
    omitted = max(0, len(bars) - MAX_CHART_BARS)
    bars = bars[:MAX_CHART_BARS]
    values = [b["value"] for b in bars]
    lo, hi = min(0.0, *values), max(0.0, *values)
    if lo >= 0 and hi <= 1:
        hi = 1.0  # rates and scores: show them against the full 0–1 range
    if hi == lo:
        hi = lo + 1.0
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    labels = [b["name"] if len(b["name"]) <= 32 else b["name"][:31] + "…" for b in bars]
    # Room for the longest label (about 6 px a character at 10 px DejaVu Sans).
    label_width = min(190, max(40, 6 * max(len(label) for label in labels) + 4))
    plot_left, plot_width, row_height, top = label_width + 10, 330, 22, 8
    width = plot_left + plot_width + 80

    def x(value: float) -> float:
        return round(plot_left + (value - lo) / (hi - lo) * plot_width, 1)

    zero = x(0.0)
    drawn = []
    for i, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        end = x(bar["value"])
        y = top + i * row_height
        drawn.append(
            {
                "label": label,
                "display": bar["display"],
                "x": min(zero, end),
                "y": y + 4,
                "width": max(round(abs(end - zero), 1), 0.8),
                "text_y": y + 15,
                "value_x": round(max(zero, end) + 5, 1),
                "negative": bar["value"] < 0,
            }
        )
    axis_y = top + len(bars) * row_height + 2
    return {
        "title": title,
        "width": width,
        "height": axis_y + 18,
        "label_x": label_width,
        "plot_left": plot_left,
        "plot_right": plot_left + plot_width,
        "zero_x": zero,
        "axis_y": axis_y,
        "top": top,
        "bars": drawn,
        "ticks": [{"x": x(t), "label": format_number(t)} for t in ticks],
        "omitted": omitted,
    }
