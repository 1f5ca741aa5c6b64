"""The governance events the monitoring app announces (``common/events.py``): an alert opened
on a model in production, an incident put in a model's register. Emitted in the service's
transaction through the outbox; schemas in ``docs/events.md``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.events import declare_event_type, governance_event_emit

ALERT_OPENED = declare_event_type("alert.opened", _("Monitoring alert opened"))
INCIDENT_CREATED = declare_event_type("incident.created", _("Incident registered"))
INCIDENT_DEADLINE_NEAR = declare_event_type(
    "incident.deadline_near", _("Incident report deadline near")
)
RECERTIFICATION_DUE = declare_event_type(
    "recertification.due", _("Recertification review coming due")
)


def _model_data(model) -> dict:
    return {
        "model_id": str(model.pk),
        "model": model.name,
        "team": model.owner_team.slug if model.owner_team_id else None,
    }


def alert_opened(alert) -> None:
    """A new alert (not another occurrence of an active one: those are counted, not sent)."""
    governance_event_emit(
        ALERT_OPENED,
        {
            "alert_id": str(alert.pk),
            "alert_url": settings.ATTEST_BASE_URL
            + reverse("monitoring:alert-detail", kwargs={"alert_id": alert.pk}),
            **_model_data(alert.model_service),
            "version": alert.model_version.version if alert.model_version_id else None,
            "kind": alert.kind,
            "title": alert.title,
            "environment": alert.environment or None,
            "metric": alert.metric or None,
            "observed_value": alert.observed_value,
            "limit_value": alert.limit_value,
            "rereview_requested": alert.rereview_requested,
        },
    )


def incident_created(incident, *, actor) -> None:
    """An incident entered the register; ``report_deadline`` is the EU AI Act Art. 73 deadline
    of a serious one (null otherwise)."""
    governance_event_emit(
        INCIDENT_CREATED,
        {
            "incident_id": str(incident.pk),
            "incident_url": settings.ATTEST_BASE_URL
            + reverse("monitoring:incident-detail", kwargs={"incident_id": incident.pk}),
            **_model_data(incident.model_service),
            "version": incident.model_version.version if incident.model_version_id else None,
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "serious": incident.serious,
            "serious_category": incident.serious_category or None,
            "report_deadline": incident.report_deadline,
            "actor": actor.username if actor is not None else None,
        },
    )


def incident_deadline_near(incident, *, now) -> None:
    """A serious incident's Art. 73 report is due within the warning window and not sent yet:
    announced once per incident and deadline."""
    governance_event_emit(
        INCIDENT_DEADLINE_NEAR,
        {
            "incident_id": str(incident.pk),
            "incident_url": settings.ATTEST_BASE_URL
            + reverse("monitoring:incident-detail", kwargs={"incident_id": incident.pk}),
            **_model_data(incident.model_service),
            "version": incident.model_version.version if incident.model_version_id else None,
            "title": incident.title,
            "serious_category": incident.serious_category,
            "report_deadline": incident.report_deadline,
            "hours_left": round((incident.report_deadline - now).total_seconds() / 3600, 1),
        },
    )


def recertification_due(review) -> None:
    """A model's periodic recertification review enters its reminder window: sent once."""
    governance_event_emit(
        RECERTIFICATION_DUE,
        {
            "review_id": str(review.pk),
            "model_url": settings.ATTEST_BASE_URL
            + reverse("monitoring:model-monitoring", kwargs={"model_id": review.model_service_id}),
            **_model_data(review.model_service),
            "due_on": review.due_on,
            "risk_tier": review.tier,
        },
    )
