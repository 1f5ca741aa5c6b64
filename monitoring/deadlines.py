"""Clocks of post-market monitoring, as pure functions (no ORM, no settings).

- Art. 73 serious-incident reporting: the report is due at the latest 15 days after the
  provider became aware; 10 days after a death; 2 days for a widespread infringement or a
  serious disruption of critical infrastructure. An initial, incomplete report meets it.
- Maximum age in production per risk tier (older models decay).
- Recertification review intervals per risk tier, in months.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Art. 73(2)-(4): days from awareness to the (initial) report, per category.
ART73_DAYS: dict[str, int] = {"general": 15, "death": 10, "widespread": 2}
ART73_ARTICLE: dict[str, str] = {
    "general": "Art. 73(2)",
    "death": "Art. 73(4)",
    "widespread": "Art. 73(3)",
}


def report_deadline(aware_at: datetime, category: str) -> datetime:
    """When the (initial) report to the authority is due. Unknown category: ValueError."""
    if category not in ART73_DAYS:
        raise ValueError(f"unknown Art. 73 category {category!r}; one of {sorted(ART73_DAYS)}")
    return aware_at + timedelta(days=ART73_DAYS[category])


@dataclass(frozen=True)
class DeadlineStatus:
    """Where a serious incident stands against its reporting deadline.

    ``state``: ``not_serious`` (no legal clock), ``due`` (running), ``overdue`` (passed without
    a report), ``reported`` (reported in time), ``reported_late``.
    """

    state: str
    deadline: datetime | None
    remaining: timedelta | None
    label: str

    @property
    def is_overdue(self) -> bool:
        return self.state == "overdue"


def duration_label(delta: timedelta) -> str:
    """ "3 days 4 hours", "5 hours", "12 minutes" — the two largest units, for countdowns."""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def day(n: int) -> str:
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}

    def hour(n: int) -> str:
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}

    def minute(n: int) -> str:
        return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}

    if days:
        return day(days) + (f" {hour(hours)}" if hours else "")
    if hours:
        return hour(hours) + (f" {minute(minutes)}" if minutes else "")
    return minute(minutes)


def deadline_status(
    *,
    serious: bool,
    category: str,
    aware_at: datetime,
    reported_at: datetime | None,
    now: datetime,
) -> DeadlineStatus:
    """The countdown of one incident at ``now``."""
    if not serious or not category:
        return DeadlineStatus("not_serious", None, None, _("No Art. 73 reporting clock"))
    deadline = report_deadline(aware_at, category)
    if reported_at is not None:
        if reported_at <= deadline:
            return DeadlineStatus("reported", deadline, None, _("Reported in time"))
        late = duration_label(reported_at - deadline)
        return DeadlineStatus(
            "reported_late", deadline, None, _("Reported %(late)s late") % {"late": late}
        )
    remaining = deadline - now
    if remaining.total_seconds() < 0:
        return DeadlineStatus(
            "overdue",
            deadline,
            remaining,
            _("Overdue by %(time)s") % {"time": duration_label(remaining)},
        )
    return DeadlineStatus(
        "due", deadline, remaining, _("%(time)s left") % {"time": duration_label(remaining)}
    )


# --- Tier tables from settings ("high=365,limited=540") ------------------------------------
def parse_tier_table(raw: str | dict | None) -> dict[str, int]:
    """``"high=365, limited=540"`` (or a dict) → ``{"high": 365, "limited": 540}``. A malformed
    entry raises ValueError naming it, so a bad setting fails loudly, not silently."""
    if isinstance(raw, dict):
        return {str(k): int(v) for k, v in raw.items()}
    table: dict[str, int] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        tier, sep, value = item.partition("=")
        try:
            number = int(value.strip())
        except ValueError:
            number = -1
        if not sep or not tier.strip() or number <= 0:
            raise ValueError(f"malformed tier entry {item.strip()!r}; expected tier=<positive int>")
        table[tier.strip()] = number
    return table


# --- Age in production ----------------------------------------------------------------------
def age_days(deployed_at: datetime, now: datetime) -> int:
    return max(0, (now - deployed_at).days)


def age_label(delta: timedelta) -> str:
    """The largest unit only: "412 days", "5 hours", "3 minutes"."""
    return " ".join(duration_label(delta).split(" ")[:2])


def is_stale(*, deployed_at: datetime, now: datetime, max_days: int | None) -> bool:
    """Older than ``max_days`` full days in production (``None``: no limit for the tier)."""
    if max_days is None:
        return False
    return now - deployed_at > timedelta(days=max_days)


# --- Recertification ------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_state(*, due_on: date, today: date, reminder_days: int) -> str:
    """``upcoming``, ``due_soon`` (within the reminder window) or ``overdue``."""
    if today > due_on:
        return "overdue"
    if (due_on - today).days <= reminder_days:
        return "due_soon"
    return "upcoming"
