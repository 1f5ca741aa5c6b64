"""Processing against a real MLflow server: the recorded deliveries replayed, W5, W6, W7."""

import random
import uuid
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from audit.models import AuditEvent
from catalog import services
from catalog.models import ModelService, WebhookDelivery
from tests.catalog.conftest import catalog_snapshot, registry_snapshot
from tests.catalog.mlflow_fixtures import deliveries

pytestmark = pytest.mark.django_db


def new_run(client):
    return client.create_run(experiment_id="0").info.run_id


def test_replaying_the_recorded_deliveries_yields_the_registrys_catalog(
    client, registry, mlflow_server, django_capture_on_commit_callbacks
):
    """Done-when 1: the operations behind tests/fixtures/mlflow are performed on a real MLflow
    server, then the 18 recorded deliveries are replayed through the receiver (at the time
    they were signed). Processing re-reads MLflow, so the catalog is what the operations made:
    the renamed model with both versions, its tags and alias; the test ping makes nothing."""
    mf = mlflow_server.client()
    run = new_run(mf)
    mf.create_registered_model(
        "fraud-scorer", tags={"team": "risk", "tier": "1"}, description="initial description"
    )
    mf.create_model_version(
        "fraud-scorer",
        f"runs:/{run}/model",
        run_id=run,
        tags={"stage_hint": "candidate"},
        description="v1 description",
    )
    mf.create_model_version("fraud-scorer", f"runs:/{run}/model-2", run_id=run)
    mf.set_model_version_tag("fraud-scorer", "1", "validation", "passed")
    mf.delete_model_version_tag("fraud-scorer", "1", "validation")
    mf.set_registered_model_alias("fraud-scorer", "champion", "2")
    mf.set_registered_model_alias("fraud-scorer", "champion", "1")
    mf.delete_registered_model_alias("fraud-scorer", "champion")
    for name in ("tmp-model", "cache-probe-0", "retry-probe-1", "after-restart"):
        mf.create_registered_model(name)
    mf.rename_registered_model("fraud-scorer", "fraud-scorer-renamed")
    mf.set_registered_model_alias("fraud-scorer-renamed", "champion", "1")
    mf.set_model_version_tag("fraud-scorer-renamed", "1", "validation", "passed")

    for d in deliveries():
        with time_machine.travel(d.timestamp), django_capture_on_commit_callbacks(execute=True):
            response = client.generic(
                "POST", "/webhooks/mlflow/", d.body, content_type="application/json", **d.meta()
            )
        assert response.status_code == 200, (d.name, response.content)

    names = {"fraud-scorer-renamed", "tmp-model", "cache-probe-0", "retry-probe-1", "after-restart"}
    assert catalog_snapshot(registry) == registry_snapshot(mf, names)
    assert set(ModelService.objects.values_list("name", flat=True)) == names
    entry = ModelService.objects.get(name="fraud-scorer-renamed")
    assert entry.versions.get(version="1").aliases == ["champion"]
    assert entry.versions.get(version="1").tags == {
        "stage_hint": "candidate",
        "validation": "passed",
    }
    # Prompt events are kept and ignored; events for the old name found nothing to apply.
    statuses = dict(WebhookDelivery.objects.values_list("entity", "status").distinct())
    assert statuses["prompt"] == statuses["prompt_version"] == statuses["prompt_tag"] == "ignored"
    assert not WebhookDelivery.objects.exclude(status__in=["processed", "ignored"]).exists()


def test_w7_mlflows_test_ping_creates_nothing(client, registry, django_capture_on_commit_callbacks):
    ping = next(d for d in deliveries() if d.name.startswith("013"))
    with time_machine.travel(ping.timestamp), django_capture_on_commit_callbacks(execute=True):
        assert (
            client.generic(
                "POST",
                "/webhooks/mlflow/",
                ping.body,
                content_type="application/json",
                **ping.meta(),
            ).status_code
            == 200
        )
    assert ModelService.objects.count() == 0
    assert "not in the registry" in WebhookDelivery.objects.get().outcome


