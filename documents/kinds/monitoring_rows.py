"""Annex IV point 9 (and the model card): the monitoring plan and the incident register as rows
of text, from monitoring's records."""

from __future__ import annotations

from catalog.models import ModelVersion
from documents.kinds.text import date_text, metric_text, time_text
from monitoring.models import Incident, Threshold


def threshold_row(t: Threshold) -> dict:
    """One threshold of the monitoring plan, as text (bounds formatted like the metrics)."""
    return {
        "metric": t.metric,
        "environment": t.environment,
        "min": "" if t.min_value is None else metric_text(t.min_value),
        "max": "" if t.max_value is None else metric_text(t.max_value),
        "drop_percent": "" if t.max_relative_drop is None else metric_text(t.drop_percent),
        "rereview": t.mark_for_rereview,
    }


def incident_row(i: Incident, version: ModelVersion | None = None) -> dict:
    """One incident of the register. Only recorded dates, no "overdue now": the document must
    read the same whenever it is regenerated from unchanged records."""
    reported = i.authority_reported_at
    return {
        "title": i.title,
        "version": i.model_version.version if i.model_version_id else "",
        "this_version": version is not None and i.model_version_id == version.pk,
        "severity": i.severity,
        "severity_label": i.get_severity_display(),
        "serious": i.serious,
        "category_label": i.get_serious_category_display() if i.serious else "",
        "status": i.status,
        "status_label": i.get_status_display(),
        "stage": i.report_stage,
        "stage_label": i.get_report_stage_display(),
        "occurred": date_text(i.occurred_at),
        "aware": time_text(i.aware_at),
        "deadline": time_text(i.report_deadline),
        "reported": time_text(reported),
        "reported_late": bool(reported and i.report_deadline and reported > i.report_deadline),
        "complete_report": time_text(i.complete_report_at),
        "closed": date_text(i.closed_at),
    }
