"""What both BOM exports read from the model card's data the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# ``card_data`` writes times as "2025-06-02 09:30 UTC" (documents.kinds.text.time_text).
_CARD_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC$")


def text(value: Any) -> str:
    return str(value or "").strip()


def card_time(value: str) -> datetime | None:
    """A time as the card shows it, back as an aware datetime (minute precision)."""
    match = _CARD_TIME.match(text(value))
    if not match:
        return None
    return datetime.fromisoformat(f"{match[1]}T{match[2]}:00").replace(tzinfo=UTC)


def iso_z(value: datetime) -> str:
    """UTC, whole seconds, ``Z``: the form SPDX 3 requires of DateTime values
    (``^\\d\\d\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$``) and valid for CycloneDX's date-time."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def metric_value(row: dict) -> str:
    """A metric as text, as the formats want it (CycloneDX performanceMetric.value, SPDX
    DictionaryEntry.value and Model Card Toolkit since 1.2 are strings): the number exactly
    (``repr``, no thousands separators), or the text the registry gave."""
    value = row["value"]
    if value is None:
        return row["display"]
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def all_metrics(data: dict) -> list[tuple[dict, str | None]]:
    """(metric row, slice) for the version's metrics and those CI submitted with the latest
    deployment request that carried any (slice names that request)."""
    rows: list[tuple[dict, str | None]] = [(m, None) for m in data["metrics"]]
    evaluation = data.get("evaluation")
    if evaluation:
        label = f"{evaluation['environment']} deployment request"
        rows += [(m, label) for m in evaluation["metrics"]]
    return rows


def use_cases(data: dict) -> list[str]:
    uses = data["intended_use"]
    out = [text(uses["intended_use"])]
    if text(uses["out_of_scope_use"]):
        out.append("Out of scope: " + text(uses["out_of_scope_use"]))
    return [u for u in out if u]


def eu_ai_act_summary(data: dict) -> str:
    """One sentence on the EU AI Act classification, as the card records it."""
    eu = data["eu_ai_act"]
    if not eu.get("assessed"):
        return "EU AI Act risk tier: not assessed."
    out = (
        f"EU AI Act risk tier: {eu['tier_label']} ({eu['decided_by']['article']}), "
        f"assessment revision {eu['revision']}, rule set {eu['ruleset_version']}."
    )
    reasons = " ".join(f"{r['article']}: {r['text']}" for r in eu["reasons"])
    obligations = data["obligations"]
    if obligations["total"]:
        reasons += (
            f" Obligations met or justified: {obligations['done']} of {obligations['total']}."
        )
    return (out + " " + reasons).strip()
