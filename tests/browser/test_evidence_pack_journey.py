"""Browser journeys: a model owner asks for the evidence pack of a version from its model card
page (and of a deployment request from the request's page), watches it become ready, downloads
the ZIP and the signing certificate from the document's page, and the stand-alone verifier
accepts the pack with that certificate."""

import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from approvals.models import DeploymentRequest
from catalog.models import ModelService
from documents import signing_keys
from documents.models import GeneratedDocument
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VERIFIER = Path(settings.BASE_DIR) / "docs" / "verify_evidence_pack.py"


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.ATTEST_DOCUMENT_SIGNING_KEY = settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    signing_keys._identity.cache_clear()
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    yield
    signing_keys._identity.cache_clear()


def test_owner_requests_downloads_and_verifies_an_evidence_pack(
    live_server, page, screenshot, demo, tmp_path
):
    model = ModelService.objects.get(name="credit-scoring-retail")
    version = model.versions.order_by("-version_number").first()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/versions/{version.version}/card/")
    screenshot(page, "52-model-card-with-evidence-pack-action")
    page.get_by_role("button", name="Request evidence pack").click()
    # Tasks run in-process here: the page the form lands on is the finished pack.
    page.wait_for_selector("text=Download evidence pack (ZIP)", timeout=60_000)
    document = GeneratedDocument.objects.get(kind="evidence_pack")
    assert document.status == "done", document.error
    main = page.text_content("main")
    assert "Evidence pack" in main and document.content_hash in main
    assert "verify_evidence_pack.py" in main
    screenshot(page, "52b-evidence-pack-ready")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download evidence pack (ZIP)").click()
    assert download.value.suggested_filename == document.download_name
    pack = tmp_path / document.download_name
    download.value.save_as(pack)
    assert zipfile.is_zipfile(pack)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download signing certificate").click()
    certificate = tmp_path / "attest-document-signing.pem"
    download.value.save_as(certificate)
    assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")

    result = subprocess.run(
        [sys.executable, str(VERIFIER), str(pack), "--cert", str(certificate)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"OK: evidence pack of credit-scoring-retail v{version.version}"
    )


def test_owner_requests_the_evidence_pack_of_a_deployment_request(
    live_server, page, screenshot, demo, tmp_path
):
    model = ModelService.objects.get(name="credit-scoring-retail")
    request = DeploymentRequest.objects.filter(model_service=model, state="approved").first()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    screenshot(page, "53-request-with-evidence-pack-action")
    page.get_by_role("button", name="Request evidence pack").click()
    page.wait_for_selector("text=Download evidence pack (ZIP)", timeout=60_000)
    document = GeneratedDocument.objects.get(kind="evidence_pack")
    assert document.parameters == {"deployment_request": str(request.pk)}
    with page.expect_download() as download:
        page.get_by_role("link", name="Download evidence pack (ZIP)").click()
    pack = tmp_path / "pack.zip"
    download.value.save_as(pack)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download signing certificate").click()
    certificate = tmp_path / "cert.pem"
    download.value.save_as(certificate)
    result = subprocess.run(
        [sys.executable, str(VERIFIER), str(pack), "--cert", str(certificate)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"deployment request {request.pk}" in result.stdout
