"""Parsing and checking the bodies monitoring jobs and CI post, as pure functions.

The raw body is parsed here (not by DRF) so that ``NaN`` / ``Infinity`` literals, which Python's
``json`` would accept, are refused with a clear 400, and so every item is checked before anything
is written: a batch is all or nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from common import input_guard
from common.errors import RequestRefused

# At most this many per-item problems are listed in one answer (a 10,000-item batch with the
# same mistake everywhere should not answer with 10,000 lines).
MAX_LISTED = 50
NAME_MAX = 200
ITEM_FIELDS = {"model", "version", "environment", "metric", "value", "timestamp", "slice"}
REQUIRED = ("model", "version", "environment", "metric", "value", "timestamp")


class PayloadError(RequestRefused):
    """The body is unusable: HTTP ``status`` (400, 413) with ``detail`` and per-field
    ``errors``; the API's error handler answers with exactly that."""

    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail, errors, status_code=status)
        self.status = status


@dataclass(frozen=True)
class MetricItem:
    index: int
    model: str
    version: str
    environment: str
    metric: str
    value: float
    observed_at: datetime
    slice: str = ""


def parse_json(raw: bytes) -> Any:
    """Strict JSON (``common.input_guard.json_loads``): UTF-8, no NaN/Infinity literals, no
    NUL or lone surrogate in a string, bounded depth and numbers. Else PayloadError(400)."""
    if not raw.strip():
        raise PayloadError(400, _("The body is empty; send a JSON object."))
    try:
        # Floats stay ours: a value of 1e999 is an item's "must be a finite number" below.
        return input_guard.json_loads(raw, max_magnitude=None)
    except input_guard.InputRefused as exc:
        raise PayloadError(exc.status_code, exc.detail, exc.errors) from exc


def _limited(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    if len(errors) <= MAX_LISTED:
        return errors
    shown = dict(list(errors.items())[:MAX_LISTED])
    shown["more"] = [f"{len(errors) - MAX_LISTED} more item(s) have problems too."]
    return shown


def _name(value: Any, field: str, problems: list[str], *, allow_int: bool = False) -> str:
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{field}: a non-empty string is required.")
        return ""
    if len(value) > NAME_MAX:
        problems.append(f"{field}: at most {NAME_MAX} characters.")
        return ""
    return value.strip()


def _number(value: Any, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"value: a number is required, not {type(value).__name__}.")
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        problems.append("value: must be a finite number.")
        return None
    return number


def _timestamp(value: Any, problems: list[str], now: datetime, tolerance: timedelta):
    if not isinstance(value, str):
        problems.append("timestamp: an ISO 8601 string with a time zone is required.")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"timestamp: {value[:40]!r} is not ISO 8601 (2026-05-01T12:00:00Z).")
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        problems.append("timestamp: give a time zone (…Z or …+02:00).")
        return None
    if moment > now + tolerance:
        problems.append(f"timestamp: {value} is in the future.")
        return None
    return moment


def metric_batch(
    raw: bytes,
    *,
    max_items: int,
    environments: list[str],
    now: datetime,
    future_tolerance: timedelta = timedelta(minutes=10),
) -> list[MetricItem]:
    """Every item of ``{"items": [...]}``, checked; any problem anywhere: PayloadError."""
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise PayloadError(400, _('Send a JSON object: {"items": [...]}.'))
    unknown = sorted(set(body) - {"items"})
    if unknown:
        raise PayloadError(
            400, _("Unknown top-level field(s)."), {k: [_("Unknown field.")] for k in unknown}
        )
    items = body.get("items")
    if not isinstance(items, list):
        raise PayloadError(
            400, _("The batch is invalid."), {"items": [_("A list of items is required.")]}
        )
    if not items:
        raise PayloadError(400, _("The batch is empty."), {"items": [_("Send at least one item.")]})
    if len(items) > max_items:
        raise PayloadError(
            413,
            _("Too many items: %(n)d; at most %(max)d per batch. Split it into smaller batches.")
            % {"n": len(items), "max": max_items},
            {"items": [_("At most %(max)d items per batch.") % {"max": max_items}]},
        )
    errors: dict[str, list[str]] = {}
    parsed: list[MetricItem] = []
    for index, item in enumerate(items):
        problems: list[str] = []
        if not isinstance(item, dict):
            errors[f"items[{index}]"] = ["Each item must be a JSON object."]
            continue
        for field in sorted(set(item) - ITEM_FIELDS):
            problems.append(f"{field}: unknown field; allowed: {', '.join(sorted(ITEM_FIELDS))}.")
        missing = [f for f in REQUIRED if f not in item]
        for field in missing:
            problems.append(f"{field}: required.")
        if missing:
            errors[f"items[{index}]"] = problems
            continue
        model = _name(item["model"], "model", problems)
        version = _name(item["version"], "version", problems, allow_int=True)
        environment = _name(item["environment"], "environment", problems)
        if environment and environment not in environments:
            problems.append(
                f"environment: {environment!r} is unknown; one of: {', '.join(environments)}."
            )
        metric = _name(item["metric"], "metric", problems)
        value = _number(item["value"], problems)
        observed_at = _timestamp(item["timestamp"], problems, now, future_tolerance)
        slice_ = item.get("slice")
        if slice_ is None:
            slice_ = ""
        elif not isinstance(slice_, str) or len(slice_) > NAME_MAX:
            problems.append(f"slice: a string of at most {NAME_MAX} characters, or leave it out.")
            slice_ = ""
        if problems:
            errors[f"items[{index}]"] = problems
            continue
        parsed.append(
            MetricItem(
                index=index,
                model=model,
                version=version,
                environment=environment,
                metric=metric,
                value=value,
                observed_at=observed_at,
                slice=slice_.strip(),
            )
        )
    if errors:
        raise PayloadError(
            400,
            _(
                "%(bad)d of %(total)d item(s) are invalid; nothing was recorded. "
                "Fix them and send the whole batch again."
            )
            % {"bad": len(errors), "total": len(items)},
            _limited(errors),
        )
    return parsed


