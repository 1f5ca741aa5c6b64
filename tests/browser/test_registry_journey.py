"""Browser journey: an administrator connects a real MLflow server and reads the inbox."""

import time
import uuid
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from tests.catalog.conftest import signed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_connects_mlflow_and_reads_the_inbox(live_server, page, screenshot, tmp_path):
    from tests.mlflow_server import start_mlflow_server

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    server = start_mlflow_server(tmp_path / "mlflow")
    try:
        name = f"pricing-{uuid.uuid4().hex[:6]}"
        mf = server.client()
        mf.create_registered_model(name, description="prices baskets")
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("attest-demo")
        page.get_by_role("button", name="Sign in").click()
        settings_menu = page.get_by_role("navigation", name="Main").locator(
            "summary", has_text="Settings"
        )
        settings_menu.click()  # the administrators' pages sit in the Settings menu
        screenshot(page, "20-settings-menu")
        page.get_by_role("link", name="Registries").click()
        screenshot(page, "20-registries-empty")
        page.get_by_role("link", name="Add a registry").first.click()
        page.get_by_label("Slug").fill("mlflow-prod")
        page.get_by_label("Name").fill("Production MLflow")
        page.get_by_label("Base URL").fill(server.url)
        page.get_by_label("Secret", exact=True).fill("a-long-shared-secret-123")
        page.get_by_role("button", name="Add registry").click()
        page.wait_for_selector("text=Connect MLflow")
        assert "/webhooks/mlflow-prod/" in page.text_content("main")
        page.get_by_role("button", name="Register webhook in MLflow").click()
        page.wait_for_selector("text=copy it now")
        secret = page.locator(".flash--warning code.secret").inner_text().strip()
        assert any(h.name == "attest-mlflow-prod" for h in mf.list_webhooks())
        page.get_by_role("button", name="Reconcile now").click()
        page.wait_for_selector("text=Reconciled:")
        assert "models added 1" in page.text_content("main")
        screenshot(page, "21-registry-detail")
        # A delivery signed with the secret the page just showed, as MLflow sends it.
        run = mf.create_run(experiment_id="0").info.run_id
        mf.create_model_version(name, f"runs:/{run}/model", run_id=run)
        body, meta = signed(
            "model_version", "created", {"name": name, "version": "1"}, secret=secret
        )
        headers = {
            "Content-Type": "application/json",
            "X-MLflow-Delivery-Id": meta["HTTP_X_MLFLOW_DELIVERY_ID"],
            "X-MLflow-Timestamp": meta["HTTP_X_MLFLOW_TIMESTAMP"],
            "X-MLflow-Signature": meta["HTTP_X_MLFLOW_SIGNATURE"],
        }
        answer = requests.post(
            f"{live_server.url}/webhooks/mlflow-prod/", data=body, headers=headers, timeout=30
        )
        assert answer.status_code == 200, answer.text
        # MLflow's own delivery of the same version may still be draining (one drain at a
        # time; it takes ours next): the inbox shows each as it is, so look again until both
        # are done.
        deadline = time.monotonic() + 60
        while True:
            page.goto(f"{live_server.url}/registries/inbox/")
            page.wait_for_selector("h1:has-text('Webhook inbox')")
            table = page.text_content("table")
            if ("Pending" not in table and "Processing" not in table) or (
                time.monotonic() > deadline
            ):
                break
            time.sleep(0.5)
        assert "Processed" in table and "Pending" not in table, table
        assert f"{name} v1" in page.text_content("table")
        screenshot(page, "22-inbox")
    finally:
        server.stop()


