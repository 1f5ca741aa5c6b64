"""Kubeflow Model Registry (issue 19, item 4): a polled source, read and written through its
REST API. The registry is the loopback stand-in of tests/kubeflow_registry.py (the real one is a
Go server shipped as container images, which cannot run here), answering the documented JSON.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from approvals import services as approval_services
from approvals.models import DriftFinding
from catalog import services
from catalog.models import ModelService, RegistrySource
from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable
from catalog.tasks import poll_sources
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.kubeflow_registry import KubeflowRegistry, string_properties
from tests.sso_provider import free_port

pytestmark = pytest.mark.django_db
TOKEN = "service-account-token-0123456789"


@pytest.fixture
def registry():
    server = KubeflowRegistry(token=TOKEN)
    yield server
    server.stop()


@pytest.fixture
def source(registry):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None,
            kind="kubeflow",
            slug="kf",
            base_url=registry.url,
            secret="unused-0123456789abcdef",
            credentials={"token": TOKEN},
        )


def properties_of(version: dict) -> dict[str, str]:
    return {k: v["string_value"] for k, v in version["customProperties"].items()}


def test_kubeflow_walk_register_version_approve_revoke_archive(
    personas, registry, source, django_capture_on_commit_callbacks
):
    store = registry.store
    model = store.create_model(
        "fraud-detector", "Card fraud scores", properties={"team": personas.team.slug}
    )
    v1 = store.create_version(model, "1", "s3://models/fraud/1", properties={"algo": "xgb"})

    # A model registered in the registry → in the catalog at the next poll, owned by its team.
    assert poll_sources.delay().get() == {"kf": {"models_added": 1, "versions_added": 1}}
    entry = ModelService.objects.get(registry_source=source, registry_name="fraud-detector")
    assert entry.owner_team == personas.team
    assert entry.registry_description == "Card fraud scores"
    row = entry.versions.get(version="1")
    assert row.source_uri == "s3://models/fraud/1" and row.tags == {"algo": "xgb"}

    # A new version → in the catalog; a poll with nothing new changes nothing.
    store.create_version(model, "2", "s3://models/fraud/2")
    assert services.registry_reconcile(source=source) == {"versions_added": 1}
    assert services.registry_reconcile(source=source) == {}
    assert sorted(entry.versions.values_list("version", flat=True)) == ["1", "2"]

    # An approval in Attest → custom properties on the version in the registry, read back.
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=entry, answers=ANSWERS["minimal"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=entry.versions.get(version="1"),
            environment="production",
            justification="Better recall on the hold-out month.",
        )
        request = approval_services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="ok"
        )
    request.refresh_from_db()
    assert request.writeback_done_at is not None, request.writeback_error
    written = properties_of(store.versions[v1["id"]])
    assert written["attest.status"] == "approved"
    assert written["attest.approval_id"] == str(request.pk)
    assert written["attest.environment"] == "production"
    assert written["algo"] == "xgb"  # the registry's own properties stay
    # Read back at the next poll: Attest's own approval is no drift.
    assert services.registry_reconcile(source=source) == {"versions_updated": 1}
    assert not DriftFinding.objects.filter(model_service=entry).exists()

    # Revoking removes them again.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.approval_revoke(
            actor=personas.compliance, request=request, reason="Bias found in audit."
        )
    assert properties_of(store.versions[v1["id"]]) == {"algo": "xgb"}
    services.registry_reconcile(source=source)
    assert not DriftFinding.objects.filter(model_service=entry).exists()

    # Marked approved behind Attest's back → governance drift at the next poll; taken back →
    # the finding resolves.
    v2 = next(v for v in store.versions.values() if v["name"] == "2")
    marked = {**v2["customProperties"], **string_properties({"attest.status": "approved"})}
    store.update(v2, customProperties=marked)
    assert services.registry_reconcile(source=source) == {"versions_updated": 1}
    (finding,) = DriftFinding.objects.filter(model_service=entry, resolved_at=None)
    assert finding.alias == "attest.status" and finding.model_version.version == "2"
    store.update(v2, customProperties={})
    services.registry_reconcile(source=source)
    finding.refresh_from_db()
    assert finding.resolved_at is not None

    # Archiving is the registry's deletion: the version, then the model, are marked deleted
    # and kept with their history.
    store.update(v2, state="ARCHIVED")
    assert services.registry_reconcile(source=source) == {"versions_deleted": 1}
    assert entry.versions.get(version="2").registry_deleted_at is not None
    store.update(model, state="ARCHIVED")
    assert services.registry_reconcile(source=source) == {"models_deleted": 1}
    entry.refresh_from_db()
    assert entry.registry_deleted_at is not None and entry.versions.count() == 2


def test_many_models_are_read_page_by_page(registry, source):
    for n in range(105):
        model = registry.store.create_model(f"m-{n:03d}")
        registry.store.create_version(model, "1", f"s3://m/{n}")
    assert services.registry_reconcile(source=source) == {
        "models_added": 105,
        "versions_added": 105,
    }
    listed = [p for m, p in registry.store.requests if p.endswith("/registered_models")]
    assert len(listed) == 2  # 100 + 5


def test_test_connection_credentials_and_a_dead_endpoint(registry, source):
    assert "reachable" in services.registry_client(source).check()
    RegistrySource.objects.filter(pk=source.pk).update(api_credentials_encrypted="")
    source.refresh_from_db()
    with pytest.raises(RegistryRequestRefused, match="HTTP 401"):
        services.registry_client(source).check()
    RegistrySource.objects.filter(pk=source.pk).update(base_url=f"http://127.0.0.1:{free_port()}")
    source.refresh_from_db()
    with pytest.raises(RegistryUnavailable):
        services.registry_client(source).check()


def test_a_polled_source_refuses_deliveries(client, source):
    response = client.post("/webhooks/kf/", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert "polls" in response.json()["detail"]


def test_poll_skips_other_kinds_and_reports_an_unreachable_registry(registry, source):
    registry.stop()
    result = poll_sources.delay().get()
    assert set(result) == {"kf"} and "error" in result["kf"]


def test_add_registry_source_kubeflow(db, registry):
    out = StringIO()
    call_command(
        "add_registry_source",
        "--kind",
        "kubeflow",
        "--slug",
        "kfcli",
        "--url",
        registry.url,
        stdout=out,
    )
    assert "polls the registry" in out.getvalue() and "shown once" not in out.getvalue()
    assert RegistrySource.objects.get(slug="kfcli").kind == "kubeflow"


def test_admin_adds_a_kubeflow_source_in_the_browser_form_and_sees_how_it_is_polled(
    client_for, personas, registry
):
    admin = client_for(personas.admin)
    response = admin.post(
        reverse("registries:create"),
        {"kind": "kubeflow", "slug": "kfui", "base_url": registry.url, "api_token": TOKEN},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = RegistrySource.objects.get(slug="kfui")
    assert source.kind == "kubeflow" and source.base_url == registry.url
    page = admin.get(reverse("registries:detail", args=["kfui"])).content.decode()
    assert "Polled from the Kubeflow Model Registry" in page
    assert "ATTEST_POLL_INTERVAL_SECONDS" in page
    test = admin.post(reverse("registries:test", args=["kfui"]), follow=True)
    assert "reachable" in test.content.decode()
