"""Deployments CI reports, and governance drift in the registry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from approvals import configuration, selectors
from approvals.audit_actions import DEPLOYMENT_RECORDED, DRIFT_DETECTED, DRIFT_RESOLVED
from approvals.models import Deployment, DeploymentRequest, DriftFinding
from approvals.services._common import GateRefused, _validate_environment
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from catalog.registries import adapter_for


# --- Deployments ----------------------------------------------------------------------------
@transaction.atomic
def deployment_record(
    *, actor, model_version: ModelVersion, environment: str, reference: str = ""
) -> Deployment:
    """CI reports it deployed ``model_version`` to ``environment``. Refused (409, audited by the
    gate check it runs) without a valid approval."""
    from approvals.gate import evaluate

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
        action=DEPLOYMENT_RECORDED,
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
                    action=DRIFT_RESOLVED,
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
                action=DRIFT_DETECTED,
                target=finding,
                subject_id=model_service.pk,
                after={"alias": alias, "version": version.version, "environment": environment},
            )
            opened.append(finding)
    return (
        opened
        + _approval_status_drift(model_service, resolve_only=resolve_only)
        + _approval_tag_drift(model_service, resolve_only=resolve_only)
    )


APPROVAL_STATUS = "ModelApprovalStatus"


def _approval_status_drift(model_service: ModelService, *, resolve_only: bool) -> list:
    """Registries with an approval status of their own (SageMaker): a version ``Approved``
    there without a valid Attest approval for the environment it stands for is drift; the
    finding resolves once the status moves away or the version is approved in Attest."""
    source = model_service.registry_source
    if source is None or source.kind != "sagemaker":
        return []
    environment = source.approval_environment
    opened = []
    approved = {
        v.pk: v
        for v in ModelVersion.objects.filter(
            model_service=model_service, registry_approval_status="Approved"
        )
    }

    def valid(version) -> bool:
        return (
            selectors.approved_for(version, environment) is not None
            or DeploymentRequest.objects.filter(
                model_version=version, environment=environment, writeback_pending=True
            ).exists()
        )

    for row in DriftFinding.objects.filter(
        model_service=model_service, alias=APPROVAL_STATUS, resolved_at__isnull=True
    ):
        version = approved.get(row.model_version_id)
        if version is None or valid(version):
            row.resolved_at = timezone.now()
            row.resolution = (
                "The version is approved in Attest now."
                if version is not None
                else "The approval status was taken back in the registry."
            )
            row.save(update_fields=["resolved_at", "resolution", "updated_at"])
            audit_record(
                actor=None,
                action=DRIFT_RESOLVED,
                target=row,
                subject_id=model_service.pk,
                after={"alias": APPROVAL_STATUS, "resolution": row.resolution},
            )
    if resolve_only:
        return []
    for version in approved.values():
        if valid(version):
            continue
        finding, created = DriftFinding.objects.get_or_create(
            model_service=model_service,
            alias=APPROVAL_STATUS,
            model_version=version,
            resolved_at=None,
            defaults={
                "environment": environment,
                "detail": (
                    f"SageMaker shows version {version.version} as Approved, which has no valid "
                    f"approval for {environment} in Attest: it was approved outside Attest."
                ),
            },
        )
        if created:
            audit_record(
                actor=None,
                action=DRIFT_DETECTED,
                target=finding,
                subject_id=model_service.pk,
                after={
                    "alias": APPROVAL_STATUS,
                    "version": version.version,
                    "environment": environment,
                },
            )
            opened.append(finding)
    return opened


APPROVAL_TAG = "attest.status"


def _approval_tag_drift(model_service: ModelService, *, resolve_only: bool) -> list:
    """Kubeflow Model Registry: a version showing ``attest.status=approved`` there without a
    valid Attest approval for an environment it names (``attest.environment``) was marked
    approved behind Attest's back; the finding resolves once the property is gone or Attest
    approves the version."""
    source = model_service.registry_source
    if source is None or not adapter_for(source.kind).approval_in_tags:
        return []
    marked = {
        v.pk: v
        for v in ModelVersion.objects.filter(model_service=model_service)
        if (v.tags or {}).get(APPROVAL_TAG) == "approved"
    }

    def valid(version) -> bool:
        named = [e for e in (version.tags.get("attest.environment") or "").split(",") if e]
        return (
            any(selectors.approved_for(version, environment) is not None for environment in named)
            or DeploymentRequest.objects.filter(
                model_version=version, writeback_pending=True
            ).exists()
        )

    for row in DriftFinding.objects.filter(
        model_service=model_service, alias=APPROVAL_TAG, resolved_at__isnull=True
    ):
        version = marked.get(row.model_version_id)
        if version is None or valid(version):
            row.resolved_at = timezone.now()
            row.resolution = (
                "The version is approved in Attest now."
                if version is not None
                else "The approval property was removed in the registry."
            )
            row.save(update_fields=["resolved_at", "resolution", "updated_at"])
            audit_record(
                actor=None,
                action=DRIFT_RESOLVED,
                target=row,
                subject_id=model_service.pk,
                after={"alias": APPROVAL_TAG, "resolution": row.resolution},
            )
    if resolve_only:
        return []
    opened = []
    for version in marked.values():
        if valid(version):
            continue
        environment = (version.tags.get("attest.environment") or "").split(",")[0][:40]
        finding, created = DriftFinding.objects.get_or_create(
            model_service=model_service,
            alias=APPROVAL_TAG,
            model_version=version,
            resolved_at=None,
            defaults={
                "environment": environment,
                "detail": (
                    f"The registry marks version {version.version} approved, which has no valid "
                    "approval in Attest: the property was set outside Attest."
                ),
            },
        )
        if created:
            audit_record(
                actor=None,
                action=DRIFT_DETECTED,
                target=finding,
                subject_id=model_service.pk,
                after={"alias": APPROVAL_TAG, "version": version.version},
            )
            opened.append(finding)
    return opened