def test_admin_adds_a_sagemaker_source_tests_it_and_sees_the_first_deliveries(
    live_server, page, screenshot, monkeypatch
):
    """SageMaker is moto's server mode on a free loopback port, read through boto3; the
    delivery is the documented EventBridge event with the connection's key header."""
    import json
    from datetime import UTC, datetime

    import boto3
    from moto.server import ThreadedMotoServer

    from tests.sso_provider import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        sm = boto3.client("sagemaker", endpoint_url=moto_url, region_name="eu-west-1")
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("attest-demo")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/registries/new/")
        page.get_by_label("Kind").select_option("sagemaker")
        page.get_by_label("Slug").fill("sagemaker-prod")
        page.get_by_label("Name").fill("SageMaker (eu-west-1)")
        page.get_by_label("Base URL").fill(moto_url)
        page.get_by_label("Region").fill("eu-west-1")
        screenshot(page, "23-registry-add-sagemaker")
        page.get_by_role("button", name="Add registry").click()
        page.wait_for_selector("text=Connect SageMaker")
        main = page.text_content("main")
        assert "/webhooks/sagemaker-prod/" in main and "X-Attest-Key" in main
        assert "SageMaker Model Package State Change" in main
        key = page.locator(".flash--warning code.secret").inner_text().strip()
        page.get_by_role("button", name="Test connection").click()
        page.wait_for_selector("text=Connection works.")
        assert "eu-west-1" in page.text_content("main")
        screenshot(page, "24-registry-sagemaker-steps")

        sm.create_model_package_group(ModelPackageGroupName="fraud-detector")
        arn = sm.create_model_package(
            ModelPackageGroupName="fraud-detector",
            InferenceSpecification={
                "Containers": [{"Image": "xgb:1", "ModelDataUrl": "s3://m/fraud/1.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="PendingManualApproval",
        )["ModelPackageArn"]
        now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "SageMaker Model Package State Change",
            "source": "aws.sagemaker",
            "account": "123456789012",
            "time": now,
            "region": "eu-west-1",
            "resources": [arn],
            "detail": {
                "ModelPackageGroupName": "fraud-detector",
                "ModelPackageVersion": 1,
                "ModelPackageArn": arn,
                "ModelPackageStatus": "Completed",
                "ModelApprovalStatus": "PendingManualApproval",
            },
        }
        answer = requests.post(
            f"{live_server.url}/webhooks/sagemaker-prod/",
            data=json.dumps(event),
            headers={"Content-Type": "application/json", "X-Attest-Key": key},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        page.goto(f"{live_server.url}/registries/sagemaker-prod/")
        page.wait_for_selector("text=Recent deliveries")
        table = page.text_content("main table")
        assert "Processed" in table and "fraud-detector" in table
        screenshot(page, "25-registry-sagemaker-deliveries")
    finally:
        moto.stop()


def test_admin_adds_an_azureml_source_event_grid_validates_it_and_delivers(
    live_server, page, screenshot
):
    """Azure ML has no emulator: the workspace is the loopback stand-in answering the documented
    REST JSON (tests/azureml_registry.py); Event Grid's validation and ModelRegistered events
    are posted in their documented shapes."""
    import json
    from datetime import UTC, datetime

    from tests.azureml_registry import AzureMLWorkspace

    sub, rg, ws, token = "0b1f6471-1bf0-4dda-aec3-111122223333", "ml-rg", "fraud-ws", "tok-123"
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    workspace = AzureMLWorkspace(sub, rg, ws, token)
    try:
        workspace.store.register("fraud-scorer", "azureml://jobs/j7/outputs/model", job="j7")
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("attest-demo")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/registries/new/")
        page.get_by_label("Kind").select_option("azureml")
        page.get_by_label("Slug").fill("azureml-prod")
        page.get_by_label("Base URL").fill(workspace.url)
        page.get_by_label("Subscription").fill(sub)
        page.get_by_label("Resource group").fill(rg)
        page.get_by_label("Workspace").fill(ws)
        page.get_by_label("API token (optional)").fill(token)
        page.get_by_role("button", name="Add registry").click()
        page.wait_for_selector("text=Connect Azure Machine Learning")
        main = page.text_content("main")
        assert "/webhooks/azureml-prod/?key=" in main and "az eventgrid" in main
        key = page.locator(".flash--warning code.secret").inner_text().strip()
        page.get_by_role("button", name="Test connection").click()
        page.wait_for_selector("text=Connection works.")
        screenshot(page, "26-registry-azureml-steps")

        url = f"{live_server.url}/webhooks/azureml-prod/?key={key}"
        now = datetime.now(tz=UTC).isoformat()
        topic = (
            f"/subscriptions/{sub}/resourceGroups/{rg}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{ws}"
        )
        validation = [
            {
                "id": str(uuid.uuid4()),
                "topic": topic,
                "subject": "",
                "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                "eventTime": now,
                "data": {"validationCode": "code-42"},
                "dataVersion": "1",
                "metadataVersion": "1",
            }
        ]
        answer = requests.post(url, json=validation, timeout=30)
        assert answer.json() == {"validationResponse": "code-42"}
        event = [
            {
                "id": str(uuid.uuid4()),
                "topic": topic,
                "subject": "models/fraud-scorer:1",
                "eventType": "Microsoft.MachineLearningServices.ModelRegistered",
                "eventTime": now,
                "data": {"ModelName": "fraud-scorer", "ModelVersion": 1},
                "dataVersion": "2",
                "metadataVersion": "1",
            }
        ]
        answer = requests.post(url, data=json.dumps(event), timeout=30)
        assert answer.status_code == 200, answer.text
        page.goto(f"{live_server.url}/registries/azureml-prod/")
        page.wait_for_selector("text=Recent deliveries")
        table = page.text_content("main table")
        assert "Processed" in table and "fraud-scorer" in table
        screenshot(page, "27-registry-azureml-deliveries")
    finally:
        workspace.stop()
