import json
import time
import uuid

import pytest
from django.db import transaction

from catalog import services
from catalog.registries import mlflow
from tests.catalog.mlflow_fixtures import SECRET
from tests.mlflow_server import start_mlflow_server


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    server = start_mlflow_server(tmp_path_factory.mktemp("mlflow"))
    yield server
    server.stop()


@pytest.fixture
def registry(db, mlflow_server):
    """A registry source pointing at the real MLflow server, with the fixtures' secret."""
    with transaction.atomic():
        return services.registry_source_create(
            actor=None, kind="mlflow", slug="mlflow", base_url=mlflow_server.url, secret=SECRET
        )


def signed(
    entity: str, action: str, data: dict, *, delivery_id: str | None = None, secret: str = SECRET
) -> tuple[bytes, dict]:
    """A delivery as MLflow would send it now: body and headers (Django test-client style)."""
    body = json.dumps(
        {"entity": entity, "action": action, "timestamp": "2026-11-22T00:00:00+00:00", "data": data}
    ).encode()
    delivery_id = delivery_id or str(uuid.uuid4())
    timestamp = str(int(time.time()))
    return body, {
        "HTTP_X_MLFLOW_DELIVERY_ID": delivery_id,
        "HTTP_X_MLFLOW_TIMESTAMP": timestamp,
        "HTTP_X_MLFLOW_SIGNATURE": mlflow.sign(secret, delivery_id, timestamp, body),
    }


@pytest.fixture
def deliver(client, registry, django_capture_on_commit_callbacks):
    """POST a freshly signed delivery; processing (queued on commit) runs before it returns."""

    def send(entity, action, data, **kwargs):
        body, headers = signed(entity, action, data, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic(
                "POST",
                f"/webhooks/{registry.slug}/",
                body,
                content_type="application/json",
                **headers,
            )

    return send


def catalog_snapshot(source) -> dict:
    """Everything the registry decides about the catalog, comparable across runs."""
    from catalog.models import ModelService

    snapshot = {}
    for entry in ModelService.objects.filter(registry_source=source).prefetch_related("versions"):
        snapshot[entry.registry_name] = {
            "description": entry.registry_description,
            "tags": entry.registry_tags,
            "deleted": entry.registry_deleted_at is not None,
            "versions": {
                v.version: (
                    v.source_uri,
                    v.run_id,
                    v.description,
                    v.status,
                    tuple(sorted(v.tags.items())),
                    tuple(sorted(v.aliases)),
                    v.registry_deleted_at is not None,
                )
                for v in entry.versions.all()
            },
        }
    return snapshot


def registry_snapshot(client, names=None) -> dict:
    """The same view, read from MLflow through its Python client."""
    snapshot = {}
    for model in client.search_registered_models(max_results=1000):
        if names is not None and model.name not in names:
            continue
        aliases = {}
        for alias, version in (model.aliases or {}).items():
            aliases.setdefault(str(version), []).append(alias)
        snapshot[model.name] = {
            "description": model.description or "",
            "tags": dict(model.tags or {}),
            "deleted": False,
            "versions": {
                v.version: (
                    v.source,
                    v.run_id or "",
                    v.description or "",
                    "ready",
                    tuple(sorted((v.tags or {}).items())),
                    tuple(sorted(aliases.get(str(v.version), []))),
                    False,
                )
                for v in client.search_model_versions(f"name='{model.name}'", max_results=1000)
            },
        }
    return snapshot
