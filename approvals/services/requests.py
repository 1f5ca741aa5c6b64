"""Opening, submitting and withdrawing deployment requests."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from approvals import outgoing_events, selectors
from approvals.access import may_withdraw
from approvals.audit_actions import REQUEST_DRAFTED, REQUEST_SUBMITTED, REQUEST_WITHDRAWN
from approvals.models import DeploymentRequest
from approvals.services._common import (
    Conflict,
    State,
    _on_commit_task,
    _requirement_or_refuse,
    _transition,
    _validate_environment,
    links_clean,
    metrics_clean,
)
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from common.text import check_lengths
from risk.selectors import governing_tier


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
        raise PermissionDenied(gettext("Only the owning team requests deployments of its models."))
    _validate_environment(environment)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(
            {"justification": [gettext("Say why this version should be deployed.")]}
        )
    check_lengths(DeploymentRequest, {"justification": justification})
    requirement = _requirement_or_refuse(model, environment)
    metrics, links = metrics_clean(metrics), links_clean(links)
    if model_version.registry_deleted_at is not None:
        raise ValidationError({"version": [gettext("This version was deleted in the registry.")]})
    if model_version.status != ModelVersion.Status.READY:
        raise ValidationError(
            {"version": [gettext("Only a version that is ready can be deployed.")]}
        )
    if DeploymentRequest.objects.filter(
        model_version=model_version,
        environment=environment,
        state__in=DeploymentRequest.OPEN_STATES,
    ).exists():
        raise Conflict(
            gettext(
                "Version %(version)s already has an open request or a valid approval for %(env)s."
            )
            % {"version": model_version.version, "env": environment}
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
        risk_tier=governing_tier(model),
        requirement=requirement.as_dict(),
        state=State.SUBMITTED if submit else State.DRAFT,
        submitted_at=timezone.now() if submit else None,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a simultaneous request won the partial unique index
        raise Conflict(
            gettext("Version %(version)s already has an open request for %(env)s.")
            % {"version": model_version.version, "env": environment}
        ) from exc
    audit_record(
        actor=actor,
        action=REQUEST_SUBMITTED if submit else REQUEST_DRAFTED,
        target=request,
        subject_id=model.pk,
        after={
            "version": model_version.version,
            "environment": environment,
            "risk_tier": governing_tier(model),
            "channel": channel,
            "metrics": metrics,
        },
    )
    if submit:
        _on_commit_task("notify_request_submitted", str(request.pk))
        outgoing_events.request_submitted(request, actor=actor)
    return request


@transaction.atomic
def deployment_request_submit(*, actor, request: DeploymentRequest) -> DeploymentRequest:
    """Send a draft to the reviewers, under the policy of the model's tier as it is now."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.requested_by_id != actor.pk and not selectors.can_request(
        actor, request.model_service
    ):
        raise PermissionDenied(gettext("Only the requester or the owning team submits this draft."))
    requirement = _requirement_or_refuse(request.model_service, request.environment)
    _transition(request, State.SUBMITTED)
    request.submitted_at = timezone.now()
    request.risk_tier = governing_tier(request.model_service)
    request.requirement = requirement.as_dict()
    request.save(update_fields=["state", "submitted_at", "risk_tier", "requirement", "updated_at"])
    audit_record(
        actor=actor,
        action=REQUEST_SUBMITTED,
        target=request,
        subject_id=request.model_service_id,
        before={"state": State.DRAFT},
        after={"state": State.SUBMITTED, "risk_tier": request.risk_tier},
    )
    _on_commit_task("notify_request_submitted", str(request.pk))
    outgoing_events.request_submitted(request, actor=actor)
    return request


@transaction.atomic
def deployment_request_withdraw(
    *, actor, request: DeploymentRequest, reason: str = ""
) -> DeploymentRequest:
    """The requester (or the owning team) takes back a draft or a request awaiting review."""
    request = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
    # Permission before state: a refused actor learns nothing about the request's state.
    if not may_withdraw(actor, request):
        raise PermissionDenied(
            gettext("Only the requester or the owning team withdraws this request.")
        )
    reason = (reason or "").strip()
    check_lengths(DeploymentRequest, {"closed_reason": reason}, names={"closed_reason": "reason"})
    before = request.state
    _transition(request, State.WITHDRAWN)
    request.closed_at, request.closed_by, request.closed_reason = timezone.now(), actor, reason
    request.save(update_fields=["state", "closed_at", "closed_by", "closed_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=REQUEST_WITHDRAWN,
        target=request,
        subject_id=request.model_service_id,
        before={"state": before},
        after={"state": State.WITHDRAWN, "reason": reason},
    )
    return request
