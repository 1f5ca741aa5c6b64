"""Every state change of deployment requests, approvals and deployments. Each is audited.

Rules enforced here (and again by the database, see migration 0003): the transition table
``DeploymentRequest.TRANSITIONS``; approver ≠ requester; one decision per approver; one open
request per (version, environment); the approval binds a fingerprint and expires. Side effects
(e-mail, registry write-back) run after commit in Celery.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from governance.approvals import configuration, policy, selectors
from governance.models import ApprovalDecision, Deployment, DeploymentRequest, DriftFinding

State = DeploymentRequest.State
Verdict = ApprovalDecision.Verdict


class Conflict(Exception):
    """The action clashes with the request's current state (HTTP 409)."""


class GateRefused(Conflict):
    """No valid approval: carries the reasons the gate gives."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _transition(request: DeploymentRequest, state: str) -> None:
    if not request.can_move_to(state):
        raise Conflict(
            f"This request is {request.get_state_display().lower()}; it cannot become {state}."
        )
    request.state = state


def _on_commit_task(task_name: str, *args) -> None:
    """Enqueue a governance task after commit (a rolled-back change sends nothing)."""
    from governance import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(*args))


def _schedule_writeback(request: DeploymentRequest) -> None:
    """Mark the registry write-back as owed (durable: the sweeper finds it if the queue loses it)
    and enqueue it after commit. Only models that come from a registry get one."""
    if not request.model_service.registry_source_id:
        return
    DeploymentRequest.objects.filter(pk=request.pk).update(
        writeback_pending=True,
        writeback_attempts=0,
        writeback_error="",
        updated_at=timezone.now(),
    )
    _on_commit_task("writeback_request", str(request.pk))


def _validate_environment(environment: str) -> None:
    envs = configuration.environments()
    if environment not in envs:
        raise ValidationError({"environment": [f"Unknown environment; one of: {', '.join(envs)}."]})


def _clean_metrics(metrics: Any) -> dict:
    if metrics in (None, ""):
        return {}
    if not isinstance(metrics, dict):
        raise ValidationError({"metrics": ["Metrics must be a JSON object of name → number."]})
    cleaned = {}
    for name, value in metrics.items():
        if (
            not isinstance(name, str)
            or not name
            or len(name) > 200
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value  # NaN
            or value in (float("inf"), float("-inf"))
        ):
            raise ValidationError(
                {"metrics": [f"{str(name)[:60]!r}: metric values must be finite numbers."]}
            )
        cleaned[name] = value
    if len(cleaned) > 200:
        raise ValidationError({"metrics": ["At most 200 metrics per request."]})
    return cleaned


def _clean_links(links: Any) -> list[str]:
    if not links:
        return []
    if not isinstance(links, list) or len(links) > 20:
        raise ValidationError({"links": ["A list of at most 20 http(s) URLs."]})
    from django.core.validators import URLValidator

    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            validate(link if isinstance(link, str) else "")
        except ValidationError as exc:
            raise ValidationError({"links": [f"Not an http(s) URL: {str(link)[:100]!r}"]}) from exc
    return list(links)


def _requirement_or_refuse(model: ModelService, environment: str) -> policy.Requirement:
    requirement = selectors.requirement_for(model, environment)
    if requirement is None:
        raise ValidationError(
            {"model": ["This model has no EU AI Act risk assessment yet: assess it first."]}
        )
    if not requirement.submittable:
        raise ValidationError(
            {"model": ["Prohibited practice (Art. 5): a deployment request cannot be submitted."]}
        )
    return requirement


# --- Requests -------------------------------------------------------------------------------
@transaction.atomic
def deployment_request_create(
    *,
    actor,
    model_version: ModelVersion,
    environment: str,
    justification: str,
    metrics: Any = None,
    links: Any = None,
    submit: bool = True,
    channel: str = DeploymentRequest.Channel.WEB,
) -> DeploymentRequest:
    """Open a request to deploy ``model_version`` to ``environment`` (submitted, or a draft).

    Refused: unknown environment, a model without an assessment or in the prohibited tier, an
    empty justification, and a second open request for the same version and environment.
    """
    model = ModelService.objects.select_for_update().get(pk=model_version.model_service_id)
    if not selectors.can_request(actor, model):
        raise PermissionDenied("Only the owning team requests deployments of its models.")
    _validate_environment(environment)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": ["Say why this version should be deployed."]})
    if len(justification) > 10_000:
        raise ValidationError({"justification": ["At most 10,000 characters."]})
    requirement = _requirement_or_refuse(model, environment)
    metrics, links = _clean_metrics(metrics), _clean_links(links)
    if model_version.registry_deleted_at is not None:
        raise ValidationError({"version": ["This version was deleted in the registry."]})
    if model_version.status != ModelVersion.Status.READY:
        raise ValidationError({"version": ["Only a version that is ready can be deployed."]})
    if DeploymentRequest.objects.filter(
        model_version=model_version,
        environment=environment,
        state__in=DeploymentRequest.OPEN_STATES,
    ).exists():
        raise Conflict(
            f"Version {model_version.version} already has an open request or a valid approval "
            f"for {environment}."
        )
    request = DeploymentRequest(
        model_service=model,
        model_version=model_version,
        environment=environment,
        requested_by=actor,
        channel=channel,
        justification=justification,
        metrics=metrics,
        links=links,
        risk_tier=model.risk_tier,
        requirement=requirement.as_dict(),
        state=State.SUBMITTED if submit else State.DRAFT,
        submitted_at=timezone.now() if submit else None,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a simultaneous request won the partial unique index
        raise Conflict(
            f"Version {model_version.version} already has an open request for {environment}."
        ) from exc
    audit_record(
        actor=actor,
        action="governance.request_submitted" if submit else "governance.request_drafted",
        target=request,
        subject_id=model.pk,
        after={
            "version": model_version.version,
            "environment": environment,
            "risk_tier": model.risk_tier,
            "channel": channel,
            "metrics": metrics,
        },
    )
    if submit:
        _on_commit_task("notify_request_submitted", str(request.pk))
    return request


@transaction.atomic
def deployment_request_submit(*, actor, request: DeploymentRequest) -> DeploymentRequest:
    """Send a draft to the reviewers, under the policy of the model's tier as it is now."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.requested_by_id != actor.pk and not selectors.can_request(
        actor, request.model_service
    ):
        raise PermissionDenied("Only the requester or the owning team submits this draft.")
    requirement = _requirement_or_refuse(request.model_service, request.environment)
    _transition(request, State.SUBMITTED)
    request.submitted_at = timezone.now()
    request.risk_tier = request.model_service.risk_tier
    request.requirement = requirement.as_dict()
    request.save(update_fields=["state", "submitted_at", "risk_tier", "requirement", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.request_submitted",
        target=request,
        subject_id=request.model_service_id,
        before={"state": State.DRAFT},
        after={"state": State.SUBMITTED, "risk_tier": request.risk_tier},
    )
    _on_commit_task("notify_request_submitted", str(request.pk))
    return request


@transaction.atomic
def deployment_request_withdraw(
    *, actor, request: DeploymentRequest, reason: str = ""
) -> DeploymentRequest:
    """The requester (or the owning team) takes back a draft or a request awaiting review."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    if not selectors.can_withdraw(actor, request) and request.state in (
        State.DRAFT,
        State.SUBMITTED,
    ):
        raise PermissionDenied("Only the requester or the owning team withdraws this request.")
    before = request.state
    _transition(request, State.WITHDRAWN)
    request.closed_at, request.closed_by, request.closed_reason = timezone.now(), actor, reason
    request.save(update_fields=["state", "closed_at", "closed_by", "closed_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.request_withdrawn",
        target=request,
        subject_id=request.model_service_id,
        before={"state": before},
        after={"state": State.WITHDRAWN, "reason": reason},
    )
    return request


# --- Decisions ------------------------------------------------------------------------------
def _refuse(actor, request: DeploymentRequest, reason: str, verdict: str) -> None:
    """Record a refused decision in its own transaction, then raise 403: the attempt stays in
    the trail even though nothing else is written (P6)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="governance.decision_refused",
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
        raise ValidationError({"comment": ["A rejection needs a comment saying why."]})
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
            f"This request is already {request.get_state_display().lower()}; "
            "it takes no more decisions."
        )
    if request.decisions.filter(approver=actor).exists():
        raise Conflict("You have already decided this request.")
    model = request.model_service
    requirement = policy.Requirement(**request.requirement)
    inputs = selectors.fingerprint_inputs(request.model_version)
    digest = inputs.digest()
    if verdict == Verdict.APPROVE:
        blocking = selectors.blockers(model, requirement)
        if blocking:
            raise Conflict("Cannot approve yet: " + " ".join(blocking))
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
        action = "governance.request_rejected"
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
            action = "governance.request_approved"
        else:
            action = "governance.approval_recorded"
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
    return request


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