# --- Input schemas --------------------------------------------------------------------------
MAX_FEATURES = 5000
TYPE_MAX = 60


@dataclass(frozen=True)
class SchemaPayload:
    environment: str
    features: dict[str, str]
    reference: bool


def schema_payload(raw: bytes, *, environments: list[str]) -> SchemaPayload:
    """``{"environment": ..., "features": {name: type}, "reference": false}``, checked."""
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise PayloadError(400, _('Send a JSON object: {"environment": ..., "features": {...}}.'))
    errors: dict[str, list[str]] = {}
    for field in sorted(set(body) - {"environment", "features", "reference"}):
        errors[field] = [_("Unknown field.")]
    environment = body.get("environment")
    if not isinstance(environment, str) or environment not in environments:
        errors["environment"] = [_("One of: %(values)s") % {"values": ", ".join(environments)}]
    features = body.get("features")
    cleaned: dict[str, str] = {}
    if not isinstance(features, dict) or not features:
        errors["features"] = ['A non-empty object of feature name → type, e.g. {"age": "int"}.']
    elif len(features) > MAX_FEATURES:
        errors["features"] = [f"At most {MAX_FEATURES} features."]
    else:
        bad = []
        for name, kind in features.items():
            if (
                not name.strip()
                or len(name) > NAME_MAX
                or not isinstance(kind, str)
                or not kind.strip()
                or len(kind) > TYPE_MAX
            ):
                bad.append(name[:60])
                continue
            cleaned[name.strip()] = kind.strip().lower()
        if bad:
            errors["features"] = [
                "Each feature needs a name and a type string (at most "
                f"{TYPE_MAX} characters): check {', '.join(repr(b) for b in bad[:10])}."
            ]
    reference = body.get("reference", False)
    if not isinstance(reference, bool):
        errors["reference"] = ["true or false."]
    if errors:
        raise PayloadError(400, _("The schema is invalid; see errors."), errors)
    return SchemaPayload(environment=environment, features=cleaned, reference=reference)


def schema_differences(reference: dict[str, str], observed: dict[str, str]) -> list[dict]:
    """What changed from ``reference`` to ``observed``: missing, extra and retyped features,
    sorted by feature name (so the same change always reads the same)."""
    differences = []
    for name in sorted(set(reference) | set(observed)):
        if name not in observed:
            differences.append(
                {"feature": name, "change": "missing", "expected": reference[name], "seen": None}
            )
        elif name not in reference:
            differences.append(
                {"feature": name, "change": "extra", "expected": None, "seen": observed[name]}
            )
        elif reference[name] != observed[name]:
            differences.append(
                {
                    "feature": name,
                    "change": "type_changed",
                    "expected": reference[name],
                    "seen": observed[name],
                }
            )
    return differences


def describe_difference(d: dict) -> str:
    if d["change"] == "missing":
        return f"{d['feature']}: missing (expected {d['expected']})"
    if d["change"] == "extra":
        return f"{d['feature']}: new feature ({d['seen']})"
    return f"{d['feature']}: type {d['expected']} → {d['seen']}"
