"""Vertex AI Model Registry (issue 19, item 4): a polled source whose approval write-back is the
environment's version alias. Vertex AI has no emulator: the registry is the loopback stand-in of
tests/vertex_registry.py answering the documented REST JSON, read by our adapter.
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
from catalog.registries.base import RegistryRequestRefused
from catalog.registries.vertex import VertexClient, _time
from catalog.tasks import poll_sources
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.vertex_registry import VertexRegistry

pytestmark = pytest.mark.django_db
PROJECT, LOCATION, TOKEN = "acme-ml", "europe-west4", "ya29.test-token-0123456789"


@pytest.fixture
def registry():
    server = VertexRegistry(PROJECT, LOCATION, TOKEN)
    yield server
    server.stop()


@pytest.fixture
def source(registry):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None,
            kind="vertex",
            slug="vx",
            base_url=registry.url,
            secret="unused-0123456789abcdef",
            credentials={"token": TOKEN},
            options={"project": PROJECT, "location": LOCATION},
        )


def test_vertex_walk_register_version_approve_drift_delete(
    personas, registry, source, django_capture_on_commit_callbacks
):
    store = registry.store
    store.upload(
        "churn", "gs://models/churn/1", description="Churn", labels={"team": personas.team.slug}
    )
    # A model registered in Vertex AI → in the catalog at the next poll, owned by its team.
    assert poll_sources.delay().get() == {"vx": {"models_added": 1, "versions_added": 1}}
    entry = ModelService.objects.get(registry_source=source, registry_name="churn")
    assert entry.owner_team == personas.team and entry.registry_description == "Churn"
    assert entry.versions.get(version="1").source_uri == "gs://models/churn/1"
    # Vertex's own "default" alias is not a governed alias.
    assert entry.versions.get(version="1").aliases == []

    # A new version → in the catalog.
    store.upload("churn", "gs://models/churn/2")
    assert services.registry_reconcile(source=source) == {"versions_added": 1}
    assert services.registry_reconcile(source=source) == {}

    # An approval in Attest → the production alias on that version in Vertex AI, read back.
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=entry, answers=ANSWERS["minimal"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=entry.versions.get(version="2"),
            environment="production",
            justification="Better lift on the October cohort.",
        )
        request = approval_services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="ok"
        )
    request.refresh_from_db()
    assert request.writeback_done_at is not None, request.writeback_error
    assert store.aliases("churn") == {"default": "1", "production": "2"}
    services.registry_reconcile(source=source)
    assert entry.versions.get(version="2").aliases == ["production"]
    assert not DriftFinding.objects.filter(model_service=entry).exists()

    # The alias moved in Vertex AI onto an unapproved version → governance drift.
    store.merge_aliases("churn", "1", ["production"])
    services.registry_reconcile(source=source)
    (finding,) = DriftFinding.objects.filter(model_service=entry, resolved_at=None)
    assert finding.alias == "production" and finding.model_version.version == "1"
    store.merge_aliases("churn", "2", ["production"])
    services.registry_reconcile(source=source)
    finding.refresh_from_db()
    assert finding.resolved_at is not None

    # Revoking takes the alias away again.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.approval_revoke(
            actor=personas.compliance, request=request, reason="Leakage in a feature."
        )
    assert store.aliases("churn") == {"default": "1"}

    # A model deleted in Vertex AI is marked deleted, its history kept.
    store.delete_model("churn")
    assert services.registry_reconcile(source=source) == {"models_deleted": 1}
    entry.refresh_from_db()
    assert entry.registry_deleted_at is not None and entry.versions.count() == 2


def test_pages_of_models_and_rfc3339_times_with_nanoseconds(registry, source):
    for n in range(103):
        registry.store.upload(f"m{n:03d}", f"gs://m/{n}")
    assert services.registry_reconcile(source=source) == {
        "models_added": 103,
        "versions_added": 103,
    }
    parsed = _time("2026-12-07T10:00:00.123456789Z")
    assert (parsed.microsecond, parsed.utcoffset().total_seconds()) == (123456, 0)
    assert _time("not a time") is None


def test_wrong_token_is_refused_and_aliases_vertex_cannot_hold_are_not_sent(registry, source):
    assert PROJECT in services.registry_client(source).check()
    RegistrySource.objects.filter(pk=source.pk).update(api_credentials_encrypted="")
    source.refresh_from_db()
    # No token and no Google application default credentials on this machine.
    with pytest.raises(RegistryRequestRefused):
        services.registry_client(source).check()
    registry.store.upload("m", "gs://m/1")
    client = VertexClient(
        project=PROJECT, location=LOCATION, base_url=registry.url, credentials={"token": TOKEN}
    )
    with pytest.raises(RegistryRequestRefused, match="not a valid Vertex AI version alias"):
        client.set_alias("m", "Prod_Env", "1")
    assert registry.store.aliases("m") == {"default": "1"}


def test_a_polled_source_refuses_deliveries(client, source):
    response = client.post("/webhooks/vx/", b"{}", content_type="application/json")
    assert response.status_code == 404 and "polls" in response.json()["detail"]


def test_add_vertex_source_from_the_command_line_and_the_form(client_for, personas, registry):
    out = StringIO()
    with pytest.raises(Exception, match="--project and --location"):
        call_command("add_registry_source", "--kind", "vertex", "--slug", "vxc", stdout=out)
    call_command(
        "add_registry_source",
        "--kind",
        "vertex",
        "--slug",
        "vxc",
        "--project",
        PROJECT,
        "--location",
        LOCATION,
        stdout=out,
    )
    assert RegistrySource.objects.get(slug="vxc").settings == {
        "project": PROJECT,
        "location": LOCATION,
    }
    admin = client_for(personas.admin)
    refused = admin.post(reverse("registries:create"), {"kind": "vertex", "slug": "vxf"})
    assert refused.status_code == 400 and not RegistrySource.objects.filter(slug="vxf").exists()
    response = admin.post(
        reverse("registries:create"),
        {
            "kind": "vertex",
            "slug": "vxf",
            "project": PROJECT,
            "location": LOCATION,
            "base_url": registry.url,
            "api_token": TOKEN,
        },
    )
    assert response.status_code == 302
    page = admin.get(reverse("registries:detail", args=["vxf"])).content.decode()
    assert "Polled from the Vertex AI Model Registry" in page and PROJECT in page