def test_w5_fifty_random_orders_give_the_same_catalog(deliver, registry, mlflow_server):
    mf = mlflow_server.client()
    name = f"w5-{uuid.uuid4().hex[:8]}"
    run = new_run(mf)
    mf.create_registered_model(name, tags={"domain": "credit"}, description="scores loans")
    for n in (1, 2, 3):
        mf.create_model_version(name, f"runs:/{run}/m{n}", run_id=run, tags={"n": str(n)})
    mf.set_model_version_tag(name, "1", "validated", "yes")
    mf.set_model_version_tag(name, "2", "validated", "no")
    mf.set_registered_model_alias(name, "champion", "2")
    mf.set_registered_model_alias(name, "challenger", "3")
    events = [
        ("registered_model", "created", {"name": name}),
        *[("model_version", "created", {"name": name, "version": str(n)}) for n in (1, 2, 3)],
        ("model_version_tag", "set", {"name": name, "version": "1", "key": "validated"}),
        ("model_version_tag", "set", {"name": name, "version": "2", "key": "validated"}),
        ("model_version_alias", "created", {"name": name, "alias": "champion", "version": "1"}),
        ("model_version_alias", "created", {"name": name, "alias": "champion", "version": "2"}),
        ("model_version_alias", "created", {"name": name, "alias": "challenger", "version": "3"}),
        ("model_version_alias", "deleted", {"name": name, "alias": "champion"}),
    ]
    assert len(events) == 10
    rng = random.Random(5)
    outcomes = []
    for _ in range(50):
        ModelService.objects.filter(registry_source=registry).delete()
        WebhookDelivery.objects.all().delete()
        for entity, action, data in rng.sample(events, len(events)):
            assert deliver(entity, action, data).status_code == 200
        outcomes.append(catalog_snapshot(registry))
    expected = registry_snapshot(mf, {name})
    assert sum(outcome == expected for outcome in outcomes) == 50


def test_w6_reconciliation_repairs_lost_deliveries_renames_and_deletions(
    deliver, registry, mlflow_server
):
    mf = mlflow_server.client()
    tag = uuid.uuid4().hex[:8]
    known, renamed, gone, unseen = (
        f"w6-known-{tag}",
        f"w6-renamed-{tag}",
        f"w6-gone-{tag}",
        f"w6-unseen-{tag}",
    )
    run = new_run(mf)
    for name in (known, gone):
        mf.create_registered_model(name)
        for n in (1, 2):
            mf.create_model_version(name, f"runs:/{run}/{name}/{n}", run_id=run)
        assert (
            deliver(
                "model_version_alias", "created", {"name": name, "alias": "x", "version": "1"}
            ).status_code
            == 200
        )
    known_entry = ModelService.objects.get(registry_name=known)

    # 20 registry changes whose deliveries were refused (503) and never arrive...
    mf.create_registered_model(unseen, description="never announced")
    for n in range(1, 9):
        mf.create_model_version(unseen, f"runs:/{run}/{unseen}/{n}", run_id=run)
        mf.set_model_version_tag(unseen, str(n), "k", str(n))
    mf.set_registered_model_alias(unseen, "champion", "3")
    mf.set_registered_model_alias(unseen, "champion", "8")
    mf.update_registered_model(unseen, description="edited, also never announced")
    # ...plus a rename, a deleted version and a deleted model (MLflow sends nothing for these).
    mf.rename_registered_model(known, renamed)
    mf.delete_model_version(renamed, "2")
    mf.delete_registered_model(gone)

    out = StringIO()
    call_command("sync_registry", "mlflow", stdout=out)
    assert "models renamed 1" in out.getvalue()

    live = registry_snapshot(mf)
    catalog = {name: entry for name, entry in catalog_snapshot(registry).items()}
    drift = [
        name
        for name, state in live.items()
        if {
            **catalog.get(name, {}),
            "versions": {
                v: s for v, s in catalog.get(name, {}).get("versions", {}).items() if not s[-1]
            },
        }
        != state
    ]
    assert drift == [], [(live[n], catalog.get(n)) for n in drift]
    entry = ModelService.objects.get(pk=known_entry.pk)  # same catalog entry, new name
    assert entry.registry_name == renamed and entry.name == renamed
    assert [h["name"] for h in entry.registry_name_history] == [known]
    assert entry.versions.get(version="2").registry_deleted_at is not None
    gone_entry = ModelService.objects.get(registry_name=gone)
    assert gone_entry.registry_deleted_at is not None  # kept, marked, never dropped
    assert AuditEvent.objects.filter(action="catalog.model_renamed").count() == 1
    assert (
        AuditEvent.objects.filter(
            action="catalog.model_deleted_in_registry", target_id=str(gone_entry.pk)
        ).count()
        == 1
    )

    # A second pass finds nothing left to do.
    assert services.registry_reconcile(source=registry) == {}


