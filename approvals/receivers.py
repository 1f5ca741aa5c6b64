"""Approvals' answers to the domain events of the catalog (catalog/events.py) and of risk
(risk/events.py).

They run inside the catalog service's transaction, so the catalog change, the stale approval,
the re-review request and their audit events commit together or not at all.
"""

from django.dispatch import receiver

from approvals import services
from catalog import events
from risk import events as risk_events


@receiver(events.model_changed, dispatch_uid="governance-refresh-approvals")
def refresh_approvals(sender, *, model_service, cause, **kwargs):
    services.approvals_refresh(model_service=model_service, cause=cause)


@receiver(events.aliases_changed, dispatch_uid="governance-drift-check")
def check_drift(sender, *, model_service, **kwargs):
    services.drift_check(model_service=model_service)


@receiver(risk_events.assessment_changed, dispatch_uid="approvals-refresh-on-risk-change")
def refresh_approvals_on_risk_change(sender, *, model_service, cause, **kwargs):
    services.approvals_refresh(model_service=model_service, cause=cause)
