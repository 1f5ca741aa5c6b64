"""Usage points posted through the metrics API by teams without Prometheus: parsing and checks.

Pure: no ORM. Every item is checked before anything is written (all or nothing, as the metrics
batches are), and each problem is named by the item's index (``items[3]``), as there.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date

FIELDS = {"deployment", "date", "requests", "errors", "latency_p50_ms", "latency_p95_ms"}


@dataclass(frozen=True)
class UsagePoint:
    """What one deployment served on one UTC day, as posted."""

    deployment_id: uuid.UUID
    day: date
    requests: int
    errors: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class PointsInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid usage points")
        self.errors = errors


def _count(value, name: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{name}: a whole number is required, not {type(value).__name__}.")
        return 0
    if value < 0:
        problems.append(f"{name}: cannot be negative.")
    return value


def _latency(value, name: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{name}: a number of milliseconds is required.")
        return None
    if value < 0:
        problems.append(f"{name}: cannot be negative.")
    return float(value)


def _item(raw, today: date) -> tuple[UsagePoint | None, list[str]]:
    problems: list[str] = []
    if not isinstance(raw, dict):
        return None, ["Each item is an object."]
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        problems.append(f"Unknown field: {unknown[0]}.")
    missing = [f for f in ("deployment", "date", "requests") if f not in raw]
    if missing:
        problems.append(f"Missing: {', '.join(missing)}.")
        return None, problems
    try:
        deployment_id = uuid.UUID(str(raw["deployment"]))
    except ValueError:
        problems.append("deployment: a deployment id (UUID) is required.")
        deployment_id = None
    day = None
    text = raw["date"]
    if not isinstance(text, str) or len(text) != 10:
        problems.append("date: a UTC date, YYYY-MM-DD, is required.")
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            problems.append("date: a UTC date, YYYY-MM-DD, is required.")
    if day is not None and day > today:
        problems.append("date: is in the future.")
    requests = _count(raw["requests"], "requests", problems)
    errors = _count(raw.get("errors", 0), "errors", problems)
    if not problems and errors > requests:
        problems.append("errors: more errors than requests.")
    p50 = _latency(raw.get("latency_p50_ms"), "latency_p50_ms", problems)
    p95 = _latency(raw.get("latency_p95_ms"), "latency_p95_ms", problems)
    if problems:
        return None, problems
    return UsagePoint(deployment_id, day, requests, errors, p50, p95), []


def parse_points(body, *, max_items: int, today: date) -> list[UsagePoint]:
    """The items of ``{"items": [...]}``; ``PointsInvalid`` naming every bad item, or
    ``OverflowError`` past ``max_items``. One day of one deployment twice in a batch is refused:
    which of the two would stand is not the sender's intent to guess."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise PointsInvalid({"items": ['Send {"items": [...]}, at least one.']})
    items = body["items"]
    if not items:
        raise PointsInvalid({"items": ["At least one item."]})
    if len(items) > max_items:
        raise OverflowError(max_items)
    extra = sorted(set(body) - {"items"})
    errors: dict[str, list[str]] = {}
    if extra:
        errors["body"] = [f"Unknown field: {extra[0]}."]
    points: list[UsagePoint] = []
    seen: dict[tuple, int] = {}
    for index, raw in enumerate(items):
        point, problems = _item(raw, today)
        if point is not None:
            key = (point.deployment_id, point.day)
            if key in seen:
                problems = [f"The same deployment and date as items[{seen[key]}]."]
            seen.setdefault(key, index)
        if problems:
            errors[f"items[{index}]"] = problems
        elif point is not None:
            points.append(point)
    if errors:
        raise PointsInvalid(errors)
    return points
