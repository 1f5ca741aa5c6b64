"""SVG charts for web pages and PDFs alike. Pure: no ORM, no JavaScript, no external references.

Every function returns one standalone ``<svg>`` element (namespace, ``viewBox``, ``role="img"``
and a ``<title>`` for screen readers) whose output depends only on its arguments, so a document
rendered twice from the same data has the same content hash. Labels come from users (model and
team names): they are stripped of characters XML forbids, shortened to fit, and XML-escaped, so
a label can never close the element or inject markup. Colours are checked against ``#rrggbb``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK, MUTED, GRID = "#0f172a", "#64748b", "#e2e8f0"
PALETTE = ("#1d4ed8", "#0891b2", "#7c3aed", "#d97706", "#16a34a", "#dc2626", "#64748b")
# Tier colours shared by the tier charts and the print badges (static/css/print.css).
TIER_COLORS = {
    "prohibited": "#b91c1c",
    "high": "#d97706",
    "limited": "#2563eb",
    "minimal": "#16a34a",
    "unassessed": "#94a3b8",
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Characters XML 1.0 does not allow (C0 controls except tab/newline/CR, surrogates, U+FFFE/F),
# and bidirectional overrides/isolates, which can make a label read as something else.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


def clean_label(text: object, limit: int = 28) -> str:
    """A label safe to put inside an SVG text node: XML-legal, single line, at most ``limit``
    characters (with an ellipsis), escaped."""
    value = _NOT_XML.sub("", str(text))
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return escape(value)


def _color(value: str | None, index: int) -> str:
    if value and _COLOR.match(value):
        return value
    return PALETTE[index % len(PALETTE)]


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"chart values must be numbers, got {value!r}") from exc
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"chart values must be finite and not negative, got {value!r}")
    return number


def _fmt(value: float, unit: str = "") -> str:
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit}"


def _n(value: float) -> str:
    """Coordinates with two decimals at most, so the output is byte-for-byte stable."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _open(width: int, height: int, title: str, role: str = "img") -> list[str]:
    label = clean_label(title, 200)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="{role}" aria-label={quoteattr(label)} '
        f'font-family="{FONT}" class="chart-svg">',
        f"<title>{label}</title>",
    ]


