"""Monitoring settings, read at call time (never at import)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from monitoring import deadlines


def metrics_max_items() -> int:
    return int(settings.ATTEST_METRICS_MAX_ITEMS)


def metrics_max_bytes() -> int:
    return int(settings.ATTEST_METRICS_MAX_BYTES)


def metrics_future_tolerance() -> timedelta:
    return timedelta(seconds=int(settings.ATTEST_METRICS_FUTURE_TOLERANCE_SECONDS))


def max_age_days() -> dict[str, int]:
    """Risk tier → longest time (days) a deployment may run before it is flagged as stale."""
    return deadlines.parse_tier_table(settings.ATTEST_MAX_AGE_DAYS)


def max_age_environments() -> list[str]:
    return list(settings.ATTEST_MAX_AGE_ENVIRONMENTS)


def recertification_months() -> dict[str, int]:
    """Risk tier → months between recertification reviews (tiers not listed: none)."""
    return deadlines.parse_tier_table(settings.ATTEST_RECERTIFICATION_MONTHS)


def incident_warning_window() -> timedelta:
    """How long before a serious incident's Art. 73 report deadline it counts as near."""
    return timedelta(hours=int(settings.ATTEST_INCIDENT_WARNING_HOURS))


def recertification_reminder_days() -> int:
    return int(settings.ATTEST_RECERTIFICATION_REMINDER_DAYS)
