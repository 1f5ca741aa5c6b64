"""E-mails about deployment requests. Sent by Celery through the outbox after commit
(approvals/tasks.py), so a rolled-back change mails nobody, a slow mail server slows nobody down,
and a broker outage delays a notice but never loses it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from approvals import selectors
from approvals.models import DeploymentRequest

logger = logging.getLogger(__name__)


def _link(request: DeploymentRequest) -> str:
    return settings.ATTEST_BASE_URL + reverse("approvals:request-detail", args=[request.pk])


def _send(subject: str, body: str, recipients: list[str]) -> int:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    # One message per recipient: reviewers do not see each other's addresses.
    sent = 0
    for address in recipients:
        sent += send_mail(subject, body, None, [address], fail_silently=False)
    return sent


def _summary(request: DeploymentRequest) -> str:
    return (
        f"Model:       {request.model_service.name}\n"
        f"Version:     {request.model_version.version}\n"
        f"Environment: {request.environment}\n"
        f"Risk tier:   {request.risk_tier or 'not assessed'}\n"
        f"Requested by {request.requested_by.get_full_name() or request.requested_by.username}\n"
    )


def request_submitted(request_pk: str) -> int:
    """Tell the eligible reviewers a request awaits them. A notice delayed (by a broker outage)
    until after the request was decided still goes out, saying what became of it: the reviewers
    learn of every request submitted for their review, and are not sent to decide one that is
    no longer waiting."""
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request_pk)
    if request.state == DeploymentRequest.State.DRAFT:
        return 0  # not submitted (yet): nothing to tell
    reviewers = list(selectors.eligible_reviewers(request).values_list("email", flat=True))
    subject_end = (
        f"{request.model_service.name} v{request.model_version.version} → {request.environment}"
    )
    if request.state == DeploymentRequest.State.SUBMITTED:
        kind = "Re-review needed" if request.supersedes_id else "Review requested"
        body = (
            f"{kind}: a deployment request awaits your decision.\n\n{_summary(request)}\n"
            f"Justification:\n{request.justification}\n\nDecide: {_link(request)}\n"
        )
        return _send(f"[Attest] {kind}: {subject_end}", body, reviewers)
    state = request.get_state_display().lower()
    body = (
        f"A deployment request was submitted for your review while notifications were delayed; "
        f"it is now {state}, so nothing awaits your decision.\n\n{_summary(request)}\n"
        f"Details: {_link(request)}\n"
    )
    return _send(f"[Attest] Review requested, since {state}: {subject_end}", body, reviewers)


def request_decided(request_pk: str) -> int:
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request_pk)
    last = request.decisions.select_related("approver").order_by("-created_at").first()
    by = f" by {last.approver.get_full_name() or last.approver.username}" if last else ""
    comment = f"\nComment: {last.comment}\n" if last and last.comment else ""
    body = (
        f"Your deployment request was {request.get_state_display().lower()}{by}.\n\n"
        f"{_summary(request)}{comment}\n{_link(request)}\n"
    )
    return _send(
        f"[Attest] {request.get_state_display()}: {request.model_service.name} "
        f"v{request.model_version.version} → {request.environment}",
        body,
        [request.requested_by.email],
    )


def approval_expiring(request: DeploymentRequest) -> int:
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request.pk)
    body = (
        f"This approval expires on {request.expires_at:%Y-%m-%d}. Request a recertification "
        f"before then, or the deploy gate will deny.\n\n{_summary(request)}\n{_link(request)}\n"
    )
    recipients = [
        request.requested_by.email,
        *selectors.eligible_reviewers(request).values_list("email", flat=True),
    ]
    return _send(
        f"[Attest] Approval expiring: {request.model_service.name} "
        f"v{request.model_version.version} → {request.environment}",
        body,
        recipients,
    )
