"""Approve or reject: separation of duties, the row lock, the fingerprint an approval binds."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from approvals import outgoing_events, policy, selectors
from approvals.audit_actions import (
    APPROVAL_RECORDED,
    DECISION_REFUSED,
    REQUEST_APPROVED,
    REQUEST_REJECTED,
)
from approvals.models import ApprovalDecision, DeploymentRequest
from approvals.services._common import (
    Conflict,
    State,
    Verdict,
    _on_commit_task,
    _schedule_writeback,
    _transition,
)
from audit.services import audit_record
from common.text import check_lengths


# --- Decisions ------------------------------------------------------------------------------
def _refuse(actor, request: DeploymentRequest, reason: str, verdict: str) -> None:
    """Record a refused decision in its own transaction, then raise 403: the attempt stays in
    the trail even though nothing else is written (P6)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=DECISION_REFUSED,
            target=request,
            subject_id=request.model_service_id,
            after={"verdict": verdict, "reason": reason},
        )
    raise PermissionDenied(reason)


def deployment_request_decide(
    *, actor, request: DeploymentRequest, verdict: str, comment: str = ""
) -> DeploymentRequest:
    """Approve or reject, as one reviewer. The row is locked first, so simultaneous deciders
    queue up and see the state the previous one left (P3).

    A reject closes the request (a comment is required). An approval counts towards the
    policy; the request becomes approved when enough distinct approvers (and compliance
    officers) approved the same fingerprint and nothing else blocks it. The approval then
    binds the fingerprint and gets its expiry; the registry is told after commit.
    """
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": ["approve or reject"]})
    refusal = selectors.decide_refusal(actor, request)
    if refusal:
        _refuse(actor, request, refusal, verdict)
    comment = (comment or "").strip()
    if verdict == Verdict.REJECT and not comment:
        raise ValidationError({"comment": [gettext("A rejection needs a comment saying why.")]})
    check_lengths(ApprovalDecision, {"comment": comment})
    with transaction.atomic():
        return _decide_locked(actor, request.pk, verdict, comment)


def _decide_locked(actor, request_pk, verdict: str, comment: str) -> DeploymentRequest:
    request = (
        DeploymentRequest.objects.select_for_update(of=("self",))
        .select_related("model_service", "model_version")
        .get(pk=request_pk)
    )
    if request.state != State.SUBMITTED:
        raise Conflict(
            gettext("This request is already %(state)s; it takes no more decisions.")
            % {"state": request.get_state_display().lower()}
        )
    if request.decisions.filter(approver=actor).exists():
        raise Conflict(gettext("You have already decided this request."))
    model = request.model_service
    requirement = policy.Requirement(**request.requirement)
    inputs = selectors.fingerprint_inputs(request.model_version)
    digest = inputs.digest()
    if verdict == Verdict.APPROVE:
        blocking = selectors.blockers(model, requirement)
        if blocking:
            raise Conflict(
                gettext("Cannot approve yet: %(reasons)s") % {"reasons": " ".join(blocking)}
            )
    decision = ApprovalDecision.objects.create(
        request=request,
        approver=actor,
        requester_id=request.requested_by_id,
        verdict=verdict,
        comment=comment,
        as_compliance=selectors.is_compliance(actor),
        fingerprint=digest,
    )
    now = timezone.now()
    if verdict == Verdict.REJECT:
        _transition(request, State.REJECTED)
        request.decided_at = now
        request.save(update_fields=["state", "decided_at", "updated_at"])
        action = REQUEST_REJECTED
    else:
        # Only approvals of what is there now count: evidence added after an approval
        # means the earlier approver has not seen it.
        votes = [
            policy.Vote(str(d.approver_id), d.verdict == Verdict.APPROVE, d.as_compliance)
            for d in request.decisions.filter(fingerprint=digest)
        ]
        complete, _missing = policy.tally(requirement, votes)
        if complete:
            _transition(request, State.APPROVED)
            request.decided_at = now
            request.expires_at = now + timedelta(days=requirement.validity_days)
            request.fingerprint = digest
            request.fingerprint_inputs = inputs.as_dict()
            request.save(
                update_fields=[
                    "state",
                    "decided_at",
                    "expires_at",
                    "fingerprint",
                    "fingerprint_inputs",
                    "updated_at",
                ]
            )
            action = REQUEST_APPROVED
        else:
            action = APPROVAL_RECORDED
    audit_record(
        actor=actor,
        action=action,
        target=request,
        subject_id=model.pk,
        before={"state": State.SUBMITTED},
        after={
            "state": request.state,
            "verdict": verdict,
            "comment": comment,
            "as_compliance": decision.as_compliance,
            "fingerprint": digest,
            **({"expires_at": request.expires_at} if request.state == State.APPROVED else {}),
        },
    )
    if request.state == State.APPROVED:
        _schedule_writeback(request)
    if request.state != State.SUBMITTED:
        _on_commit_task("notify_request_decided", str(request.pk))
        outgoing_events.request_decided(request, actor=actor, comment=comment)
    return request
