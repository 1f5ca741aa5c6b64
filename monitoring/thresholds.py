"""Threshold rules as pure functions: does one observed value breach a threshold?

Three checks, each optional: below the minimum, above the maximum, and a relative drop versus
the value recorded when the running version was approved (the deployment request's metrics).
A relative drop needs a non-zero baseline; without one only the absolute bounds apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

BELOW_MINIMUM = "below_minimum"
ABOVE_MAXIMUM = "above_maximum"
RELATIVE_DROP = "relative_drop"


@dataclass(frozen=True)
class Bounds:
    min_value: float | None = None
    max_value: float | None = None
    max_relative_drop: float | None = None  # fraction of the baseline, 0 < x <= 1


@dataclass(frozen=True)
class Breach:
    kind: str
    value: float
    limit: float
    message: str


def _fmt(x: float) -> str:
    # Six significant digits, with the active language's decimal mark (0,75 in German): these
    # sentences are read by people (chart marks, alert titles written in the site's language).
    return f"{x:.6g}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def drop_floor(baseline: float | None, max_relative_drop: float | None) -> float | None:
    """The lowest value that is not a breach of the relative-drop rule."""
    if baseline is None or max_relative_drop is None or baseline == 0:
        return None
    return baseline - abs(baseline) * max_relative_drop


def evaluate(
    value: float, bounds: Bounds, *, baseline: float | None = None, relative: bool = True
) -> list[Breach]:
    """Every rule ``value`` breaks. ``relative=False`` skips the drop rule (for slices, which
    have no baseline of their own)."""
    breaches = []
    if bounds.min_value is not None and value < bounds.min_value:
        breaches.append(
            Breach(
                BELOW_MINIMUM,
                value,
                bounds.min_value,
                _("%(value)s is below the minimum %(limit)s")
                % {"value": _fmt(value), "limit": _fmt(bounds.min_value)},
            )
        )
    if bounds.max_value is not None and value > bounds.max_value:
        breaches.append(
            Breach(
                ABOVE_MAXIMUM,
                value,
                bounds.max_value,
                _("%(value)s is above the maximum %(limit)s")
                % {"value": _fmt(value), "limit": _fmt(bounds.max_value)},
            )
        )
    floor = drop_floor(baseline, bounds.max_relative_drop) if relative else None
    if floor is not None and value < floor:
        drop = (baseline - value) / abs(baseline) * 100
        breaches.append(
            Breach(
                RELATIVE_DROP,
                value,
                floor,
                _(
                    "%(value)s is %(drop)s %% below %(baseline)s at approval "
                    "(at most %(allowed)s %% allowed)"
                )
                % {
                    "value": _fmt(value),
                    "drop": f"{drop:.1f}",
                    "baseline": _fmt(baseline),
                    "allowed": f"{bounds.max_relative_drop * 100:.4g}",
                },
            )
        )
    return breaches
