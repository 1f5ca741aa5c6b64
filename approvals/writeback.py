"""Registry write-back: an approval shows in MLflow as tags on the version (``attest.status``,
``attest.approval_id``, ``attest.environment``) and, where ATTEST_ENVIRONMENT_ALIASES names one,
as the environment's alias; a revoked, expired or stale approval takes them away. In SageMaker
an approval for the source's ``approval_environment`` (production unless set) is
``ModelApprovalStatus=Approved``, and its removal sets ``PendingManualApproval`` back. What a
registry can hold comes from its client's flags (``catalog.registries.base.RegistryClient``); a
push source has no registry to write to.

Runs in Celery after commit. The request row carries the durable "owed" flag and an attempt
counter, so a lost queue is made good by the sweeper and a registry that keeps failing ends in
a visible "write-back failed" instead of retrying forever. Idempotent: it writes the desired
state of the version (all its valid approvals), not a delta, and writes only what differs.

Serialised per registry model with the catalog's ingestion lock, and the request row is locked
while the registry is written: a revoke decided during the write-back of the approval waits,
then owes (and gets) its own write-back instead of being marked done by the approval's.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from approvals import configuration
from approvals.audit_actions import REGISTRY_WRITTEN_BACK, WRITEBACK_FAILED
from approvals.models import DeploymentRequest
from audit.services import audit_record
from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable
from catalog.services.ingest import registry_model_lock
from catalog.services.sources import registry_client

logger = logging.getLogger(__name__)
State = DeploymentRequest.State
TAGS = ("attest.status", "attest.approval_id", "attest.environment")


class WritebackRetry(RuntimeError):
    """The registry is unavailable; try again after ``delay`` seconds."""

    def __init__(self, message: str, *, delay: int):
        super().__init__(message)
        self.delay = delay


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt (5, 10, 20 … at most 300)."""
    return min(300, 5 * 2 ** max(attempts - 1, 0))


def _registry_name(request: DeploymentRequest) -> str:
    model = request.model_service
    return model.registry_name or model.name


def _apply(request: DeploymentRequest) -> dict:
    """Make the registry show what Attest knows now about the request's version."""
    model, version = request.model_service, request.model_version
    name = _registry_name(request)
    client = registry_client(model.registry_source)
    if client.WRITES_APPROVAL_STATUS:
        return _apply_approval_status(request, client, name)
    if not client.WRITES_TAGS and not client.WRITES_ALIASES:
        return {"registry": "nothing to write back: the source has no registry to write to"}
    written: dict = _apply_tags(client, name, version) if client.WRITES_TAGS else {}

    alias = configuration.aliases().get(request.environment)
    if not alias or not client.WRITES_ALIASES:  # Kubeflow's registry has no aliases
        return written
    state = client.get_model(name)
    on = state.aliases.get(alias) if state is not None else None
    if request.state == State.APPROVED:
        newest = (
            DeploymentRequest.objects.filter(
                model_service=model, environment=request.environment, state=State.APPROVED
            )
            .order_by("-decided_at")
            .select_related("model_version")
            .first()
        )
        if newest is not None and newest.pk != request.pk:
            # A late or retried write-back must not move the alias back to an older approval.
            written["alias"] = f"{alias} left on the newer approval v{newest.model_version.version}"
        else:
            if on != version.version:
                client.set_alias(name, alias, version.version)
            written["alias"] = f"{alias} → v{version.version}"
    elif on == version.version:
        # Only our own alias is taken away: one moved elsewhere by hand is drift, not ours.
        client.delete_alias(name, alias)
        written["alias"] = f"{alias} removed"
    return written


def _apply_tags(client, name: str, version) -> dict:
    """MLflow and Kubeflow: the attest.* tags (properties) on the version while it has a valid
    approval, removed when it has none."""
    valid = list(
        DeploymentRequest.objects.filter(model_version=version, state=State.APPROVED).order_by(
            "decided_at"
        )
    )
    current = client.get_version(name, version.version)
    if not valid:
        for key in TAGS:
            if current is not None and key in current.tags:
                client.delete_version_tag(name, version.version, key)
        return {"tags": "removed"}
    if current is None:
        raise RegistryRequestRefused(f"{name!r} version {version.version} is not in the registry.")
    wanted = {
        "attest.status": "approved",
        "attest.approval_id": str(valid[-1].pk),
        "attest.environment": ",".join(sorted({r.environment for r in valid})),
    }
    for key, value in wanted.items():
        if current.tags.get(key) != value:
            client.set_version_tag(name, version.version, key, value)
    return {"tags": wanted}


def _apply_approval_status(request: DeploymentRequest, client, name: str) -> dict:
    """SageMaker: Approved while the version has a valid approval for the governed environment;
    otherwise our own Approved goes back to PendingManualApproval (a Rejected set in SageMaker
    is left alone)."""
    version = request.model_version
    environment = request.model_service.registry_source.approval_environment
    if request.environment != environment:
        return {"approval_status": f"not governed: SageMaker stands for {environment}"}
    valid = list(
        DeploymentRequest.objects.filter(
            model_version=version, environment=environment, state=State.APPROVED
        ).order_by("decided_at")
    )
    current = client.get_version(name, version.version)
    if current is None:
        raise RegistryRequestRefused(f"{name!r} version {version.version} is not in the registry.")
    if valid:
        if current.approval_status != "Approved":
            client.set_approval_status(
                name, version.version, "Approved", f"Attest approval {valid[-1].pk}"
            )
        return {"approval_status": "Approved", "approval_id": str(valid[-1].pk)}
    if current.approval_status == "Approved":
        client.set_approval_status(
            name,
            version.version,
            "PendingManualApproval",
            f"Attest approval {request.pk} {request.state}",
        )
        return {"approval_status": "PendingManualApproval"}
    return {"approval_status": f"left {current.approval_status or 'unset'}"}


