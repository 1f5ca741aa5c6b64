"""Geometry of the metric history charts, as pure functions. The SVG itself is drawn by a
template (``templates/monitoring/_line_chart.html``), which escapes every label, so the same
chart can serve the web page and a PDF without any JavaScript library."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import dateformat, formats
from django.utils.translation import gettext as _

from monitoring import thresholds

OVERALL = "overall"  # the series of values without a slice
PALETTE = ("#1f4fd1", "#0f8a6a", "#8a4fd1", "#c26a00", "#4a5468", "#b0367c")


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Line:
    """A horizontal rule: a threshold bound, the relative-drop floor, or the approval value."""

    kind: str  # min | max | floor | baseline
    label: str
    value: float
    y: float
    label_y: float = 0.0


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    path: str
    count: int
    last_value: float
    last_x: float
    last_y: float


@dataclass
class Chart:
    title: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    series: list[Series] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    empty: bool = False

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return self.left - 6

    @property
    def rule_label_x(self) -> float:
        return self.right + 6

    @property
    def legend(self) -> bool:
        return len(self.series) > 1


def decimal_mark(text: str) -> str:
    """``text`` (a number formatted with ``.``) with the active language's decimal mark."""
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def fmt(value: float) -> str:
    """Compact number for axis labels: 0.834, 12.5k, 1.2e-05 (0,834 in German)."""
    return decimal_mark(_fmt_c(value))


def _fmt_c(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-3:
        return f"{value:.2g}"
    if magnitude >= 1e4:
        return f"{value / 1000:.3g}k"
    return f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values inside [low, high] (1, 2, 2.5 or 5 × a power of ten)."""
    if high <= low:
        return [low]
    span = high - low
    power = 10 ** math.floor(math.log10(span / max(1, count - 1)))
    # The finest round step that gives at most count + 1 intervals.
    step = next(
        m * p for p in (power, power * 10) for m in (1, 2, 2.5, 5) if span / (m * p) <= count + 1
    )
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _domain(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _time_label(moment: datetime, span_seconds: float) -> str:
    # Django's "M" is the month's abbreviation in the active language (Dec / Dez).
    if span_seconds <= 2 * 86400:
        return dateformat.format(moment, "d M H:i")
    if span_seconds <= 400 * 86400:
        return dateformat.format(moment, "d M")
    return dateformat.format(moment, "M Y")


def _thin(points: list[tuple[datetime, float]], limit: int) -> list[tuple[datetime, float]]:
    if len(points) <= limit:
        return points
    stride = math.ceil(len(points) / limit)
    kept = points[::stride]
    if kept[-1] is not points[-1]:
        kept.append(points[-1])
    return kept


def line_chart(
    title: str,
    series: dict[str, list[tuple[datetime, float]]],
    *,
    bounds: thresholds.Bounds | None = None,
    baseline: float | None = None,
    width: int = 680,
    height: int = 230,
    max_points: int = 400,
) -> Chart:
    """A time-series chart of ``series`` (label → [(time, value)]), with the threshold bounds,
    the relative-drop floor and the value at approval drawn as horizontal lines, and every
    point that breaches a bound marked."""
    left, right, top, bottom = 56.0, width - 116.0, 14.0, height - 28.0
    chart = Chart(title, width, height, left, top, right, bottom)
    data = {label: sorted(points) for label, points in series.items() if points}
    if not data:
        chart.empty = True
        return chart
    bounds = bounds or thresholds.Bounds()
    rules: list[tuple[str, str, float]] = []
    if bounds.min_value is not None:
        rules.append(("min", _("min %(v)s") % {"v": fmt(bounds.min_value)}, bounds.min_value))
    if bounds.max_value is not None:
        rules.append(("max", _("max %(v)s") % {"v": fmt(bounds.max_value)}, bounds.max_value))
    floor = thresholds.drop_floor(baseline, bounds.max_relative_drop)
    if floor is not None:
        rules.append(("floor", f"−{bounds.max_relative_drop * 100:.3g} % {fmt(floor)}", floor))
    if baseline is not None:
        rules.append(("baseline", _("approved %(v)s") % {"v": fmt(baseline)}, baseline))

    values = [v for points in data.values() for _t, v in points] + [r[2] for r in rules]
    low, high = _domain(values)
    times = [t for points in data.values() for t, _v in points]
    t0, t1 = min(times), max(times)
    span = (t1 - t0).total_seconds()

    def x_of(moment: datetime) -> float:
        if span == 0:
            return (left + right) / 2
        return left + (moment - t0).total_seconds() / span * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    for i, (label, points) in enumerate(data.items()):
        thin = _thin(points, max_points)
        coords = [(x_of(t), y_of(v)) for t, v in thin]
        path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        last_t, last_v = points[-1]
        chart.series.append(
            Series(
                label=_("overall") if label == OVERALL else label,
                color=PALETTE[i % len(PALETTE)],
                path=path,
                count=len(points),
                last_value=last_v,
                last_x=x_of(last_t),
                last_y=y_of(last_v),
            )
        )
        overall = label in ("", OVERALL)
        for t, v in points:
            broken = thresholds.evaluate(v, bounds, baseline=baseline, relative=overall)
            if broken:
                chart.markers.append(
                    Marker(
                        x_of(t),
                        y_of(v),
                        f"{formats.date_format(t, 'SHORT_DATETIME_FORMAT')}: {broken[0].message}",
                    )
                )
    # Keep rule labels from overlapping: push each at least 11 px below the previous one.
    placed: list[float] = []
    for kind, label, value in sorted(rules, key=lambda r: -r[2]):
        y = y_of(value)
        label_y = max(y + 3.5, (placed[-1] + 11) if placed else top)
        placed.append(label_y)
        chart.lines.append(Line(kind, label, value, y, label_y))
    chart.y_ticks = [Tick(y_of(v), fmt(v)) for v in nice_ticks(low, high) if low <= v <= high]
    count = 5 if span else 1
    chart.x_ticks = [
        Tick(
            x_of(t0 + (t1 - t0) * (i / max(1, count - 1))),
            _time_label(t0 + (t1 - t0) * (i / max(1, count - 1)), span),
        )
        for i in range(count)
    ]
    return chart
