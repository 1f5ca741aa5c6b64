"""The portfolio report's incident section (chapter 7): the incident register of the models in
scope, read from monitoring (documents sits above monitoring in the import chain)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from documents.kinds.text import date_text, shown_name, time_text
from monitoring import selectors as monitoring_selectors
from monitoring.models import Incident

# The same cap as the report's other event lists (portfolio.EVENTS_SHOWN).
INCIDENTS_SHOWN = 200


def incidents_in_scope(
    user, in_scope, since: datetime | None, now: datetime
) -> tuple[list, bool, list]:
    """2 queries: the incident register of the models in scope, through the monitoring
    selector (whatever the requester may see). Incidents still open, and those the provider
    became aware of in the period; counted per model in the database, the serious and newest
    ``INCIDENTS_SHOWN`` (+1, to say there are more) listed, grouped by model."""
    rows = monitoring_selectors.incident_visible(user=user).filter(model_service__in=in_scope)
    if since:
        rows = rows.filter(Q(status=Incident.Status.OPEN) | Q(aware_at__gte=since))
    is_open = Q(status=Incident.Status.OPEN)
    # As the daily check (monitoring.services.incidents): past the deadline with no report.
    overdue = Q(serious=True, report_stage=Incident.ReportStage.NONE, report_deadline__lt=now)
    per_model = (
        rows.order_by()
        .values("model_service_id", "model_service__name", "model_service__owner_team__name")
        .annotate(  # n_: "serious" and "status" are fields the filters read
            n_total=Count("pk"),
            n_open=Count("pk", filter=is_open),
            n_serious=Count("pk", filter=Q(serious=True)),
            n_serious_open=Count("pk", filter=is_open & Q(serious=True)),
            n_overdue=Count("pk", filter=overdue),
        )
    )
    models = sorted(
        (
            {
                "model": shown_name(m["model_service__name"]),
                "team": shown_name(m["model_service__owner_team__name"]),
                "total": m["n_total"],
                "open": m["n_open"],
                "closed": m["n_total"] - m["n_open"],
                "serious": m["n_serious"],
                "serious_open": m["n_serious_open"],
                "overdue": m["n_overdue"],
            }
            for m in per_model
        ),
        key=lambda m: (-m["overdue"], -m["serious_open"], -m["open"], m["model"]),
    )
    listed = [
        {
            "model": shown_name(i["model_service__name"]),
            "version": i["model_version__version"] or "",
            "title": i["title"],
            "severity_label": Incident.Severity(i["severity"]).label,
            "serious": i["serious"],
            "category_label": (
                Incident.SeriousCategory(i["serious_category"]).label if i["serious"] else ""
            ),
            "status": i["status"],
            "status_label": Incident.Status(i["status"]).label,
            "stage_label": Incident.ReportStage(i["report_stage"]).label,
            "occurred": date_text(i["occurred_at"]),
            "aware": date_text(i["aware_at"]),
            "deadline": time_text(i["report_deadline"]),
            "reported": date_text(i["authority_reported_at"]),
            "overdue": bool(
                i["serious"]
                and i["report_stage"] == Incident.ReportStage.NONE
                and i["report_deadline"]
                and i["report_deadline"] < now
            ),
            "closed": date_text(i["closed_at"]),
        }
        for i in rows.values(
            "model_service__name",
            "model_version__version",
            "title",
            "severity",
            "serious",
            "serious_category",
            "status",
            "report_stage",
            "occurred_at",
            "aware_at",
            "report_deadline",
            "authority_reported_at",
            "closed_at",
        ).order_by("-serious", "-aware_at", "pk")[: INCIDENTS_SHOWN + 1]
    ]
    more = len(listed) > INCIDENTS_SHOWN
    # Shown per model; within a model serious first, then newest (stable sort keeps the
    # query's order).
    return sorted(listed[:INCIDENTS_SHOWN], key=lambda row: row["model"]), more, models
