"""The deploy gate: may this version go to this environment now? Fails closed.

``evaluate`` derives the answer from the current approval and re-computes the fingerprint on
every call, so a change that no background job has noticed yet still denies. ``gate_answer``
is the audited service behind ``GET /api/v1/gate/``: any error becomes a deny with a reason.
Every answer, allowed or denied, carries its signed decision (``approvals.decisions``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from approvals import configuration, decisions, policy, selectors
from approvals.audit_actions import GATE_ANSWERED
from approvals.fingerprint import FingerprintInputs
from approvals.models import DeploymentRequest
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_version_get_by_name

logger = logging.getLogger(__name__)
State = DeploymentRequest.State


@dataclass
class GateAnswer:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    approval: DeploymentRequest | None = None
    model: ModelService | None = None
    risk_tier: str = ""
    decision: str = ""  # the compact JWS of this answer (``approvals.decisions``)

    def as_json(self) -> dict:
        if self.allowed:
            return {
                "allowed": True,
                "approval_id": str(self.approval.pk),
                "risk_tier": self.risk_tier,
                "fingerprint": self.approval.fingerprint,
                "expires_at": self.approval.expires_at.isoformat(),
                "decision": self.decision,
            }
        return {"allowed": False, "reasons": self.reasons, "decision": self.decision}


def _why_not(version: ModelVersion, environment: str) -> list[str]:
    """Reasons for a deny, from the most recent request for this version and environment."""
    latest = (
        DeploymentRequest.objects.filter(model_version=version, environment=environment)
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        others = sorted(
            DeploymentRequest.objects.filter(model_version=version, state=State.APPROVED)
            .values_list("environment", flat=True)
            .distinct()
        )
        if others:
            return [
                f"Version {version.version} is approved for {', '.join(others)}, "
                f"not for {environment}."
            ]
        return [f"No deployment request for version {version.version} to {environment}."]
    if latest.state == State.SUBMITTED:
        pending = f"awaiting review ({_what_is_missing(latest)})"
        previous = latest.supersedes
        if previous is not None and previous.state == State.STALE:
            # CI must learn why a version that was approved is blocked now.
            return [f"The approval is stale: {previous.closed_reason}. A re-review is {pending}."]
        return [f"The request is {pending}."]
    if latest.state == State.DRAFT:
        return ["The request is a draft: submit it for review."]
    if latest.state == State.REJECTED:
        comment = (
            latest.decisions.filter(verdict="reject").values_list("comment", flat=True).first()
        )
        return [f"The request was rejected: {comment}"]
    if latest.state in (State.REVOKED, State.EXPIRED, State.STALE, State.WITHDRAWN):
        return [f"The approval is {latest.state}: {latest.closed_reason}".rstrip(": ")]
    return [f"The request is {latest.state}."]


def _what_is_missing(request: DeploymentRequest) -> str:
    """What the policy still needs, in the words of ``policy.tally`` ("1 approval(s) by a
    compliance officer needed"), rather than "3 of 2 approvals" when two reviewers approved a
    request that needs a compliance officer."""
    requirement = policy.Requirement(**request.requirement)
    votes = [
        policy.Vote(str(approver), verdict == "approve", as_compliance)
        for approver, verdict, as_compliance in request.decisions.values_list(
            "approver_id", "verdict", "as_compliance"
        )
    ]
    complete, missing = policy.tally(requirement, votes)
    given = len({v.approver_id for v in votes if v.approve})
    text = f"{given} of {requirement.approvals} approvals"
    compliance_missing = [m for m in missing if "compliance officer" in m]
    if compliance_missing:
        text += "; " + "; ".join(compliance_missing)
    elif complete:
        text += "; other conditions still block it"
    return text


_UNREAD = object()


def evaluate(
    *,
    model_version: ModelVersion,
    environment: str,
    approval: DeploymentRequest | None | object = _UNREAD,
    current: FingerprintInputs | None = None,
) -> GateAnswer:
    """The gate's answer, without auditing (also used by ``deployment_record``).

    ``approval`` and ``current`` are the approval and the current fingerprint inputs when the
    caller has read them already (``selectors.gate_lookup``), in the same call: the
    fingerprint is still computed from the state of now, never taken from a cache."""
    model = model_version.model_service
    answer = GateAnswer(allowed=False, model=model, risk_tier=model.risk_tier)
    if environment not in configuration.environments():
        answer.reasons = [
            f"Unknown environment {environment!r}; one of: "
            + ", ".join(configuration.environments())
            + "."
        ]
        return answer
    if approval is _UNREAD:
        approval = selectors.approved_for(model_version, environment)
    if approval is None:
        answer.reasons = _why_not(model_version, environment)
        return answer
    if approval.expires_at <= timezone.now():
        answer.reasons = [f"The approval expired on {approval.expires_at:%Y-%m-%d}: recertify."]
        return answer
    if current is None:
        current = selectors.fingerprint_inputs(model_version)
    if current.digest() != approval.fingerprint:
        from approvals.fingerprint import changed_inputs

        changed = changed_inputs(approval.fingerprint_inputs, current.as_dict())
        answer.reasons = [
            "The approval is stale: "
            + (", ".join(changed) or "what was approved")
            + " changed since it was approved; re-review is needed."
        ]
        return answer
    answer.allowed, answer.approval = True, approval
    return answer


def _lookup(user, model_name: str, version: str) -> tuple[ModelVersion | None, list[str]]:
    # The gate answers "not allowed, because ..." rather than 404: CI reads the reasons.
    try:
        return model_version_get_by_name(user=user, name=model_name, version=version), []
    except Http404 as exc:
        return None, [str(exc)]


def _not_found(model: ModelService | None, model_name: str, version: str) -> list[str]:
    # The words of ``model_version_get_by_name``'s 404s.
    if model is None:
        return [f"No model named {str(model_name)[:200]!r} that you may see."]
    return [f"Model {model.name!r} has no version {str(version)[:64]!r}."]


def _signed(answer: GateAnswer, *, actor, model_name: str, version: str, environment: str):
    """``answer`` with its decision signed; a deny without one when signing fails (an allow
    nobody can verify is not given)."""
    approval = answer.approval if answer.allowed else None
    try:
        answer.decision = decisions.sign(
            decisions.claims(
                subject=actor.get_username(),
                model=str(model_name),
                version=str(version),
                environment=str(environment),
                allowed=answer.allowed,
                reasons=answer.reasons,
                fingerprint=approval.fingerprint if approval else "",
                approval_id=str(approval.pk) if approval else "",
                approval_expires_at=approval.expires_at if approval else None,
            )
        )
    except Exception:
        logger.exception("deploy gate could not sign its answer; denying")
        return GateAnswer(
            allowed=False, reasons=["The gate could not sign its answer; failing closed."]
        )
    return answer


def gate_answer(
    *,
    actor,
    model_name: str,
    version: str,
    environment: str,
    lookup: selectors.GateLookup | None = None,
    audit_context: dict | None = None,
) -> GateAnswer:
    """Answer CI, sign the answer and record it in the audit trail. Any failure denies.

    ``lookup``: what ``selectors.gate_lookup`` read for this call (the API's fast path), so
    that the model, version, approval and fingerprint inputs are not read again.
    ``audit_context``: what else the audit event records about the caller (the workload
    identity rule that admitted an OIDC ID token)."""
    asked = {"model_name": model_name, "version": version, "environment": environment}
    try:
        if lookup is not None:
            model_version = lookup.version
            if model_version is None:
                answer = GateAnswer(
                    allowed=False, reasons=_not_found(lookup.model, model_name, version)
                )
            else:
                answer = evaluate(
                    model_version=model_version,
                    environment=environment,
                    approval=lookup.approval,
                    current=lookup.inputs,
                )
        else:
            model_version, reasons = _lookup(actor, model_name, version)
            if model_version is None:
                answer = GateAnswer(allowed=False, reasons=reasons)
            else:
                answer = evaluate(model_version=model_version, environment=environment)
    except Exception:
        logger.exception("deploy gate failed; denying")
        return _signed(
            GateAnswer(
                allowed=False, reasons=["The gate could not check the approval; failing closed."]
            ),
            actor=actor,
            **asked,
        )
    answer = _signed(answer, actor=actor, **asked)
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=GATE_ANSWERED,
                target=answer.approval or model_version,
                target_type="" if (answer.approval or model_version) else "catalog.modelversion",
                target_label=""
                if (answer.approval or model_version)
                else f"{model_name} v{version}",
                subject_id=answer.model.pk if answer.model else None,
                after={
                    "model": model_name,
                    "version": version,
                    "environment": environment,
                    "allowed": answer.allowed,
                    **({"reasons": answer.reasons} if not answer.allowed else {}),
                    # The signed decision handed out: a stored one can be matched to its event.
                    "decision_sha256": hashlib.sha256(answer.decision.encode()).hexdigest(),
                    **(audit_context or {}),
                },
            )
    except Exception:
        # An allow that cannot be recorded is not given (every gate answer is audited).
        logger.exception("deploy gate could not record its answer; denying")
        return _signed(
            GateAnswer(
                allowed=False, reasons=["The gate could not record its answer; failing closed."]
            ),
            actor=actor,
            **asked,
        )
    return answer
