"""E-mails about monitoring. Sent by Celery after commit (monitoring/tasks.py), one message per
recipient so people do not see each other's addresses."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from monitoring import selectors
from monitoring.models import Alert, RecertificationReview

# Alerts about legal clocks also go to every compliance officer.
COMPLIANCE_KINDS = (Alert.Kind.INCIDENT_OVERDUE, Alert.Kind.REVIEW_OVERDUE)


def _send(subject: str, body: str, recipients: list[str]) -> int:
    sent = 0
    for address in sorted(set(recipients)):
        sent += send_mail(subject, body, None, [address], fail_silently=False)
    return sent


def alert_opened(alert_pk: str) -> int:
    alert = Alert.objects.select_related(
        "model_service", "model_service__owner_team", "model_version", "approval"
    ).get(pk=alert_pk)
    if not alert.is_active:
        return 0
    model = alert.model_service
    link = settings.ATTEST_BASE_URL + reverse("monitoring:alert-detail", args=[alert.pk])
    lines = [
        f"A monitoring alert opened for {model.name}.",
        "",
        f"Alert:       {alert.get_kind_display()}",
        f"Model:       {model.name}",
    ]
    if alert.model_version_id:
        lines.append(f"Version:     {alert.model_version.version}")
    if alert.environment:
        lines.append(f"Environment: {alert.environment}")
    lines += ["", alert.title, "", alert.detail, ""]
    if alert.rereview_requested and alert.approval_id:
        # Link the re-review request the breach opened; the stale approval if there is none
        # (a prohibited or unassessed model gets no re-review request).
        rereview = alert.approval.superseded_by.order_by("-created_at").first()
        approval_link = settings.ATTEST_BASE_URL + reverse(
            "approvals:request-detail", args=[(rereview or alert.approval).pk]
        )
        lines += [
            "Re-review requested: the threshold marked the approval in force stale (the gate",
            "refuses new deployments under it) and opened a re-review request for the",
            f"reviewers: {approval_link}",
            "",
        ]
    lines += [f"Acknowledge or resolve it: {link}", ""]
    return _send(
        f"[Attest] Alert: {model.name} — {alert.get_kind_display()}"
        + (f" ({alert.environment})" if alert.environment else ""),
        "\n".join(lines),
        selectors.notification_recipients(model, compliance=alert.kind in COMPLIANCE_KINDS),
    )


def review_reminder(review: RecertificationReview) -> int:
    model = review.model_service
    link = settings.ATTEST_BASE_URL + reverse("monitoring:model-monitoring", args=[model.pk])
    body = (
        f"The recertification review of {model.name} ({review.tier}-risk) is due on "
        f"{review.due_on:%Y-%m-%d}.\n\nReview its production metrics, alerts, incidents and "
        f"documentation, and record the outcome: {link}\n"
    )
    return _send(
        f"[Attest] Recertification due {review.due_on:%Y-%m-%d}: {model.name}",
        body,
        selectors.notification_recipients(model, compliance=True),
    )
