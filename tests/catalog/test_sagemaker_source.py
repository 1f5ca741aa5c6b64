"""SageMaker (issue 19, item 2) against moto's server mode (``ThreadedMotoServer`` on a free
loopback port), read and written with boto3 exactly as against AWS.

Model package groups and packages are created in moto with boto3; the deliveries Attest
receives are EventBridge events of the documented shape ("SageMaker Model Package State Change",
https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html),
carrying the API destination connection's key header. moto 5.2.6 has no DeleteModelPackage /
DeleteModelPackageGroup: the deletion step empties the registry with moto's reset endpoint.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from django.db import transaction
from moto.server import ThreadedMotoServer

from approvals import services as approval_services
from approvals.models import DeploymentRequest, DriftFinding
from catalog import services
from catalog.models import ModelService, RegistrySource, WebhookDelivery
from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS
from tests.sso_provider import free_port

pytestmark = pytest.mark.django_db
REGION = "eu-central-1"
KEY = "eventbridge-connection-key-0123456789"
URL = "/webhooks/sm/"


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def sm(moto_url, monkeypatch):
    # The standard AWS credential chain, as in production: here from the environment.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    requests.post(f"{moto_url}/moto-api/reset", timeout=10).raise_for_status()
    return boto3.client("sagemaker", endpoint_url=moto_url, region_name=REGION)


@pytest.fixture
def source(sm, moto_url):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None,
            kind="sagemaker",
            slug="sm",
            base_url=moto_url,
            secret=KEY,
            options={"region": REGION},
        )


def new_package(sm, group: str, *, status="PendingManualApproval", run="exec-1") -> dict:
    arn = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelPackageDescription=f"{group} candidate",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "257758044811.dkr.ecr.eu-central-1.amazonaws.com/xgb:1",
                    "ModelDataUrl": f"s3://models/{group}/{uuid.uuid4().hex[:6]}/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus=status,
        MetadataProperties={
            "GeneratedBy": f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/p/execution/{run}"
        },
    )["ModelPackageArn"]
    return sm.describe_model_package(ModelPackageName=arn)


def event_for(package: dict, *, at: datetime | None = None) -> bytes:
    """The documented EventBridge event for a package's current state."""
    at = at or datetime.now(tz=UTC)

    def iso(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "SageMaker Model Package State Change",
            "source": "aws.sagemaker",
            "account": "123456789012",
            "time": iso(at),
            "region": REGION,
            "resources": [package["ModelPackageArn"]],
            "detail": {
                "ModelPackageGroupName": package["ModelPackageGroupName"],
                "ModelPackageVersion": package["ModelPackageVersion"],
                "ModelPackageArn": package["ModelPackageArn"],
                "CreationTime": iso(package["CreationTime"]),
                "InferenceSpecification": package["InferenceSpecification"],
                "ModelPackageStatus": package["ModelPackageStatus"],
                "ModelApprovalStatus": package["ModelApprovalStatus"],
                "LastModifiedTime": iso(package.get("LastModifiedTime", package["CreationTime"])),
            },
        }
    ).encode()


@pytest.fixture
def deliver(client, source, django_capture_on_commit_callbacks):
    def post(body: bytes, **headers):
        headers = headers or {"HTTP_X_ATTEST_KEY": KEY}
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic("POST", URL, body, content_type="application/json", **headers)

    return post


def status_in_sagemaker(sm, package: dict) -> str:
    return sm.describe_model_package(ModelPackageName=package["ModelPackageArn"])[
        "ModelApprovalStatus"
    ]


def test_sagemaker_walk_register_version_approve_drift_delete(
    personas, sm, source, deliver, django_capture_on_commit_callbacks
):
    group = "credit-scoring"
    sm.create_model_package_group(
        ModelPackageGroupName=group,
        ModelPackageGroupDescription="Credit scoring models",
        Tags=[{"Key": "team", "Value": personas.team.slug}],
    )
    # A model registered in SageMaker → in the catalog, owned by the team its tag names.
    v1 = new_package(sm, group)
    assert deliver(event_for(v1)).status_code == 200
    model = ModelService.objects.get(registry_source=source, registry_name=group)
    assert model.owner_team == personas.team
    assert model.registry_description == "Credit scoring models"
    row = model.versions.get(version="1")
    assert row.source_uri == v1["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert row.run_id == "exec-1" and row.registry_approval_status == "PendingManualApproval"

    # A new version → in the catalog; SageMaker's duplicate events add nothing.
    v2 = new_package(sm, group, run="exec-2")
    body = event_for(v2)
    assert deliver(body).status_code == 200
    assert deliver(body).json()["detail"].startswith("Duplicate")
    assert sorted(model.versions.values_list("version", flat=True)) == ["1", "2"]

    # An approval in Attest → ModelApprovalStatus=Approved in SageMaker, read back with boto3.
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=model, answers=ANSWERS["minimal"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=model.versions.get(version="1"),
            environment="production",
            justification="Better AUC on the hold-out set.",
        )
        request = approval_services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="ok"
        )
    request.refresh_from_db()
    assert request.writeback_done_at is not None, request.writeback_error
    assert status_in_sagemaker(sm, v1) == "Approved"
    described = sm.describe_model_package(ModelPackageName=v1["ModelPackageArn"])
    assert described["ApprovalDescription"] == f"Attest approval {request.pk}"
    # EventBridge then tells Attest about the change it made: no drift, approval still valid.
    assert deliver(event_for(described)).status_code == 200
    assert not DriftFinding.objects.filter(model_service=model).exists()
    request.refresh_from_db()
    assert request.state == DeploymentRequest.State.APPROVED

    # Approved behind Attest's back → governance drift on that version.
    sm.update_model_package(ModelPackageArn=v2["ModelPackageArn"], ModelApprovalStatus="Approved")
    changed = sm.describe_model_package(ModelPackageName=v2["ModelPackageArn"])
    assert deliver(event_for(changed)).status_code == 200
    (finding,) = DriftFinding.objects.filter(model_service=model, resolved_at=None)
    assert finding.alias == "ModelApprovalStatus" and finding.model_version.version == "2"
    # Taken back in SageMaker → the finding resolves.
    sm.update_model_package(
        ModelPackageArn=v2["ModelPackageArn"], ModelApprovalStatus="PendingManualApproval"
    )
    back = sm.describe_model_package(ModelPackageName=v2["ModelPackageArn"])
    assert deliver(event_for(back)).status_code == 200
    finding.refresh_from_db()
    assert finding.resolved_at is not None

    # Revoking the approval sets the status back in SageMaker.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.approval_revoke(
            actor=personas.compliance, request=request, reason="Bias found in audit."
        )
    assert status_in_sagemaker(sm, v1) == "PendingManualApproval"

    # Reconciliation lists the groups: it picks up the status change whose event was not
    # delivered here, and a group gone from the registry is marked deleted.
    assert services.registry_reconcile(source=source) == {"versions_updated": 1}
    assert model.versions.get(version="1").registry_approval_status == "PendingManualApproval"
    assert services.registry_reconcile(source=source) == {}
    requests.post(f"{source.base_url}/moto-api/reset", timeout=10).raise_for_status()
    summary = services.registry_reconcile(source=source)
    assert summary == {"models_deleted": 1}
    model.refresh_from_db()
    assert model.registry_deleted_at is not None and model.versions.count() == 2


