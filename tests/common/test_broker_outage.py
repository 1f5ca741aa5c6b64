"""A broker outage during a working day loses nothing and doubles nothing (the outbox issue).

With the test's own Redis stopped, users create, submit and approve a deployment request for a
registry model, CI posts metrics that open an alert, and an owner asks for a model card: every
call answers as usual, and what each owes (e-mails, the registry write-back, the render) waits
in the outbox. Redis comes back on the same port, a real Celery worker starts in this process
(so it shares the database and ``mail.outbox``), beat's relay tick runs, and every side effect
happens exactly once: the e-mails, the MLflow tags, the PDF and their audit events.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from approvals import selectors as approval_selectors
from approvals.models import DeploymentRequest
from audit.models import AuditEvent
from catalog.models import ModelService
from common.models import OutboxMessage
from common.outbox import outbox_relay
from config.celery import app as celery_app
from documents.models import GeneratedDocument
from monitoring import services as monitoring_services
from monitoring.models import Alert
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.brokers import wait_until
from tests.catalog.conftest import (  # noqa: F401 (fixtures)
    deliver,
    mlflow_server,
    registry,
)
from tests.monitoring.conftest import series

pytestmark = pytest.mark.django_db(transaction=True)

RELAY_TASK = "common.outbox_relay"
OWED = {  # what the five user actions owe, by task name
    "governance.tasks.notify_request_submitted": 1,
    "governance.tasks.writeback_request": 1,
    "governance.tasks.notify_request_decided": 1,
    "monitoring.tasks.notify_alert_opened": 1,
    "governance.tasks.render_document": 1,
}


@pytest.fixture
def registry_model(personas, registry, mlflow_server, deliver):  # noqa: F811
    """A model created in MLflow (team tag → the personas' team), ingested from its webhook,
    assessed minimal, with an AUC floor of 0.75. Built eagerly, before the outage."""
    mf = mlflow_server.client()
    name = f"outage-{uuid.uuid4().hex[:8]}"
    run = mf.create_run(experiment_id="0").info.run_id
    mf.create_registered_model(name, tags={"team": personas.team.slug})
    mf.create_model_version(name, f"runs:/{run}/model", run_id=run)
    assert deliver("registered_model", "created", {"name": name}).status_code == 200
    model = ModelService.objects.get(registry_source=registry, registry_name=name)
    assert model.owner_team == personas.team and model.versions.filter(version="1").exists()
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=model, answers=ANSWERS["minimal"]
    )
    monitoring_services.threshold_create(
        actor=personas.owner, model_service=model, metric="auc", min_value=0.75
    )
    model.refresh_from_db()
    return model


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _json(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_broker_outage_every_call_answers_and_every_side_effect_arrives_exactly_once(
    personas,
    registry_model,
    mlflow_server,  # noqa: F811
    api_token,
    client_for,
    running_broker,
):
    model, mf = registry_model, mlflow_server.client()
    owner_api = _bearer(api_token(scopes=[ApiToken.Scope.REQUESTS_WRITE], user=personas.owner))
    ci = _bearer(api_token(scopes=[ApiToken.Scope.METRICS_WRITE]))
    owner, reviewer = client_for(personas.owner), client_for(personas.reviewer)
    earlier = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
    mail.outbox.clear()

    # --- Redis goes down --------------------------------------------------------------------
    first_pid = running_broker.process.pid
    running_broker.stop()
    assert not running_broker.up()

    created = _json(
        owner_api,
        "/api/v1/deployment-requests/",
        {
            "model": model.registry_name,
            "version": "1",
            "environment": "production",
            "justification": "Better AUC on the hold-out set.",
            "submit": False,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "draft"
    request = DeploymentRequest.objects.get(pk=created.json()["id"])

    submitted = owner.post(reverse("approvals:request-submit", args=[request.pk]))
    assert submitted.status_code == 302, submitted.content
    assert submitted["Location"] == reverse("approvals:request-detail", args=[request.pk])
    page = owner.get(submitted["Location"])
    assert page.status_code == 200 and "Submitted. The reviewers have been told." in (
        page.content.decode()
    )

    decided = _json(
        reviewer,
        f"/api/v1/deployment-requests/{request.pk}/decisions/",
        {"verdict": "approve", "comment": "Looks good."},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "approved"

    metrics = _json(
        ci,
        "/api/v1/metrics/",
        {"items": series([0.82, 0.74, 0.72], model=model.registry_name)},
    )
    assert metrics.status_code == 201, metrics.content
    assert len(metrics.json()["alerts_opened"]) == 1
    assert Alert.objects.filter(model_service=model, state="open").count() == 1

    asked = owner.post(reverse("documents:document-request", args=[model.pk, "1", "model_card"]))
    assert asked.status_code == 302, asked.content
    document = GeneratedDocument.objects.get(model_version__model_service=model)
    assert asked["Location"] == reverse("documents:document-detail", args=[document.pk])
    assert owner.get(asked["Location"]).status_code == 200

    # Everything owed is in the outbox, tried once, none of it done.
    owed = OutboxMessage.objects.exclude(pk__in=earlier)
    assert Counter(owed.filter(task_name__in=OWED).values_list("task_name", flat=True)) == OWED
    for message in owed.all():
        assert message.status == OutboxMessage.Status.PENDING, message
        assert message.attempts == 1 and "OperationalError" in message.last_error, (
            message.task_name,
            message.attempts,
            message.last_error,
        )
    assert mail.outbox == []
    document.refresh_from_db()
    request.refresh_from_db()
    assert document.status == GeneratedDocument.Status.QUEUED
    assert request.state == DeploymentRequest.State.APPROVED
    assert request.writeback_pending and request.writeback_done_at is None
    assert not any(
        k.startswith("attest.") for k in mf.get_model_version(model.registry_name, "1").tags
    )

    # --- Redis is back; a worker starts; beat's relay tick runs --------------------------------
    running_broker.start()
    assert running_broker.process.pid != first_pid and running_broker.queued() == []
    reviewers = sorted(
        approval_selectors.eligible_reviewers(request).values_list("email", flat=True)
    )
    assert reviewers, "no eligible reviewer to mail"
    team = sorted(["owner@example.com", "teammate@example.com", "reviewer@example.com"])

    def mails() -> Counter:
        return Counter((m.subject, tuple(m.to)) for m in mail.outbox)

    def to(prefix: str) -> list[str]:
        return sorted(m.to[0] for m in mail.outbox if m.subject.startswith(prefix))

    def settled() -> bool:
        """Nothing owed is pending, queued or running (beat's own ticks aside)."""
        return (
            not owed.filter(status=OutboxMessage.Status.PENDING).exists()
            and [name for name in running_broker.queued() if name != RELAY_TASK] == []
            and GeneratedDocument.objects.filter(
                pk=document.pk, status__in=["done", "failed"]
            ).exists()
            and not DeploymentRequest.objects.filter(pk=request.pk, writeback_pending=True).exists()
        )

    last_tick = [0.0]

    def beat() -> None:  # beat sends common.outbox_relay every 15 s; here every 3 s
        if time.monotonic() - last_tick[0] >= 3:
            celery_app.send_task(RELAY_TASK)
            last_tick[0] = time.monotonic()

    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60
    ):
        assert wait_until(settled, timeout=180, interval=0.5, tick=beat), (
            "after the outage the owed work did not finish: pending "
            f"{list(owed.filter(status='pending').values_list('task_name', flat=True))}, "
            f"queued {running_broker.queued()}"
        )

        # Each effect happened, once.
        document.refresh_from_db()
        request.refresh_from_db()
        assert (document.status, document.attempts) == (GeneratedDocument.Status.DONE, 1), (
            document.status,
            document.error,
        )
        assert request.writeback_done_at is not None and request.writeback_attempts == 1
        tags = mf.get_model_version(model.registry_name, "1").tags
        assert {k: v for k, v in tags.items() if k.startswith("attest.")} == {
            "attest.status": "approved",
            "attest.approval_id": str(request.pk),
            "attest.environment": "production",
        }
        assert to("[Attest] Approved") == ["owner@example.com"]
        assert to(f"[Attest] Alert: {model.name}") == team
        assert all(n == 1 for n in mails().values()), mails()
        for action, target in (
            ("governance.registry_written_back", request.pk),
            ("governance.document_generated", document.pk),
            ("monitoring.alert_opened", Alert.objects.get(model_service=model).pk),
        ):
            events = AuditEvent.objects.filter(action=action, target_id=str(target))
            assert events.count() == 1, (action, events.count())
        assert all(m.status == OutboxMessage.Status.SENT and m.sent_at for m in owed.all())

        # Relaying again, from here and from beat, sends nothing more.
        seen = (mails(), AuditEvent.objects.count())
        assert outbox_relay() == 0
        celery_app.send_task(RELAY_TASK)
        assert wait_until(lambda: running_broker.queued() == [], timeout=30), (
            running_broker.queued()
        )
        time.sleep(2)
        assert running_broker.queued() == []
        assert (mails(), AuditEvent.objects.count()) == seen

    # The reviewers are told about the request submitted during the outage.
    assert to("[Attest] Review requested") == reviewers, (
        "the review-requested e-mail was dropped: notify_request_submitted ran after the "
        "request had been decided and approvals/notifications.py:request_submitted mails "
        "nobody unless the request is still submitted"
    )