def request_writeback(request_pk: str) -> str:
    """Write one request's approval state to its registry. Returns "done", "failed" or
    "nothing owed"; raises WritebackRetry while the registry is unavailable and attempts
    remain (ATTEST_WRITEBACK_MAX_ATTEMPTS)."""
    # The attempt is counted and committed first, so a write-back that kills its worker every
    # time still ends after ATTEST_WRITEBACK_MAX_ATTEMPTS.
    if not DeploymentRequest.objects.filter(pk=request_pk, writeback_pending=True).update(
        writeback_attempts=F("writeback_attempts") + 1, updated_at=timezone.now()
    ):
        return "nothing owed"
    request = DeploymentRequest.objects.select_related("model_service__registry_source").get(
        pk=request_pk
    )
    if request.writeback_attempts > settings.ATTEST_WRITEBACK_MAX_ATTEMPTS:
        # The last allowed attempt never reported back (its worker died): stop here.
        return _failed(request, RuntimeError("the worker stopped during the write-back"))
    try:
        with transaction.atomic():
            registry_model_lock(request.model_service.registry_source, _registry_name(request))
            request = (
                DeploymentRequest.objects.select_for_update(of=("self",))
                .select_related("model_service__registry_source", "model_version")
                .get(pk=request_pk)
            )
            if not request.writeback_pending:
                return "nothing owed"
            written = _apply(request)
            _finish(request, written=written)
            return "done"
    except RegistryUnavailable as exc:
        return _failed(request, exc)
    except RegistryRequestRefused as exc:
        return _failed(request, exc, final=True)


def _failed(request: DeploymentRequest, exc: Exception, *, final: bool = False) -> str:
    """Record a failed attempt; give up (audited, logged at error level) when the registry
    refused or no attempts remain, otherwise raise WritebackRetry with the backoff delay."""
    with transaction.atomic():
        registry_model_lock(request.model_service.registry_source, _registry_name(request))
        row = DeploymentRequest.objects.select_for_update().get(pk=request.pk)
        if not row.writeback_pending:
            return "nothing owed"
        attempts = row.writeback_attempts
        if final or attempts >= settings.ATTEST_WRITEBACK_MAX_ATTEMPTS:
            tried = min(attempts, settings.ATTEST_WRITEBACK_MAX_ATTEMPTS)
            error = str(exc) if final else f"gave up after {tried} attempts: {exc}"
            _finish(row, error=error)
            return "failed"
        DeploymentRequest.objects.filter(pk=row.pk).update(
            writeback_error=str(exc)[:1000], updated_at=timezone.now()
        )
    logger.warning("registry write-back for %s failed (attempt %s): %s", row.pk, attempts, exc)
    raise WritebackRetry(str(exc), delay=retry_delay(attempts)) from exc


def _finish(request: DeploymentRequest, *, written: dict | None = None, error: str = "") -> None:
    """In the caller's transaction: the write-back is no longer owed; audit what happened."""
    DeploymentRequest.objects.filter(pk=request.pk).update(
        writeback_pending=False,
        writeback_error=error[:1000],
        writeback_done_at=timezone.now() if not error else None,
        updated_at=timezone.now(),
    )
    audit_record(
        actor=None,
        action=REGISTRY_WRITTEN_BACK if not error else WRITEBACK_FAILED,
        target=request,
        subject_id=request.model_service_id,
        after={
            "state": request.state,
            "attempts": request.writeback_attempts,
            **(written or {}),
            **({"error": error[:1000]} if error else {}),
        },
    )
    from approvals import services

    if not error:
        # An alias moved by hand onto a version that has since been approved is fine now. Only
        # resolve: the catalog has not ingested this write-back yet, so an alias just removed
        # from a revoked version still shows there.
        services.drift_check(model_service=request.model_service, resolve_only=True)
        return
    # A revoke or expiry that could not be written leaves the alias on a version without a
    # valid approval; no longer owed, drift_check now reports it instead of excusing it.
    services.drift_check(model_service=request.model_service)
    logger.error("registry write-back for request %s failed: %s", request.pk, error)


def pending_writebacks(*, older_than_seconds: int = 60) -> list:
    """Owed write-backs whose task was lost: untouched for a minute beyond their retry delay
    (so a write-back waiting for its Celery retry is not queued twice)."""
    now = timezone.now()
    rows = DeploymentRequest.objects.filter(
        writeback_pending=True, updated_at__lt=now - timedelta(seconds=older_than_seconds)
    ).values_list("pk", "writeback_attempts", "updated_at")
    return [
        pk
        for pk, attempts, updated_at in rows.order_by("updated_at")[:2000]
        if updated_at
        < now - timedelta(seconds=older_than_seconds + (retry_delay(attempts) if attempts else 0))
    ][:500]
