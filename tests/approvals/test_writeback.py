"""Registry write-back and governance drift against a real MLflow server (issue 6, done-when 4).

The model comes from the registry through the ingestion path (a signed webhook delivery or the
reconciliation pass), is assessed, then requested, approved, revoked or expired through the
services. Write-back runs on commit (Celery eager); what it wrote is read back from MLflow with
MLflow's own client. A hand-made alias move is made in MLflow and then ingested the same way.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from approvals import selectors, services, tasks, writeback
from approvals.models import DeploymentRequest, DriftFinding
from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.models import ModelService, RegistrySource
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.sso_provider import free_port

State = DeploymentRequest.State
pytestmark = pytest.mark.django_db
ATTEST_TAGS = {"attest.status", "attest.approval_id", "attest.environment"}


@pytest.fixture
def mf(mlflow_server):
    return mlflow_server.client()


@pytest.fixture
def registry_model(personas, registry, mf, deliver):
    """A model with versions 1 and 2 created in MLflow, ingested from its webhook (owned by the
    personas' team through the registry tag "team"), and assessed into the minimal tier."""
    name = f"wb-{uuid.uuid4().hex[:8]}"
    run = mf.create_run(experiment_id="0").info.run_id
    mf.create_registered_model(name, tags={"team": personas.team.slug})
    for n in (1, 2):
        mf.create_model_version(name, f"runs:/{run}/model-{n}", run_id=run)
    assert deliver("registered_model", "created", {"name": name}).status_code == 200
    model = ModelService.objects.get(registry_source=registry, registry_name=name)
    assert model.owner_team == personas.team
    assert sorted(model.versions.values_list("version", flat=True)) == ["1", "2"]
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=model, answers=ANSWERS["minimal"]
    )
    model.refresh_from_db()
    assert model.risk_tier == "minimal"
    return model


def _approve(personas, model, version="1", environment="production") -> DeploymentRequest:
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version=version),
        environment=environment,
        justification="Better AUC on the hold-out set.",
    )
    request = services.deployment_request_decide(
        actor=personas.reviewer, request=request, verdict="approve", comment="ok"
    )
    assert request.state == State.APPROVED
    return request


def _tags(mf, model, version="1") -> dict:
    tags = mf.get_model_version(model.registry_name, version).tags
    return {k: v for k, v in tags.items() if k.startswith("attest.")}


def _aliases(mf, model) -> dict:
    return dict(mf.get_registered_model(model.registry_name).aliases)


def _actions(model, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_id=model.pk, action=action).order_by("seq"))


def _unreachable(registry) -> None:
    RegistrySource.objects.filter(pk=registry.pk).update(base_url=f"http://127.0.0.1:{free_port()}")


def _reachable(registry, mlflow_server) -> None:
    RegistrySource.objects.filter(pk=registry.pk).update(base_url=mlflow_server.url)


# --- Approval, revocation, expiry -----------------------------------------------------------
def test_approval_puts_tags_and_alias_on_the_version_and_revocation_removes_them(
    personas, registry_model, mf, django_capture_on_commit_callbacks
):
    model = registry_model
    with django_capture_on_commit_callbacks(execute=True):
        request = _approve(personas, model)
    assert _tags(mf, model) == {
        "attest.status": "approved",
        "attest.approval_id": str(request.pk),
        "attest.environment": "production",
    }
    assert _aliases(mf, model) == {"production": "1"}
    assert _tags(mf, model, "2") == {}
    request.refresh_from_db()
    assert not request.writeback_pending and request.writeback_done_at is not None
    assert request.writeback_attempts == 1 and request.writeback_error == ""
    (event,) = _actions(model, "governance.registry_written_back")
    assert event.target_id == str(request.pk)
    assert event.after["alias"] == "production → v1"

    with django_capture_on_commit_callbacks(execute=True):
        services.approval_revoke(
            actor=personas.compliance, request=request, reason="Bias found in audit."
        )
    assert _tags(mf, model) == {}
    assert _aliases(mf, model) == {}
    request.refresh_from_db()
    assert request.state == State.REVOKED and not request.writeback_pending
    assert [e.after["state"] for e in _actions(model, "governance.registry_written_back")] == [
        "approved",
        "revoked",
    ]


