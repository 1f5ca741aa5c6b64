"""Celery adapters for monitoring: alert e-mails and the daily checks (beat)."""

from __future__ import annotations

from celery import shared_task

from common.request_context import request_context
from monitoring import notifications, services


@shared_task(name="monitoring.tasks.notify_alert_opened")
def notify_alert_opened(alert_pk: str) -> int:
    return notifications.alert_opened(alert_pk)


@shared_task(name="monitoring.tasks.daily_checks")
def daily_checks() -> dict:
    """Stale deployments, overdue and nearly due Art. 73 reports, recertification reviews
    (schedule, remind, overdue). Each check commits on its own, so one failure does not hold
    back the others."""
    with request_context(source="task", request_id="monitoring-daily"):
        stale = services.deployments_check_age()
        incidents = services.incidents_check_overdue()
        near = services.incidents_warn_deadline_near()
        scheduled = services.reviews_schedule()
        reminded = services.reviews_due_for_reminder()
        for review in reminded:
            notifications.review_reminder(review)
        reviews = services.reviews_check_overdue()
    return {
        "stale_deployments": len(stale),
        "overdue_incidents": len(incidents),
        "incident_deadlines_near": len(near),
        "reviews_scheduled": len(scheduled),
        "reviews_reminded": len(reminded),
        "overdue_reviews": len(reviews),
    }
