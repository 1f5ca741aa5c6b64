"""The model card's metrics: how numbers are shown and the geometry of its metric panels.
Pure: no ORM, only numbers and label strings (the SVG template cannot be handed markup).

The chart is small multiples: one panel per metric, each with its own scale and labelled axis.
One shared axis made an RMSE of 412 and a MAPE of 0.11 one long bar and one invisible one
(issue 20, point 9)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.chart_scale import bar_scale, format_number, is_number

MAX_CHART_BARS = 24
PANEL_WIDTH, PANEL_HEIGHT = 300, 58
PLOT_LEFT, PLOT_RIGHT = 12.0, 262.0
_is_number = is_number  # the model card module's old name, still imported there


def metric_rows(metrics: dict | None) -> list[dict]:
    """Metrics sorted by name; non-numeric values are shown but not charted."""
    rows = []
    for name, value in sorted((metrics or {}).items(), key=lambda item: str(item[0])):
        numeric = is_number(value)
        rows.append(
            {
                "name": str(name),
                "value": float(value) if numeric else None,
                "display": format_number(value) if numeric else str(value)[:500],
            }
        )
    return rows


def _panel(row: dict, label: str) -> dict:
    scale = bar_scale([row["value"]], PLOT_LEFT, PLOT_RIGHT)
    zero, end = scale.at(0.0), scale.at(row["value"])
    ticks = [{"x": scale.at(t), "label": format_number(t)} for t in scale.ticks]
    return {
        "label": label,
        "display": row["display"],
        # What a screen reader hears for the panel: the value and the axis it is drawn on.
        "summary": _("%(name)s: %(value)s, on an axis from %(low)s to %(high)s")
        % {
            "name": row["name"],
            "value": row["display"],
            "low": ticks[0]["label"],
            "high": ticks[-1]["label"],
        },
        "width": PANEL_WIDTH,
        "height": PANEL_HEIGHT,
        "plot_left": PLOT_LEFT,
        "plot_right": PLOT_RIGHT,
        "zero_x": zero,
        "x": min(zero, end),
        "bar_width": max(round(abs(end - zero), 1), 0.8),
        "negative": row["value"] < 0,
        "ticks": ticks,
    }


def bar_chart(rows: list[dict], *, title: str) -> dict | None:
    """Geometry of the metric panels of the numeric ``rows`` (``metric_rows``): one small
    horizontal bar per metric on an axis of its own (zero to a round value above it; 0 to 1
    for rates and scores). Only numbers and label strings, so the SVG template that draws it
    cannot be handed markup."""
    bars = [r for r in rows if r["value"] is not None]
    if not bars:
        return None
    omitted = max(0, len(bars) - MAX_CHART_BARS)
    bars = bars[:MAX_CHART_BARS]
    panels = [_panel(b, b["name"] if len(b["name"]) <= 34 else b["name"][:33] + "…") for b in bars]
    return {"title": title, "panels": panels, "omitted": omitted}
