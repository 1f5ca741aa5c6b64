"""Azure Machine Learning (issue 19, item 3): Event Grid deliveries (both schemas, the endpoint
validation handshakes), re-read through the workspace's REST API, approval written back as
version tags, drift, archived = deleted.

Azure has no local emulator: the workspace is the loopback stand-in of tests/azureml_registry.py
answering the documented JSON, and the deliveries are the documented event shapes
(https://learn.microsoft.com/azure/event-grid/event-schema-machine-learning), posted as Event
Grid would. Entra ID is not reachable here: the source holds a bearer token instead.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from approvals import services as approval_services
from approvals.models import DriftFinding
from catalog import services
from catalog.models import ModelService, RegistrySource, WebhookDelivery
from catalog.registries import adapter_for
from catalog.registries.azureml import _time
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.azureml_registry import AzureMLWorkspace

pytestmark = pytest.mark.django_db
SUB, RG, WS = "0b1f6471-1bf0-4dda-aec3-111122223333", "ml-rg", "fraud-ws"
TOKEN, KEY = "eyJ0eXAiOiJKV1Qi.test-token", "event-grid-key-0123456789abcdef"
URL = f"/webhooks/aml/?key={KEY}"
TOPIC = (
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
    f"Microsoft.MachineLearningServices/workspaces/{WS}"
)


@pytest.fixture
def workspace():
    server = AzureMLWorkspace(SUB, RG, WS, TOKEN)
    yield server
    server.stop()


@pytest.fixture
def source(workspace):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None,
            kind="azureml",
            slug="aml",
            base_url=workspace.url,
            secret=KEY,
            credentials={"token": TOKEN},
            options={"subscription": SUB, "resource_group": RG, "workspace": WS},
        )


def grid_event(name: str, version, *, at: datetime | None = None, topic: str = TOPIC) -> bytes:
    """Event Grid schema: an array of one event."""
    at = at or datetime.now(tz=UTC)
    return json.dumps(
        [
            {
                "topic": topic,
                "subject": f"models/{name}:{version}",
                "eventType": "Microsoft.MachineLearningServices.ModelRegistered",
                "eventTime": at.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
                "id": str(uuid.uuid4()),
                "data": {
                    "ModelName": name,
                    "ModelVersion": version,
                    "ModelTags": {},
                    "ModelProperties": {},
                },
                "dataVersion": "2",
                "metadataVersion": "1",
            }
        ]
    ).encode()


def cloud_event(name: str, version) -> bytes:
    """CloudEvents 1.0 in structured mode: one object."""
    return json.dumps(
        {
            "specversion": "1.0",
            "source": TOPIC,
            "subject": f"models/{name}:{version}",
            "type": "Microsoft.MachineLearningServices.ModelRegistered",
            "time": datetime.now(tz=UTC).isoformat(),
            "id": str(uuid.uuid4()),
            "data": {"ModelName": name, "ModelVersion": version},
        }
    ).encode()


@pytest.fixture
def deliver(client, source, django_capture_on_commit_callbacks):
    def post(body: bytes, url: str = URL, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic("POST", url, body, content_type="application/json", **headers)

    return post


def test_azureml_walk_register_version_approve_drift_archive(
    personas, workspace, source, deliver, django_capture_on_commit_callbacks
):
    store = workspace.store
    store.register(
        "fraud",
        "azureml://jobs/j1/outputs/model",
        tags={"team": personas.team.slug},
        model_tags={"team": personas.team.slug},
        job="j1",
    )
    # A model registered in Azure ML → in the catalog, read back from the workspace.
    assert deliver(grid_event("fraud", 1)).status_code == 200
    entry = ModelService.objects.get(registry_source=source, registry_name="fraud")
    assert entry.owner_team == personas.team
    row = entry.versions.get(version="1")
    assert row.source_uri == "azureml://jobs/j1/outputs/model" and row.run_id == "j1"
    assert row.tags == {"team": personas.team.slug}

    # A second version, announced as a CloudEvent with the key in a delivery header instead.
    store.register("fraud", "azureml://jobs/j2/outputs/model", job="j2")
    answer = deliver(cloud_event("fraud", "2"), url="/webhooks/aml/", HTTP_X_ATTEST_KEY=KEY)
    assert answer.status_code == 200
    assert sorted(entry.versions.values_list("version", flat=True)) == ["1", "2"]

    # An approval in Attest → tags on the version in the workspace, the others kept.
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=entry, answers=ANSWERS["minimal"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=entry.versions.get(version="1"),
            environment="production",
            justification="Fewer false positives on the November sample.",
        )
        request = approval_services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="ok"
        )
    request.refresh_from_db()
    assert request.writeback_done_at is not None, request.writeback_error
    tags = store.tags("fraud", "1")
    assert tags["attest.status"] == "approved" and tags["team"] == personas.team.slug
    assert tags["attest.approval_id"] == str(request.pk)
    services.registry_reconcile(source=source)
    assert not DriftFinding.objects.filter(model_service=entry).exists()

    # Tagged approved in Azure ML behind Attest's back → drift; the tag removed → resolved.
    store.set_tags("fraud", "2", {"attest.status": "approved", "attest.environment": "production"})
    services.registry_reconcile(source=source)
    (finding,) = DriftFinding.objects.filter(model_service=entry, resolved_at=None)
    assert finding.alias == "attest.status" and finding.model_version.version == "2"
    store.set_tags("fraud", "2", {})
    services.registry_reconcile(source=source)
    finding.refresh_from_db()
    assert finding.resolved_at is not None

    # Revoking removes Attest's tags and leaves the team's.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.approval_revoke(
            actor=personas.compliance, request=request, reason="Drift in the input data."
        )
    assert store.tags("fraud", "1") == {"team": personas.team.slug}

    # Archived in Azure ML (no event for it) → reconciliation marks it deleted, history kept.
    store.archive("fraud")
    assert services.registry_reconcile(source=source) == {"models_deleted": 1}
    entry.refresh_from_db()
    assert entry.registry_deleted_at is not None and entry.versions.count() == 2


def test_event_grid_validation_handshakes(client, source):
    validation = json.dumps(
        [
            {
                "id": str(uuid.uuid4()),
                "topic": TOPIC,
                "subject": "",
                "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
                "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                "eventTime": datetime.now(tz=UTC).isoformat(),
                "metadataVersion": "1",
                "dataVersion": "1",
            }
        ]
    ).encode()
    answer = client.post(URL, validation, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert not WebhookDelivery.objects.exists()  # a handshake is not an event
    # Without the key, or with a wrong one, the subscription does not validate.
    no_key = client.post("/webhooks/aml/", validation, content_type="application/json")
    assert no_key.status_code == 401 and "key" in no_key.json()["detail"]
    wrong = client.post("/webhooks/aml/?key=nope", validation, content_type="application/json")
    assert wrong.status_code == 401

    # CloudEvents 1.0 abuse protection: OPTIONS with WebHook-Request-Origin.
    options = client.options(URL, HTTP_WEBHOOK_REQUEST_ORIGIN="eventgrid.azure.net")
    assert options.status_code == 200
    assert options["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    assert "POST" in options["Allow"]
    assert client.options("/webhooks/aml/?key=nope").status_code == 401
    assert client.options(URL).status_code == 400  # no origin asked for


def test_options_on_a_kind_without_a_handshake_is_405(client, personas):
    with transaction.atomic():
        services.registry_source_create(
            actor=None,
            kind="push",
            slug="pp",
            base_url="",
            secret=adapter_for("push").new_secret(),
        )
    assert client.options("/webhooks/pp/").status_code == 405


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", 400, ""),
        (b"[]", 400, "Event Grid"),
        (json.dumps([{"id": "x"}]).encode(), 400, "eventType"),
        (grid_event("m", 1)[:-1] + b", " + grid_event("m", 2)[1:], 400, "Max events per batch"),
        (grid_event("m", 1, topic=TOPIC.replace(WS, "other-ws")), 400, "other-ws"),
        (grid_event("m", 1, at=datetime.now(tz=UTC) - timedelta(days=2)), 401, "replay"),
    ],
)
def test_bad_deliveries_are_refused_with_a_reason(deliver, body, status, reason):
    answer = deliver(body)
    assert answer.status_code == status
    assert reason in answer.json()["detail"]
    assert not WebhookDelivery.objects.exists()


def test_other_event_types_are_stored_but_change_nothing(deliver, source):
    body = json.dumps(
        [
            {
                "topic": TOPIC,
                "subject": "endpoints/scoring",
                "eventType": "Microsoft.MachineLearningServices.ModelDeployed",
                "eventTime": datetime.now(tz=UTC).isoformat(),
                "id": str(uuid.uuid4()),
                "data": {"ServiceName": "scoring", "ModelIds": "fraud:1"},
            }
        ]
    ).encode()
    assert deliver(body).status_code == 200
    (row,) = WebhookDelivery.objects.all()
    assert row.entity == "eventgrid" and not ModelService.objects.exists()


def test_an_unknown_model_leaves_the_catalog_as_it_was(deliver, source):
    assert deliver(grid_event("never-registered", 1)).status_code == 200
    (row,) = WebhookDelivery.objects.all()
    row.refresh_from_db()
    assert row.status != WebhookDelivery.Status.FAILED
    assert not ModelService.objects.exists()


def test_pages_follow_next_link_and_a_wrong_token_is_refused(workspace, source):
    for n in range(57):  # the stand-in answers 50 a page
        workspace.store.register(f"m{n:02d}", f"azureml://m/{n}")
    summary = services.registry_reconcile(source=source)
    assert summary == {"models_added": 57, "versions_added": 57}
    assert "workspace" in services.registry_client(source).check()
    parsed = _time("2026-12-07T10:00:00.1234567Z")
    assert parsed.microsecond == 123456 and parsed.utcoffset() == timedelta(0)
    with transaction.atomic():
        services.registry_source_create(
            actor=None,
            kind="azureml",
            slug="aml2",
            base_url=workspace.url,
            secret=KEY,
            credentials={"token": "wrong"},
            options={"subscription": SUB, "resource_group": RG, "workspace": WS},
        )
    from catalog.registries.base import RegistryRequestRefused

    with pytest.raises(RegistryRequestRefused, match="401"):
        services.registry_client(RegistrySource.objects.get(slug="aml2")).check()


def test_add_azureml_source_from_the_command_line_and_the_form(client_for, personas, workspace):
    out = StringIO()
    with pytest.raises(Exception, match="--subscription, --resource-group and --workspace"):
        call_command("add_registry_source", "--kind", "azureml", "--slug", "a1", stdout=out)
    call_command(
        "add_registry_source",
        *("--kind", "azureml", "--slug", "a1", "--subscription", SUB),
        *("--resource-group", RG, "--workspace", WS),
        stdout=out,
    )
    assert RegistrySource.objects.get(slug="a1").settings["workspace"] == WS
    assert "/webhooks/a1/?key=" in out.getvalue()
    admin = client_for(personas.admin)
    refused = admin.post(reverse("registries:create"), {"kind": "azureml", "slug": "a2"})
    assert refused.status_code == 400 and not RegistrySource.objects.filter(slug="a2").exists()
    response = admin.post(
        reverse("registries:create"),
        {
            "kind": "azureml",
            "slug": "a2",
            "subscription": SUB,
            "resource_group": RG,
            "workspace": WS,
            "base_url": workspace.url,
            "api_token": TOKEN,
        },
    )
    assert response.status_code == 302
    page = admin.get(reverse("registries:detail", args=["a2"])).content.decode()
    assert "Connect Azure Machine Learning" in page and "?key=" in page
    assert "az eventgrid event-subscription create" in page


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/webhooks/aml/", {}),  # no key at all
        ("/webhooks/aml/?key=forged-key-0123456789", {}),  # a key of no source
        ("/webhooks/aml/", {"HTTP_X_ATTEST_KEY": "forged-key-0123456789"}),
    ],
)
def test_a_forged_delivery_is_refused_and_changes_nothing(deliver, workspace, url, headers):
    workspace.store.register("fraud", "azureml://m/1")
    answer = deliver(grid_event("fraud", 1), url=url, **headers)
    assert answer.status_code == 401
    assert not WebhookDelivery.objects.exists() and not ModelService.objects.exists()


def test_a_replayed_event_id_is_stored_once(deliver, workspace):
    workspace.store.register("fraud", "azureml://m/1")
    body = grid_event("fraud", 1)
    assert deliver(body).status_code == 200
    again = deliver(body)
    assert again.status_code == 200 and again.json()["detail"].startswith("Duplicate")
    assert WebhookDelivery.objects.count() == 1
