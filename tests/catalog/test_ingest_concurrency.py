"""W4: 100 events x 8 simultaneous identical deliveries -> exactly 100 inbox rows and 100
versions, no 5xx (live server threads, real PostgreSQL, real MLflow)."""

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import transaction

from audit.models import AuditEvent
from catalog import services
from catalog.models import ModelVersion, WebhookDelivery
from tests.catalog.conftest import signed
from tests.catalog.mlflow_fixtures import SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def test_w4_parallel_duplicates_add_nothing(live_server, mlflow_server):
    with transaction.atomic():
        services.registry_source_create(
            actor=None, kind="mlflow", slug="w4", base_url=mlflow_server.url, secret=SECRET
        )
    mf = mlflow_server.client()
    name = f"w4-{uuid.uuid4().hex[:8]}"
    run = mf.create_run(experiment_id="0").info.run_id
    mf.create_registered_model(name)
    for n in range(1, 101):
        mf.create_model_version(name, f"runs:/{run}/v{n}", run_id=run)
    events = []
    for n in range(1, 101):
        body, meta = signed("model_version", "created", {"name": name, "version": str(n)})
        headers = {
            key[5:].replace("_", "-").title().replace("Mlflow", "MLflow"): value
            for key, value in meta.items()
        }
        events.append((body, {**headers, "Content-Type": "application/json"}))

    def sender(seed: int) -> list[int]:
        order = random.Random(seed).sample(events, len(events))
        with requests.Session() as session:
            return [
                session.post(
                    f"{live_server.url}/webhooks/w4/", data=body, headers=headers, timeout=60
                ).status_code
                for body, headers in order
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for result in pool.map(sender, range(8)) for s in result]

    assert len(statuses) == 800
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {200}
    assert WebhookDelivery.objects.filter(source__slug="w4").count() == 100
    assert ModelVersion.objects.filter(model_service__registry_name=name).count() == 100
    assert (
        AuditEvent.objects.filter(
            action="catalog.version_registered", target_label__startswith=f"{name} v"
        ).count()
        == 100
    )
    assert (
        sum(WebhookDelivery.objects.filter(source__slug="w4").values_list("duplicates", flat=True))
        == 700
    )