def test_expiry_removes_tags_and_alias(
    personas, registry_model, mf, django_capture_on_commit_callbacks
):
    model = registry_model
    with django_capture_on_commit_callbacks(execute=True):
        request = _approve(personas, model)
    assert _aliases(mf, model) == {"production": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.approvals_expire(now=request.expires_at + timedelta(seconds=1)) == 1
    assert _tags(mf, model) == {}
    assert _aliases(mf, model) == {}
    assert DeploymentRequest.objects.get(pk=request.pk).state == State.EXPIRED


def test_tags_list_every_valid_environment_and_a_late_writeback_does_not_move_the_alias_back(
    personas, registry_model, mf, django_capture_on_commit_callbacks
):
    model = registry_model
    with django_capture_on_commit_callbacks(execute=True):
        staging = _approve(personas, model, environment="staging")
        first = _approve(personas, model)
    assert _tags(mf, model)["attest.environment"] == "production,staging"
    assert _aliases(mf, model) == {"production": "1"}  # no alias configured for staging
    with django_capture_on_commit_callbacks(execute=True):
        second = _approve(personas, model, version="2")
    assert _aliases(mf, model) == {"production": "2"}

    # v1's write-back runs again late (a retry, the sweeper): v2 is the newer approval.
    DeploymentRequest.objects.filter(pk=first.pk).update(writeback_pending=True)
    assert writeback.request_writeback(str(first.pk)) == "done"
    assert _aliases(mf, model) == {"production": "2"}
    assert _tags(mf, model)["attest.approval_id"] == str(first.pk)

    # Revoking the production approval of v1 keeps its staging tags and leaves v2's alias.
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_revoke(actor=personas.compliance, request=first, reason="Superseded.")
    assert _tags(mf, model) == {
        "attest.status": "approved",
        "attest.approval_id": str(staging.pk),
        "attest.environment": "staging",
    }
    assert _aliases(mf, model) == {"production": "2"}
    assert _tags(mf, model, "2")["attest.approval_id"] == str(second.pk)


def test_approval_of_a_version_gone_from_the_registry_fails_at_once_and_is_audited(
    personas, registry_model, mf, django_capture_on_commit_callbacks, caplog
):
    model = registry_model
    mf.delete_model_version(model.registry_name, "2")
    with (
        caplog.at_level(logging.ERROR, logger="approvals.writeback"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = _approve(personas, model, version="2")
    request.refresh_from_db()
    assert not request.writeback_pending and request.writeback_attempts == 1
    assert "not in the registry" in request.writeback_error
    assert len(_actions(model, "governance.writeback_failed")) == 1
    assert _aliases(mf, model) == {}
    assert any(r.levelno == logging.ERROR for r in caplog.records)


# --- Registry unavailable, retries and the sweeper ------------------------------------------
def test_unreachable_registry_keeps_writeback_pending_then_marks_it_failed(
    personas, registry_model, registry, mf, settings, django_capture_on_commit_callbacks, caplog
):
    settings.ATTEST_WRITEBACK_MAX_ATTEMPTS = 3
    model = registry_model
    _unreachable(registry)
    with django_capture_on_commit_callbacks(execute=True):
        request = _approve(personas, model)
    request.refresh_from_db()
    assert request.state == State.APPROVED  # the approval stands; only the registry waits
    assert request.writeback_pending and request.writeback_attempts == 1
    assert "127.0.0.1" in request.writeback_error
    assert _actions(model, "governance.writeback_failed") == []

    assert tasks.writeback_request.delay(str(request.pk)).get().startswith("registry unavailable")
    request.refresh_from_db()
    assert request.writeback_pending and request.writeback_attempts == 2

    with caplog.at_level(logging.ERROR, logger="approvals.writeback"):
        assert tasks.writeback_request.delay(str(request.pk)).get() == "failed"
    request.refresh_from_db()
    assert not request.writeback_pending and request.writeback_attempts == 3
    assert request.writeback_error.startswith("gave up after 3 attempts")
    assert request.writeback_done_at is None
    (event,) = _actions(model, "governance.writeback_failed")
    assert event.target_id == str(request.pk) and "gave up" in event.after["error"]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(request.pk) in record.getMessage()
    # Failed means no longer owed: neither a task nor the sweeper tries again.
    assert writeback.request_writeback(str(request.pk)) == "nothing owed"
    assert _tags(mf, model) == {} and _aliases(mf, model) == {}


def test_writeback_whose_last_attempt_never_finished_is_given_up(
    personas, registry_model, mf, settings, django_capture_on_commit_callbacks
):
    """A worker killed during the last allowed attempt counted it: the next run gives up."""
    settings.ATTEST_WRITEBACK_MAX_ATTEMPTS = 2
    model = registry_model
    with django_capture_on_commit_callbacks(execute=False):
        request = _approve(personas, model)
    DeploymentRequest.objects.filter(pk=request.pk).update(writeback_attempts=2)
    assert writeback.request_writeback(str(request.pk)) == "failed"
    request.refresh_from_db()
    assert not request.writeback_pending
    assert request.writeback_error.startswith("gave up after 2 attempts")
    assert len(_actions(model, "governance.writeback_failed")) == 1
    assert _tags(mf, model) == {}


def test_sweeper_requeues_owed_writebacks_older_than_a_minute(
    personas, registry_model, registry, mlflow_server, mf, django_capture_on_commit_callbacks
):
    model = registry_model
    # A lost queue: the approval commits, its task never runs.
    with django_capture_on_commit_callbacks(execute=False):
        lost = _approve(personas, model)
    # A registry outage: the task ran once and failed.
    _unreachable(registry)
    with django_capture_on_commit_callbacks(execute=True):
        failing = _approve(personas, model, environment="staging")
    _reachable(registry, mlflow_server)
    assert DeploymentRequest.objects.get(pk=failing.pk).writeback_attempts == 1

    assert tasks.sweep_writeback() == 0  # both are recent
    assert _tags(mf, model) == {}
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        # The lost one is re-queued; the failed one still waits for its retry (5 s later).
        assert set(writeback.pending_writebacks()) == {lost.pk}
    with time_machine.travel(timezone.now() + timedelta(seconds=70)):
        assert set(writeback.pending_writebacks()) == {lost.pk, failing.pk}
        assert tasks.sweep_writeback() == 2
    assert _tags(mf, model)["attest.environment"] == "production,staging"
    assert _aliases(mf, model) == {"production": "1"}
    assert not DeploymentRequest.objects.filter(writeback_pending=True).exists()
    assert tasks.sweep_writeback() == 0


# --- Drift ----------------------------------------------------------------------------------
def test_alias_moved_by_hand_raises_drift_and_moving_it_back_resolves_it(
    personas, registry_model, registry, mf, deliver, django_capture_on_commit_callbacks
):
    model = registry_model
    with django_capture_on_commit_callbacks(execute=True):
        _approve(personas, model)
    assert _aliases(mf, model) == {"production": "1"}

    mf.set_registered_model_alias(model.registry_name, "production", "2")
    data = {"name": model.registry_name, "alias": "production", "version": "2"}
    assert deliver("model_version_alias", "created", data).status_code == 200
    (finding,) = selectors.drift_open(user=personas.owner, model=model)
    assert finding.alias == "production" and finding.environment == "production"
    assert finding.model_version.version == "2"
    assert "moved outside Attest" in finding.detail
    assert list(selectors.drift_open(user=personas.compliance)) == [finding]
    assert list(selectors.drift_open(user=personas.outsider)) == []
    (event,) = _actions(model, "governance.drift_detected")
    assert event.target_id == str(finding.pk) and event.after["version"] == "2"
    # The same state ingested again (reconciliation) does not open or audit a second finding.
    catalog_services.registry_reconcile(source=registry)
    assert DriftFinding.objects.filter(model_service=model).count() == 1

    # Moved back by hand, seen by the reconciliation pass (no webhook).
    mf.set_registered_model_alias(model.registry_name, "production", "1")
    catalog_services.registry_reconcile(source=registry)
    assert list(selectors.drift_open(model=model)) == []
    finding.refresh_from_db()
    assert finding.resolved_at is not None and "approved version" in finding.resolution
    (event,) = _actions(model, "governance.drift_resolved")
    assert event.target_id == str(finding.pk)


def test_approving_the_version_an_alias_was_moved_to_resolves_the_drift(
    personas, registry_model, mf, deliver, django_capture_on_commit_callbacks
):
    model = registry_model
    mf.set_registered_model_alias(model.registry_name, "production", "2")
    data = {"name": model.registry_name, "alias": "production", "version": "2"}
    deliver("model_version_alias", "created", data)
    (finding,) = selectors.drift_open(model=model)
    with django_capture_on_commit_callbacks(execute=True):
        _approve(personas, model, version="2")
    assert _aliases(mf, model) == {"production": "2"}
    assert list(selectors.drift_open(model=model)) == []
    finding.refresh_from_db()
    assert "approved version" in finding.resolution


def test_our_own_writeback_ingested_back_raises_no_drift(
    personas, registry_model, mf, deliver, django_capture_on_commit_callbacks
):
    model = registry_model
    name = model.registry_name
    with django_capture_on_commit_callbacks(execute=True):
        request = _approve(personas, model)
    # MLflow announces what Attest wrote: three tags and the alias.
    for key in sorted(ATTEST_TAGS):
        deliver("model_version_tag", "set", {"name": name, "version": "1", "key": key})
    deliver("model_version_alias", "created", {"name": name, "alias": "production", "version": "1"})
    version = model.versions.get(version="1")
    assert version.aliases == ["production"] and set(version.tags) >= ATTEST_TAGS
    request.refresh_from_db()
    assert request.state == State.APPROVED  # attest.* tags are not part of the fingerprint

    # Revoked; a delivery is processed before the write-back has run (alias still on v1).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approval_revoke(actor=personas.compliance, request=request, reason="Recalled.")
    deliver("model_version_alias", "created", {"name": name, "alias": "production", "version": "1"})
    assert _aliases(mf, model) == {"production": "1"}
    for callback in callbacks:
        callback()
    assert _aliases(mf, model) == {}
    deliver("model_version_alias", "deleted", {"name": name, "alias": "production"})
    for key in sorted(ATTEST_TAGS):
        deliver("model_version_tag", "deleted", {"name": name, "version": "1", "key": key})
    assert model.versions.get(version="1").aliases == []

    assert not DriftFinding.objects.filter(model_service=model).exists()
    assert _actions(model, "governance.drift_detected") == []


def test_revoke_that_cannot_be_written_back_is_reported_as_drift(
    personas,
    registry_model,
    registry,
    mlflow_server,
    mf,
    deliver,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.ATTEST_WRITEBACK_MAX_ATTEMPTS = 1
    model = registry_model
    with django_capture_on_commit_callbacks(execute=True):
        request = _approve(personas, model)
    name = model.registry_name
    deliver("model_version_alias", "created", {"name": name, "alias": "production", "version": "1"})
    _unreachable(registry)
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_revoke(actor=personas.compliance, request=request, reason="Recalled.")
    request.refresh_from_db()
    assert request.writeback_error.startswith("gave up after 1 attempts")
    assert _aliases(mf, model) == {"production": "1"}  # still serving the revoked version
    (finding,) = selectors.drift_open(model=model)
    assert finding.model_version.version == "1"
    assert len(_actions(model, "governance.drift_detected")) == 1
