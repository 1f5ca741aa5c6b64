"""Browser journeys: a compliance officer generates a portfolio report from the Reports page and
downloads the finished PDF; a model owner generates the Annex IV technical documentation of a
high-risk model from its page."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from documents.models import GeneratedDocument
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    call_command("seed_demo", "--allow-production", stdout=StringIO())


def test_compliance_officer_generates_and_downloads_a_portfolio_report(
    live_server, page, screenshot, demo
):
    sign_in(page, live_server, "carla")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_selector("h1:has-text('Reports')")
    assert "No portfolio report yet" in page.text_content("main")
    assert page.locator(".report-chart svg").count() == 1  # the tier chart, same as the PDF
    screenshot(page, "55-reports")

    page.get_by_label("Team").select_option(label="Credit Risk")
    page.get_by_role("button", name="Generate portfolio report").click()
    # Tasks run in-process here, so the page the form lands on is the finished document.
    page.wait_for_selector("text=Download PDF", timeout=60_000)
    main = page.text_content("main")
    assert "Portfolio compliance report" in main and "Content SHA-256" in main
    document = GeneratedDocument.objects.get(kind="portfolio")
    assert document.status == "done" and document.parameters["team"] == "credit-risk"
    assert document.content_hash in main
    screenshot(page, "56-report-ready")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == "portfolio-report-r1.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_role("link", name="Reports").first.click()
    page.wait_for_selector("h1:has-text('Reports')")
    row = page.locator(".report-table tbody tr").first
    assert "credit-risk" in row.inner_text() and "Ready" in row.inner_text()


def test_owner_generates_annex_iv_from_the_model_page(live_server, page, screenshot, demo):
    model = ModelService.objects.get(name="credit-scoring-retail")
    assert model.risk_tier == "high"
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    card = page.locator(".annex-iv-card")
    card.scroll_into_view_if_needed()
    screenshot(page, "57-model-technical-documentation")
    card.get_by_role("button", name="Generate technical documentation (Annex IV)").click()
    page.wait_for_selector("text=Download PDF", timeout=60_000)
    assert "Technical documentation (Annex IV)" in page.text_content("main")
    screenshot(page, "58-annex-iv-ready")
    document = GeneratedDocument.objects.get(kind="annex_iv")
    assert document.model_service == model and document.pages >= 8