def _empty(width: int, title: str, message: str = "No data") -> str:
    parts = _open(width, 60, title)
    parts.append(
        f'<text x="{width // 2}" y="34" text-anchor="middle" font-size="12" fill="{MUTED}">'
        f"{clean_label(message, 80)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = None,
    colors: Sequence[str | None] | None = None,
    links: Sequence[tuple[str, str] | None] | None = None,
    width: int = 520,
) -> str:
    """Horizontal bars, one per ``(label, value)`` pair, in the order given.

    ``max_value`` fixes the scale (e.g. 100 for percentages); by default the largest value
    fills the width. Zero values draw no bar but keep their row and label. ``links`` gives a
    row an ``(href, accessible name)``: the whole row (label, bar, value) becomes one link,
    reachable with the keyboard, to the list of what the bar counts (the web page only).
    """
    rows = [(str(label), _number(value)) for label, value, *_ in items]
    if not rows:
        return _empty(width, title)
    label_w, value_w, row_h, top = min(170, width // 3), 64, 24, 8
    plot_w = width - label_w - value_w
    scale = _number(max_value) if max_value is not None else max(v for _, v in rows)
    height = top * 2 + row_h * len(rows)
    # An image's content is hidden from assistive technology: with links, a group of them.
    parts = _open(width, height, title, role="group" if links else "img")
    parts.append(
        f'<line x1="{label_w}" y1="{top - 2}" x2="{label_w}" y2="{height - top + 2}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        bar = 0.0 if scale <= 0 else min(value, scale) / scale * plot_w
        fill = _color(colors[i] if colors and i < len(colors) else None, i)
        link = links[i] if links and i < len(links) else None
        if link:
            href, name = link
            # The name is the link's <title> (its tooltip too): an aria-label would have to
            # repeat the visible text word for word (WCAG 2.5.3), which SVG text cannot.
            parts.append(
                f'<a href={quoteattr(_NOT_XML.sub("", href))} class="chart-link">'
                f"<title>{clean_label(name, 200)}</title>"
                # The row's full width is the target, so a zero row can be clicked too.
                f'<rect x="0" y="{_n(y)}" width="{width}" height="{row_h}" fill="#fff" '
                f'fill-opacity="0"/>'
            )
        parts.append(
            f'<text x="{label_w - 8}" y="{_n(y + row_h / 2 + 4)}" text-anchor="end" '
            f'font-size="11" fill="{INK}">{clean_label(label)}</text>'
        )
        if bar > 0:
            parts.append(
                f'<rect x="{label_w}" y="{_n(y + 4)}" width="{_n(max(bar, 1.5))}" '
                f'height="{row_h - 8}" rx="2" fill="{fill}"/>'
            )
        parts.append(
            f'<text x="{_n(label_w + bar + 6)}" y="{_n(y + row_h / 2 + 4)}" font-size="11" '
            f'fill="{INK}" font-weight="bold">{escape(_fmt(value, unit))}</text>'
        )
        if link:
            parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple],
    *,
    title: str,
    width: int = 520,
) -> str:
    """Horizontal stacked bars: one bar per category, one segment per series.

    ``series`` holds ``(name, values, colour)`` with one value per category; each bar is
    scaled to the largest category total, and a legend names the series.
    """
    cats = [str(c) for c in categories]
    rows = [(str(name), [_number(v) for v in values], color) for name, values, color, *_ in series]
    for name, values, _ in rows:
        if len(values) != len(cats):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(cats)} categories")
    totals = [sum(values[i] for _, values, _ in rows) for i in range(len(cats))]
    if not cats or not rows:
        return _empty(width, title)
    label_w, value_w, row_h, top = 130, 50, 26, 8
    plot_w = width - label_w - value_w
    scale = max(totals) or 1.0
    # Legend under the bars, left to right, wrapping to a new line when the width is used up.
    legend, lx, line = [], float(label_w), 0
    for s, (name, _, color) in enumerate(rows):
        shown = name if len(name) <= 32 else name[:31] + "…"
        item_w = 24 + 6.2 * len(shown)
        if lx + item_w > width and lx > label_w:
            lx, line = float(label_w), line + 1
        legend.append((lx, line, clean_label(name, 32), _color(color, s)))
        lx += item_w
    bars_h = top + row_h * len(cats)
    height = bars_h + 18 * (line + 1) + 6
    parts = _open(width, height, title)
    for i, cat in enumerate(cats):
        y = top + i * row_h
        x = float(label_w)
        parts.append(
            f'<text x="{label_w - 8}" y="{_n(y + row_h / 2 + 4)}" text-anchor="end" '
            f'font-size="11" fill="{INK}">{clean_label(cat, 20)}</text>'
        )
        for s, (name, values, color) in enumerate(rows):
            if values[i] <= 0:
                continue
            w = values[i] / scale * plot_w
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y + 4)}" width="{_n(w)}" height="{row_h - 8}" '
                f'fill="{_color(color, s)}"><title>{clean_label(name, 60)}: '
                f"{escape(_fmt(values[i]))}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{_n(x + 6)}" y="{_n(y + row_h / 2 + 4)}" font-size="11" fill="{INK}" '
            f'font-weight="bold">{escape(_fmt(totals[i]))}</text>'
        )
    for lx, line, text, fill in legend:
        ly = bars_h + 12 + 18 * line
        parts.append(
            f'<rect x="{_n(lx)}" y="{_n(ly - 8)}" width="10" height="10" rx="2" fill="{fill}"/>'
            f'<text x="{_n(lx + 14)}" y="{_n(ly + 1)}" font-size="10" fill="{MUTED}">{text}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def donut_chart(
    items: Sequence[tuple],
    *,
    title: str,
    center: str = "",
    colors: Sequence[str | None] | None = None,
    size: int = 150,
) -> str:
    """A ring of ``(label, value)`` shares with ``center`` text (e.g. "72%") and a legend."""
    rows = [(str(label), _number(value)) for label, value, *_ in items]
    total = sum(v for _, v in rows)
    legend_w = 190
    width = size + legend_w
    if not rows or total <= 0:
        return _empty(width, title)
    r_out, r_in = size / 2 - 4, size / 2 - 24
    cx = cy = size / 2
    parts = _open(width, size, title)
    start = -math.pi / 2
    for i, (_label, value) in enumerate(rows):
        fill = _color(colors[i] if colors and i < len(colors) else None, i)
        if value <= 0:
            continue
        if value >= total:  # one full ring: an arc cannot start and end at the same point
            parts.append(
                f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n((r_out + r_in) / 2)}" fill="none" '
                f'stroke="{fill}" stroke-width="{_n(r_out - r_in)}"/>'
            )
            continue
        end = start + 2 * math.pi * value / total
        large = 1 if end - start > math.pi else 0
        p = [
            (cx + r_out * math.cos(start), cy + r_out * math.sin(start)),
            (cx + r_out * math.cos(end), cy + r_out * math.sin(end)),
            (cx + r_in * math.cos(end), cy + r_in * math.sin(end)),
            (cx + r_in * math.cos(start), cy + r_in * math.sin(start)),
        ]
        parts.append(
            f'<path d="M{_n(p[0][0])} {_n(p[0][1])} '
            f"A{_n(r_out)} {_n(r_out)} 0 {large} 1 {_n(p[1][0])} {_n(p[1][1])} "
            f"L{_n(p[2][0])} {_n(p[2][1])} "
            f'A{_n(r_in)} {_n(r_in)} 0 {large} 0 {_n(p[3][0])} {_n(p[3][1])}Z" fill="{fill}"/>'
        )
        start = end
    if center:
        parts.append(
            f'<text x="{_n(cx)}" y="{_n(cy + 7)}" text-anchor="middle" font-size="20" '
            f'font-weight="bold" fill="{INK}">{clean_label(center, 8)}</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = 20 + i * 20
        fill = _color(colors[i] if colors and i < len(colors) else None, i)
        parts.append(
            f'<rect x="{size + 10}" y="{y - 9}" width="10" height="10" rx="2" fill="{fill}"/>'
            f'<text x="{size + 26}" y="{y}" font-size="11" fill="{INK}">{clean_label(label, 18)} '
            f'<tspan font-weight="bold">{escape(_fmt(value))}</tspan></text>'
        )
    parts.append("</svg>")
    return "".join(parts)
