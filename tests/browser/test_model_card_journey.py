"""Browser journey: a model owner opens the model card of a version from the model page,
downloads the Model Card Toolkit JSON, the Hugging Face README, the CycloneDX ML-BOM and the
SPDX 3.0 AI document (each checked by its format's validator), generates the PDF, watches
it become ready and downloads it; the card page then lists the PDF as up to date."""

import json
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command

from catalog.models import ModelService
from documents.models import GeneratedDocument
from tests.browser.journeys import sign_in
from tests.documents import schemas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Read from the installed model-card-toolkit wheel (tests/documents/schemas.py).
SCHEMA = schemas.model_card_toolkit_schema()
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(settings):
    call_command("seed_demo", "--allow-production", stdout=StringIO())


def test_owner_reads_exports_and_generates_the_model_card(live_server, page, screenshot, demo):
    model = ModelService.objects.get(name="credit-scoring-retail")
    version = model.versions.order_by("-version_number").first()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.get_by_role("link", name=f"Model card of v{version.version}").click()
    page.wait_for_selector("h1:has-text('Model card: credit-scoring-retail')")
    main = page.text_content("main")
    assert "High" in main and "Annex III" in main and "Incident contact" in main
    assert "No PDF generated yet" in main
    if version.metrics:
        # One small chart per metric, each on its own axis (issue 20, point 9).
        assert page.locator(".mc-chart-figure svg.mc-panel").count() == len(version.metrics)
        assert page.locator(".mc-chart-figure svg rect").count() >= len(version.metrics)
    screenshot(page, "50-model-card")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON (Model Card Toolkit)").click()
    exported = json.loads(Path(download.value.path()).read_text())
    jsonschema.validate(exported, SCHEMA)
    assert exported["model_details"]["name"] == "credit-scoring-retail"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download README.md (Hugging Face)").click()
    assert download.value.suggested_filename == "README.md"
    readme = Path(download.value.path()).read_text()
    assert readme.startswith("---\n") and "## EU AI Act" in readme
    for label, errors, suffix in (
        ("Download CycloneDX ML-BOM", schemas.cyclonedx_errors, ".cdx.json"),
        ("Download SPDX 3.0 AI", schemas.spdx_errors, ".spdx3.json"),
    ):
        with page.expect_download() as download:
            page.get_by_role("link", name=label).click()
        assert (
            download.value.suggested_filename == f"credit-scoring-retail-v{version.version}{suffix}"
        )
        assert errors(json.loads(Path(download.value.path()).read_text())) is None

    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the card scrolls sideways on a phone ({width}px)"
    screenshot(page, "50b-model-card-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    page.get_by_role("button", name="Generate PDF").click()
    # Tasks run in-process here, so the page the form lands on is the finished document.
    page.wait_for_selector("text=Download PDF", timeout=60_000)
    document = GeneratedDocument.objects.get(kind="model_card")
    assert document.status == "done" and document.model_version == version
    main = page.text_content("main")
    assert "Model card" in main and document.content_hash in main
    screenshot(page, "51-model-card-pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == document.download_name
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    page.goto(f"{live_server.url}/models/{model.pk}/versions/{version.version}/card/")
    aside = page.locator("aside").text_content()
    assert "Up to date" in aside and "r1" in aside
