"""Celery adapters for usage and cost: the daily Prometheus read (beat)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from common.request_context import request_context
from usage import services


@shared_task(name="usage.tasks.read_usage")
def read_usage() -> dict:
    """Yesterday and today so far from every usage source (what ``manage.py read_usage`` does)."""
    with request_context(source="task", request_id="usage-read"):
        now = timezone.now()
        result = services.usage_read_all(days=services.default_days(now), now=now)
    return {"days": len(result.rows), "failed_sources": len(result.failures)}


@shared_task(name="usage.tasks.check_budgets")
def check_budgets(months: list[str] | None = None) -> dict:
    """Budgets against the cost imported so far: this month (beat), or the months an import
    touched ("YYYY-MM")."""
    from datetime import date

    from usage import budgets

    opened = []
    with request_context(source="task", request_id="usage-budgets"):
        if not months:
            opened = budgets.budgets_check()
        for text in months or []:
            month = date(int(text[:4]), int(text[5:7]), 1)
            opened += budgets.budgets_check(month=month)
    return {"alerts_opened": len(opened)}
