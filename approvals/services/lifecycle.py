"""The life of an approval: revocation, expiry, reminders, staleness and re-review."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from approvals import outgoing_events, selectors
from approvals.access import may_revoke
from approvals.audit_actions import (
    APPROVAL_EXPIRED,
    APPROVAL_REVOKED,
    APPROVAL_STALED,
    REQUEST_SUBMITTED,
)
from approvals.models import DeploymentRequest
from approvals.services._common import (
    Conflict,
    State,
    _on_commit_task,
    _schedule_writeback,
    _transition,
)
from audit.services import audit_record
from catalog.models import ModelService
from common.text import check_lengths
from risk.selectors import governing_tier


# --- The life of an approval ----------------------------------------------------------------
def _close_approval(request, state: str, *, actor, reason: str, action: str, extra=None) -> None:
    _transition(request, state)
    request.closed_at, request.closed_by, request.closed_reason = timezone.now(), actor, reason
    request.save(update_fields=["state", "closed_at", "closed_by", "closed_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        target=request,
        subject_id=request.model_service_id,
        before={"state": State.APPROVED},
        after={"state": state, "reason": reason, **(extra or {})},
    )
    _schedule_writeback(request)
    outgoing_events.approval_closed(request, actor=actor, reason=reason)


@transaction.atomic
def approval_revoke(*, actor, request: DeploymentRequest, reason: str) -> DeploymentRequest:
    """Withdraw a valid approval (compliance officers, admins, the team's reviewers). The gate
    denies at once; the registry tags and alias are removed after commit."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    # Permission before state: a refused actor learns nothing about the request's state.
    if not may_revoke(actor, request):
        raise PermissionDenied(gettext("Only compliance officers and the team's reviewers revoke."))
    if request.state != State.APPROVED:
        raise Conflict(gettext("Only an approved request can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [gettext("Say why the approval is revoked.")]})
    check_lengths(DeploymentRequest, {"closed_reason": reason}, names={"closed_reason": "reason"})
    _close_approval(request, State.REVOKED, actor=actor, reason=reason, action=APPROVAL_REVOKED)
    return request


def approvals_expire(*, now=None) -> int:
    """Close every approval past its expiry (beat task). One transaction and event per approval,
    so one failure does not hold back the rest."""
    now = now or timezone.now()
    due = DeploymentRequest.objects.filter(state=State.APPROVED, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        with transaction.atomic():
            request = DeploymentRequest.objects.select_for_update().get(pk=pk)
            if request.state != State.APPROVED or request.expires_at > now:
                continue
            _close_approval(
                request,
                State.EXPIRED,
                actor=None,
                reason=f"Approval expired on {request.expires_at:%Y-%m-%d}; recertify.",
                action=APPROVAL_EXPIRED,
            )
            count += 1
    return count


def approvals_due_for_reminder(*, now=None) -> list[DeploymentRequest]:
    """Approvals expiring within ATTEST_APPROVAL_REMINDER_DAYS that were not reminded yet;
    marks them reminded (no audit: nothing about the approval changes)."""
    from django.conf import settings

    now = now or timezone.now()
    horizon = now + timedelta(days=settings.ATTEST_APPROVAL_REMINDER_DAYS)
    with transaction.atomic():
        rows = list(
            DeploymentRequest.objects.select_for_update(skip_locked=True).filter(
                state=State.APPROVED,
                expires_at__lte=horizon,
                expires_at__gt=now,
                reminded_at__isnull=True,
            )
        )
        DeploymentRequest.objects.filter(pk__in=[r.pk for r in rows]).update(reminded_at=now)
        for row in rows:  # announced once, with the reminder, through the outbox
            outgoing_events.approval_expiring(row)
    return rows


def approvals_refresh(*, model_service: ModelService, cause: str, actor=None) -> list:
    """Re-check every valid approval of the model against its fingerprint, in the caller's
    transaction. A changed fingerprint makes the approval stale (audited, write-back removed)
    and opens a re-review request for the same version and environment (audited, reviewers
    notified), which the reviewers decide on what is there now."""
    stale = []
    for request in (
        DeploymentRequest.objects.select_for_update()
        .filter(model_service=model_service, state=State.APPROVED)
        .select_related("model_version", "model_service")
    ):
        inputs = selectors.fingerprint_inputs(request.model_version)
        if inputs.digest() == request.fingerprint:
            continue
        from approvals.fingerprint import changed_inputs

        changed = changed_inputs(request.fingerprint_inputs, inputs.as_dict())
        reason = f"{cause}: " + (", ".join(changed) or "inputs") + " changed since approval"
        _close_approval(
            request,
            State.STALE,
            actor=actor,
            reason=reason,
            action=APPROVAL_STALED,
            extra={"changed": changed, "fingerprint": inputs.digest()},
        )
        stale.append(request)
        _open_rereview(request, actor=actor, reason=reason)
    return stale


def approval_mark_for_rereview(
    *, request: DeploymentRequest, reason: str, actor=None
) -> DeploymentRequest | None:
    """Call a valid approval into question for a reason its fingerprint cannot see (a monitoring
    threshold set to ask for a re-review was breached), in the caller's transaction.

    The approval becomes stale exactly as after a fingerprint change: audited, the gate denies
    new deployments, the registry alias is removed after commit, and a re-review request for the
    same version and environment is opened for the reviewers. Returns that request, or None
    when the approval was no longer in force (nothing changes then)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [gettext("Say why the approval needs a re-review.")]})
    request = (
        DeploymentRequest.objects.select_for_update()
        .select_related("model_version", "model_service")
        .get(pk=request.pk)
    )
    if request.state != State.APPROVED:
        return None
    _close_approval(
        request,
        State.STALE,
        actor=actor,
        reason=reason,
        action=APPROVAL_STALED,
        extra={"cause": "re-review requested"},
    )
    return _open_rereview(request, actor=actor, reason=reason)


def _open_rereview(request: DeploymentRequest, *, actor, reason: str) -> DeploymentRequest | None:
    """A new submitted request for the stale approval's version and environment (audited,
    reviewers notified after commit); None for a prohibited or unassessed model."""
    requirement = selectors.requirement_for(request.model_service, request.environment)
    if requirement is None or not requirement.submittable:
        return None
    rereview = DeploymentRequest.objects.create(
        model_service=request.model_service,
        model_version=request.model_version,
        environment=request.environment,
        requested_by_id=request.requested_by_id,
        channel=DeploymentRequest.Channel.SYSTEM,
        justification=request.justification,
        metrics=request.metrics,
        links=request.links,
        risk_tier=governing_tier(request.model_service),
        requirement=requirement.as_dict(),
        state=State.SUBMITTED,
        submitted_at=timezone.now(),
        supersedes=request,
    )
    audit_record(
        actor=actor,
        action=REQUEST_SUBMITTED,
        target=rereview,
        subject_id=request.model_service_id,
        after={
            "version": request.model_version.version,
            "environment": request.environment,
            "re_review_of": str(request.pk),
            "reason": reason,
        },
    )
    _on_commit_task("notify_request_submitted", str(rereview.pk))
    outgoing_events.request_submitted(rereview, actor=actor)
    return rereview
