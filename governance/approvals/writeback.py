"""Registry write-back: an approval shows in MLflow as tags on the version (``attest.status``,
``attest.approval_id``, ``attest.environment``) and, where ATTEST_ENVIRONMENT_ALIASES names one,
as the environment's alias; a revoked, expired or stale approval takes them away.

Runs in Celery after commit. The request row carries the durable "owed" flag and an attempt
counter, so a lost queue is made good by the sweeper and a registry that keeps failing ends in
a visible "write-back failed" instead of retrying forever. Idempotent: it writes the desired
state of the version (all its valid approvals), not a delta.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from catalog.registries.mlflow_client import RegistryRequestRefused, RegistryUnavailable
from catalog.services.sources import registry_client
from governance.approvals import configuration
from governance.models import DeploymentRequest

logger = logging.getLogger(__name__)
State = DeploymentRequest.State
TAGS = ("attest.status", "attest.approval_id", "attest.environment")


class WritebackRetry(RuntimeError):
    """The registry is unavailable; try again later."""


def _apply(request: DeploymentRequest) -> dict:
    model, version = request.model_service, request.model_version
    name = model.registry_name or model.name
    client = registry_client(model.registry_source)
    valid = list(
        DeploymentRequest.objects.filter(model_version=version, state=State.APPROVED).order_by(
            "decided_at"
        )
    )
    written: dict = {}
    if valid:
        latest = valid[-1]
        values = {
            "attest.status": "approved",
            "attest.approval_id": str(latest.pk),
            "attest.environment": ",".join(sorted({r.environment for r in valid})),
        }
        for key, value in values.items():
            client.set_version_tag(name, version.version, key, value)
        written["tags"] = values
    else:
        for key in TAGS:
            client.delete_version_tag(name, version.version, key)
        written["tags"] = "removed"
    alias = configuration.aliases().get(request.environment)
    if alias:
        if request.state == State.APPROVED:
            client.set_alias(name, alias, version.version)
            written["alias"] = f"{alias} → v{version.version}"
        else:
            state = client.get_model(name)
            if state is not None and state.aliases.get(alias) == version.version:
                client.delete_alias(name, alias)
                written["alias"] = f"{alias} removed"
    return written


def request_writeback(request_pk: str) -> str:
    request = (
        DeploymentRequest.objects.select_related("model_service__registry_source", "model_version")
        .filter(pk=request_pk, writeback_pending=True)
        .first()
    )
    if request is None:
        return "nothing owed"
    DeploymentRequest.objects.filter(pk=request.pk).update(
        writeback_attempts=request.writeback_attempts + 1
    )
    attempts = request.writeback_attempts + 1
    try:
        written = _apply(request)
    except RegistryUnavailable as exc:
        if attempts >= settings.ATTEST_WRITEBACK_MAX_ATTEMPTS:
            _finish(request, error=f"gave up after {attempts} attempts: {exc}")
            return "failed"
        DeploymentRequest.objects.filter(pk=request.pk).update(writeback_error=str(exc)[:1000])
        raise WritebackRetry(str(exc)) from exc
    except RegistryRequestRefused as exc:
        _finish(request, error=str(exc))
        return "failed"
    _finish(request, written=written)
    return "done"


def _finish(request: DeploymentRequest, *, written: dict | None = None, error: str = "") -> None:
    with transaction.atomic():
        DeploymentRequest.objects.filter(pk=request.pk).update(
            writeback_pending=False,
            writeback_error=error[:1000],
            writeback_done_at=timezone.now() if not error else None,
        )
        audit_record(
            actor=None,
            action="governance.registry_written_back"
            if not error
            else "governance.writeback_failed",
            target=request,
            subject_id=request.model_service_id,
            after={
                "state": request.state,
                **(written or {}),
                **({"error": error} if error else {}),
            },
        )
    if error:
        logger.error("registry write-back for request %s failed: %s", request.pk, error)


def pending_writebacks(*, older_than_seconds: int = 60) -> list:
    """Owed write-backs whose task was lost (queued more than a minute ago, still pending)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        DeploymentRequest.objects.filter(writeback_pending=True, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