@transaction.atomic
def approval_revoke(*, actor, request: DeploymentRequest, reason: str) -> DeploymentRequest:
    """Withdraw a valid approval (compliance officers, admins, the team's reviewers). The gate
    denies at once; the registry tags and alias are removed after commit."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    if not selectors.can_revoke(actor, request):
        if request.state != State.APPROVED:
            raise Conflict("Only an approved request can be revoked.")
        raise PermissionDenied("Only compliance officers and the team's reviewers revoke.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the approval is revoked."]})
    _close_approval(
        request, State.REVOKED, actor=actor, reason=reason, action="governance.approval_revoked"
    )
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
                action="governance.approval_expired",
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
        from governance.approvals.fingerprint import changed_inputs

        changed = changed_inputs(request.fingerprint_inputs, inputs.as_dict())
        reason = f"{cause}: " + (", ".join(changed) or "inputs") + " changed since approval"
        _close_approval(
            request,
            State.STALE,
            actor=actor,
            reason=reason,
            action="governance.approval_staled",
            extra={"changed": changed, "fingerprint": inputs.digest()},
        )
        stale.append(request)
        requirement = selectors.requirement_for(request.model_service, request.environment)
        if requirement is None or not requirement.submittable:
            continue  # a prohibited or unassessed model gets no re-review request
        rereview = DeploymentRequest.objects.create(
            model_service=request.model_service,
            model_version=request.model_version,
            environment=request.environment,
            requested_by_id=request.requested_by_id,
            channel=DeploymentRequest.Channel.SYSTEM,
            justification=request.justification,
            metrics=request.metrics,
            links=request.links,
            risk_tier=request.model_service.risk_tier,
            requirement=requirement.as_dict(),
            state=State.SUBMITTED,
            submitted_at=timezone.now(),
            supersedes=request,
        )
        audit_record(
            actor=actor,
            action="governance.request_submitted",
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
    return stale


# --- Deployments ----------------------------------------------------------------------------
@transaction.atomic
def deployment_record(
    *, actor, model_version: ModelVersion, environment: str, reference: str = ""
) -> Deployment:
    """CI reports it deployed ``model_version`` to ``environment``. Refused (409, audited by the
    gate check it runs) without a valid approval."""
    from governance.approvals.gate import evaluate

    if not selectors.can_request(actor, model_version.model_service):
        raise PermissionDenied("Only the owning team records deployments of its models.")
    _validate_environment(environment)
    answer = evaluate(model_version=model_version, environment=environment)
    if not answer.allowed:
        raise GateRefused(answer.reasons)
    deployment = Deployment.objects.create(
        model_service=model_version.model_service,
        model_version=model_version,
        environment=environment,
        approval=answer.approval,
        fingerprint=answer.approval.fingerprint,
        deployed_by=actor,
        deployed_at=timezone.now(),
        reference=(reference or "")[:500],
    )
    audit_record(
        actor=actor,
        action="governance.deployment_recorded",
        target=deployment,
        subject_id=model_version.model_service_id,
        after={
            "version": model_version.version,
            "environment": environment,
            "approval_id": str(answer.approval.pk),
            "reference": deployment.reference,
        },
    )
    return deployment


# --- Governance drift -----------------------------------------------------------------------
def drift_check(*, model_service: ModelService, resolve_only: bool = False) -> list[DriftFinding]:
    """In the caller's transaction: every governed alias (ATTEST_ENVIRONMENT_ALIASES) sitting on
    a version without a valid approval for its environment opens a finding (audited once);
    findings whose alias moved back to an approved version (or whose version became approved)
    are resolved (audited). ``resolve_only``: only resolve — for callers that know the registry
    changed but the catalog has not ingested it yet (our own write-back), where an alias we just
    removed still shows on a revoked version."""
    aliases = configuration.aliases()
    opened = []
    on_version = {}
    for version in ModelVersion.objects.filter(model_service=model_service):
        for alias in version.aliases or []:
            on_version[alias] = version
    for environment, alias in aliases.items():
        version = on_version.get(alias)
        valid = version is not None and (
            selectors.approved_for(version, environment) is not None
            # A revoke or expiry whose write-back has not run yet is our own doing, not drift.
            or DeploymentRequest.objects.filter(
                model_version=version, environment=environment, writeback_pending=True
            ).exists()
        )
        open_rows = DriftFinding.objects.filter(
            model_service=model_service, alias=alias, resolved_at__isnull=True
        )
        for row in open_rows:
            if valid or version is None or row.model_version_id != version.pk:
                row.resolved_at = timezone.now()
                row.resolution = (
                    "The alias now points at an approved version."
                    if valid
                    else "The alias moved or was removed."
                )
                row.save(update_fields=["resolved_at", "resolution", "updated_at"])
                audit_record(
                    actor=None,
                    action="governance.drift_resolved",
                    target=row,
                    subject_id=model_service.pk,
                    after={"alias": alias, "resolution": row.resolution},
                )
        if version is None or valid or resolve_only:
            continue
        finding, created = DriftFinding.objects.get_or_create(
            model_service=model_service,
            alias=alias,
            model_version=version,
            resolved_at=None,
            defaults={
                "environment": environment,
                "detail": (
                    f"The registry alias '{alias}' points at version {version.version}, which has "
                    f"no valid approval for {environment}: it was moved outside Attest."
                ),
            },
        )
        if created:
            audit_record(
                actor=None,
                action="governance.drift_detected",
                target=finding,
                subject_id=model_service.pk,
                after={"alias": alias, "version": version.version, "environment": environment},
            )
            opened.append(finding)
    return opened
