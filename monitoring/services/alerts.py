"""Alerts: opening (deduplicated), acknowledging and resolving. Other services open alerts
through ``_alert_raise`` in their own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import DeploymentRequest
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from common import errors
from common.outbox import outbox_enqueue
from common.text import COMMENT, too_long_message
from monitoring import outgoing_events, selectors
from monitoring.audit_actions import ALERT_ACKNOWLEDGED, ALERT_OPENED, ALERT_RESOLVED
from monitoring.models import Alert, Threshold

AlertState = Alert.State


# The action clashes with the object's current state (HTTP 409); kept importable from here.
Conflict = errors.Conflict


def _on_commit_task(task_name: str, *args) -> None:
    """Schedule a monitoring task through the outbox (commits with the alert; survives a broker
    outage)."""
    outbox_enqueue(f"monitoring.tasks.{task_name}", *args)


@dataclass
class AlertSpec:
    """What an alert is about; ``count`` occurrences seen now."""

    model_service: ModelService
    kind: str
    title: str
    detail: str = ""
    environment: str = ""
    metric: str = ""
    subject: str = ""
    model_version: ModelVersion | None = None
    observed_value: float | None = None
    limit_value: float | None = None
    threshold: Threshold | None = None
    approval: DeploymentRequest | None = None
    rereview_requested: bool = False
    context: dict = field(default_factory=dict)
    count: int = 1
    seen_at: datetime | None = None


def _alert_raise(spec: AlertSpec) -> tuple[Alert, bool]:
    """Open an alert, or count another occurrence on the active one with the same key. In the
    caller's transaction; a new alert is audited and mailed after commit."""
    now = timezone.now()
    seen_at = spec.seen_at or now
    key = {
        "model_service": spec.model_service,
        "kind": spec.kind,
        "environment": spec.environment,
        "metric": spec.metric,
        "subject": spec.subject,
    }

    def bump(alert: Alert) -> Alert:
        alert.occurrences += spec.count
        if seen_at >= alert.last_seen_at:
            alert.last_seen_at = seen_at
            if spec.observed_value is not None:
                alert.observed_value = spec.observed_value
        alert.save(update_fields=["occurrences", "last_seen_at", "observed_value", "updated_at"])
        return alert

    active = Alert.objects.select_for_update().filter(**key, state__in=Alert.ACTIVE_STATES).first()
    if active is not None:
        return bump(active), False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                **key,
                model_version=spec.model_version,
                title=spec.title[:300],
                detail=spec.detail,
                observed_value=spec.observed_value,
                limit_value=spec.limit_value,
                threshold=spec.threshold,
                approval=spec.approval,
                rereview_requested=spec.rereview_requested,
                context=spec.context,
                occurrences=spec.count,
                last_seen_at=seen_at,
            )
    except IntegrityError:
        # A simultaneous batch opened it first (the partial unique index): count on it.
        active = (
            Alert.objects.select_for_update().filter(**key, state__in=Alert.ACTIVE_STATES).first()
        )
        if active is None:
            raise
        return bump(active), False
    audit_record(
        actor=None,
        action=ALERT_OPENED,
        target=alert,
        subject_id=spec.model_service.pk,
        after={
            "kind": spec.kind,
            "environment": spec.environment,
            "metric": spec.metric,
            "version": spec.model_version.version if spec.model_version else None,
            "observed_value": spec.observed_value,
            "limit_value": spec.limit_value,
            "rereview_requested": spec.rereview_requested,
            "title": alert.title,
        },
    )
    _on_commit_task("notify_alert_opened", str(alert.pk))
    outgoing_events.alert_opened(alert)
    return alert, True


def _clean_comment(comment: str, what: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [what]})
    if len(comment) > COMMENT:
        raise ValidationError({"comment": [too_long_message(COMMENT, len(comment))]})
    return comment


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert, comment: str) -> Alert:
    """Someone has seen the alert and is on it. The alert stays active (a repeat counts on it,
    no new alert opens) until it is resolved."""
    alert = Alert.objects.select_for_update().select_related("model_service").get(pk=alert.pk)
    if not selectors.can_handle_alerts(actor, alert.model_service):
        raise PermissionDenied(
            _("Only the owning team, its reviewers and compliance officers handle this alert.")
        )
    comment = _clean_comment(comment, _("Say what you are doing about it."))
    if not alert.can_move_to(AlertState.ACKNOWLEDGED):
        raise Conflict(
            _("This alert is already %(state)s.") % {"state": alert.get_state_display().lower()}
        )
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
    alert.acknowledge_comment = comment
    alert.save(
        update_fields=[
            "state",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledge_comment",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=ALERT_ACKNOWLEDGED,
        target=alert,
        subject_id=alert.model_service_id,
        before={"state": AlertState.OPEN},
        after={"state": AlertState.ACKNOWLEDGED, "comment": comment},
    )
    return alert


def _resolve(alert: Alert, *, actor, comment: str) -> None:
    before = alert.state
    alert.state = AlertState.RESOLVED
    alert.resolved_at, alert.resolved_by, alert.resolve_comment = timezone.now(), actor, comment
    alert.save(
        update_fields=["state", "resolved_at", "resolved_by", "resolve_comment", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=ALERT_RESOLVED,
        target=alert,
        subject_id=alert.model_service_id,
        before={"state": before},
        after={"state": AlertState.RESOLVED, "comment": comment},
    )


@transaction.atomic
def alert_resolve(*, actor, alert: Alert, comment: str) -> Alert:
    """Close the alert with what was found and done. A later breach opens a new alert."""
    alert = Alert.objects.select_for_update().select_related("model_service").get(pk=alert.pk)
    if not selectors.can_handle_alerts(actor, alert.model_service):
        raise PermissionDenied(
            _("Only the owning team, its reviewers and compliance officers handle this alert.")
        )
    comment = _clean_comment(comment, _("Say what was found and done."))
    if not alert.can_move_to(AlertState.RESOLVED):
        raise Conflict(
            _("This alert is already %(state)s.") % {"state": alert.get_state_display().lower()}
        )
    _resolve(alert, actor=actor, comment=comment)
    return alert


def _resolve_active(*, actor, model_service_id, kind: str, subject: str, comment: str) -> None:
    for alert in Alert.objects.select_for_update().filter(
        model_service_id=model_service_id,
        kind=kind,
        subject=subject,
        state__in=Alert.ACTIVE_STATES,
    ):
        _resolve(alert, actor=actor, comment=comment)
