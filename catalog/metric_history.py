"""Each metric across a model's last versions, for the model page (issue 20, point 9): small
multiples, one line chart per metric on a scale of its own (an RMSE in the hundreds and a MAPE
below one never share an axis), plus the same numbers as a table for screen readers and anyone
who prefers one. Pure: no ORM; the page hands in (version label, metrics) pairs.

The geometry is plain floats; the template draws it inside ``{% localize off %}`` (a German
decimal comma breaks SVG numbers, commit 8db16b2). Labels are made here, already formatted for
the reader by the ``number`` function the caller passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from common.chart_scale import format_number, is_number, line_scale

LAST_VERSIONS = 10
MAX_METRICS = 12
WIDTH, HEIGHT = 300, 128
LEFT, RIGHT, TOP, BOTTOM = 46.0, 288.0, 24.0, 100.0


def _x(index: int, count: int) -> float:
    if count == 1:
        return round((LEFT + RIGHT) / 2, 1)
    return round(LEFT + index * (RIGHT - LEFT) / (count - 1), 1)


def _label_step(labels: list[str]) -> int:
    """Every how many versions an axis label fits (about 5 px a character at 8.5 px)."""
    if len(labels) < 2:
        return 1
    spacing = (RIGHT - LEFT) / (len(labels) - 1)
    return max(1, math.ceil((5 * max(len(label) for label in labels) + 6) / spacing))


def _panel(name: str, labels: list[str], values: list[float | None], number) -> dict:
    present = [v for v in values if v is not None]
    scale = line_scale(present, BOTTOM, TOP)
    points, path, pen_down = [], [], False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False  # a version without the metric breaks the line
            continue
        x, y = _x(i, len(values)), scale.at(value)
        points.append({"x": x, "y": y, "label": f"{labels[i]}: {number(value)}"})
        path.append(f"{'L' if pen_down else 'M'}{x} {y}")
        pen_down = True
    latest = next((v for v in reversed(values) if v is not None), None)
    return {
        "name": name,
        "latest": number(latest) if latest is not None else "",
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "y_label_x": LEFT - 5,
        "x_label_y": BOTTOM + 13,
        "y_ticks": [{"y": scale.at(t), "label": number(t)} for t in scale.ticks],
        "x_ticks": [
            {"x": _x(i, len(labels)), "label": label}
            for i, label in enumerate(labels)
            # Every step-th label, and the newest, never crowded by the one before it.
            if i == len(labels) - 1
            or (i % _label_step(labels) == 0 and len(labels) - 1 - i >= _label_step(labels))
        ],
        "path": " ".join(path),
        "points": points,
        "count": len(present),
    }


def metric_history(
    versions: Sequence[tuple[str, dict | None]],
    *,
    limit: int = LAST_VERSIONS,
    number: Callable[[float], str] = format_number,
) -> dict | None:
    """Panels and a table of every numeric metric of the ``limit`` newest ``versions``.

    ``versions`` is newest first, as the model page lists them: (label, metrics). The charts
    read oldest to newest, left to right. ``None`` when fewer than two versions or none with a
    numeric metric (one version has nothing to compare: the versions table shows it).
    """
    recent = list(versions[:limit])[::-1]
    if len(recent) < 2:
        return None
    names = sorted(
        {str(k) for _, metrics in recent for k, v in (metrics or {}).items() if is_number(v)}
    )
    if not names:
        return None
    omitted = max(0, len(names) - MAX_METRICS)
    labels = [label for label, _ in recent]
    columns = {
        name: [
            float(m[name]) if is_number((m := metrics or {}).get(name)) else None
            for _, metrics in recent
        ]
        for name in names
    }
    return {
        "versions": labels,
        "panels": [_panel(n, labels, columns[n], number) for n in names[:MAX_METRICS]],
        "omitted": omitted,
        "metrics": names,
        "rows": [
            {
                "version": label,
                "values": [
                    number(columns[n][i]) if columns[n][i] is not None else "" for n in names
                ],
            }
            for i, label in reversed(list(enumerate(labels)))  # the table newest first
        ],
    }