def test_registry_down_leaves_the_delivery_pending_with_its_error(deliver, registry):
    registry.base_url = "http://127.0.0.1:9"  # nothing listens there
    registry.save()
    assert deliver("registered_model", "created", {"name": "x"}).status_code == 200
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and row.attempts == 1
    # the inbox reads the sentence with the next step, not the exception's class and text
    assert row.last_error.startswith("127.0.0.1:9 refused the connection")


def test_sync_registry_unknown_slug_fails_with_one_line():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No registry source 'nope'"):
        call_command("sync_registry", "nope")


def test_broker_down_the_receiver_answers_200_and_the_inbox_keeps_the_delivery(
    client, registry, redis_broker, django_capture_on_commit_callbacks
):
    """Redis is not running (``redis_broker``: a port nobody listens on, eager mode off): the
    registry still gets its 200 and the row is stored. The receiver publishes nothing, not even
    to the outbox (issue 18: the inbox is the queue), so a drain (woken by NOTIFY, or beat's
    tick) applies it without the broker."""
    from common.models import OutboxMessage
    from tests.catalog.conftest import signed

    body, meta = signed("registered_model", "created", {"name": "x"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.generic(
            "POST", "/webhooks/mlflow/", body, content_type="application/json", **meta
        )
    assert response.status_code == 200
    assert callbacks == []  # nothing scheduled after the commit either
    assert not OutboxMessage.objects.exists()
    assert WebhookDelivery.objects.get().status == "pending"
    assert services.registry_inbox_drain() == 1
    row = WebhookDelivery.objects.get()
    assert row.status == "processed" and "not in the registry" in row.outcome


@pytest.mark.django_db
def test_c5_the_same_task_twice_has_its_effects_once(deliver, registry, mlflow_server):
    mf = mlflow_server.client()
    name = f"c5-{uuid.uuid4().hex[:8]}"
    mf.create_registered_model(name)
    assert deliver("registered_model", "created", {"name": name}).status_code == 200
    row = WebhookDelivery.objects.get()
    assert services.registry_delivery_process(delivery_pk=row.pk) == "already processed"
    assert AuditEvent.objects.filter(action="catalog.model_registered").count() == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_c7_a_delivery_that_keeps_crashing_its_worker_is_stopped(registry, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.ATTEST_INGEST_MAX_ATTEMPTS = 3
    row = WebhookDelivery.objects.create(
        source=registry,
        delivery_id="crash",
        signed_at=timezone.now(),
        entity="registered_model",
        action="created",
        body='{"entity": "registered_model", "action": "created", "data": {"name": "x"}}',
        payload={},
        status="processing",
        attempts=3,
    )
    # The worker died mid-task each time, so the row is still "processing" with 3 attempts.
    WebhookDelivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert services.registry_inbox_sweep() == []
    row.refresh_from_db()
    assert row.status == "failed"
    assert AuditEvent.objects.filter(action="catalog.delivery_failed").count() == 1
    # And a queued message for it that arrives later does nothing.
    assert (
        services.registry_delivery_process(delivery_pk=row.pk) == "already failed"
        or WebhookDelivery.objects.get(pk=row.pk).status == "failed"
    )


def test_failed_delivery_can_be_retried_from_the_inbox(
    client_for, personas, registry, mlflow_server, django_capture_on_commit_callbacks
):
    from django.urls import reverse
    from django.utils import timezone

    name = f"retry-{uuid.uuid4().hex[:8]}"
    mlflow_server.client().create_registered_model(name)
    row = WebhookDelivery.objects.create(
        source=registry,
        delivery_id="r-1",
        signed_at=timezone.now(),
        entity="registered_model",
        action="created",
        body=f'{{"entity": "registered_model", "action": "created", "data": {{"name": "{name}"}}}}',
        payload={"data": {"name": name}},
        status="failed",
        attempts=5,
        last_error="boom",
    )
    personas.admin.is_staff = True
    admin = client_for(personas.admin)
    page = admin.get(reverse("registries:inbox"), {"status": "failed"})
    assert page.status_code == 200 and "boom" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("registries:delivery-retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "processed" and row.attempts == 1
    assert ModelService.objects.filter(registry_name=name).exists()
    assert AuditEvent.objects.filter(action="catalog.delivery_retried").count() == 1
    assert (
        client_for(personas.owner)
        .post(reverse("registries:delivery-retry", args=[row.pk]))
        .status_code
        == 403
    )
