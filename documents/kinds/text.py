"""How documents write names, dates, people and numbers. Pure: no ORM."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def as_utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


# Bidirectional overrides and isolates can make a name read differently from what it is
# ("‮gpj.exe" shows as "exe.jpg"): names in documents show them as visible code points.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def shown_name(text: str) -> str:
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text or "")


def article_number(article: str) -> int:
    """Sort key: "Art. 43, 47, 48" gives 43, so Art. 9 comes before Art. 10."""
    match = re.search(r"\d+", article)
    return int(match.group()) if match else 10_000


def date_text(value) -> str:
    return as_utc(value).strftime("%Y-%m-%d") if value else ""


def time_text(value) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def person(user) -> str:
    if user is None:
        return "system"
    return user.get_full_name() or user.username


def person_or_blank(user) -> str:
    """A person's name, or nothing when no one is recorded (the model card leaves it blank)."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def metric_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def localized_result(ruleset_version: str, answers: dict, result: dict) -> dict:
    """A recorded classification worded in the active language (``risk.rules``)."""
    from risk.rules import localized_result as worded

    return worded(ruleset_version, answers, result)