def test_reconciliation_finds_groups_no_event_announced(sm, source):
    sm.create_model_package_group(ModelPackageGroupName="quiet", ModelPackageGroupDescription="")
    new_package(sm, "quiet")
    new_package(sm, "quiet")
    assert services.registry_reconcile(source=source) == {"models_added": 1, "versions_added": 2}
    assert services.registry_reconcile(source=source) == {}


def test_test_connection_reports_the_region_and_a_dead_endpoint(sm, source):
    assert REGION in services.registry_client(source).check()
    RegistrySource.objects.filter(pk=source.pk).update(base_url=f"http://127.0.0.1:{free_port()}")
    source.refresh_from_db()
    from catalog.registries.base import RegistryUnavailable

    with pytest.raises(RegistryUnavailable):
        services.registry_client(source).check()


def _event(**changes) -> bytes:
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "time": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": {"ModelPackageGroupName": "g", "ModelPackageVersion": 1},
    }
    event.update(changes)
    return json.dumps(event).encode()


def _basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"attest:{password}".encode()).decode()


OLD = (datetime.now(tz=UTC) - timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
REFUSED = [
    ("no key", _event(), {"HTTP_X_OTHER": "x"}, 401),
    ("wrong key", _event(), {"HTTP_X_ATTEST_KEY": "not-the-key-0123456789"}, 401),
    ("wrong basic password", _event(), {"HTTP_AUTHORIZATION": _basic("nope")}, 401),
    ("not JSON", b"{", {"HTTP_X_ATTEST_KEY": KEY}, 400),
    ("no detail", _event(detail=None), {"HTTP_X_ATTEST_KEY": KEY}, 400),
    (
        "version not a number",
        _event(detail={"ModelPackageGroupName": "g", "ModelPackageVersion": "1"}),
        {"HTTP_X_ATTEST_KEY": KEY},
        400,
    ),
    ("no time", _event(time=None), {"HTTP_X_ATTEST_KEY": KEY}, 400),
    ("replayed after 25 hours", _event(time=OLD), {"HTTP_X_ATTEST_KEY": KEY}, 401),
]


@pytest.mark.parametrize(
    ("case", "body", "headers", "status"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_forged_replayed_and_malformed_events_are_refused(deliver, case, body, headers, status):
    response = deliver(body, **headers)
    assert response.status_code == status, (case, response.content)
    assert not WebhookDelivery.objects.exists() and not ModelService.objects.exists()


def test_basic_auth_other_detail_types_and_unknown_groups_change_nothing(deliver, sm):
    assert deliver(_event(), HTTP_AUTHORIZATION=_basic(KEY)).status_code == 200
    other = _event(**{"detail-type": "SageMaker Endpoint State Change", "detail": {}})
    assert deliver(other).status_code == 200
    rows = {r.entity: r for r in WebhookDelivery.objects.all()}
    assert rows["eventbridge"].status == WebhookDelivery.Status.IGNORED
    assert rows["model_package"].status == WebhookDelivery.Status.PROCESSED
    assert "not in the registry" in rows["model_package"].outcome
    assert not ModelService.objects.exists()


def test_a_registry_that_cannot_be_reached_leaves_the_catalog_as_it_was(deliver, source):
    RegistrySource.objects.filter(pk=source.pk).update(base_url=f"http://127.0.0.1:{free_port()}")
    assert deliver(_event()).status_code == 200  # stored at once; processing waits
    row = WebhookDelivery.objects.get()
    assert (
        row.status == WebhookDelivery.Status.PENDING and "refused the connection" in row.last_error
    )
    assert not ModelService.objects.exists()
