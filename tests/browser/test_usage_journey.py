"""Browser journey: on the demo, the owner of churn-predictor opens the model page, follows
"Usage and cost" and reads six months of cost, requests, cost per 1,000 predictions and error
rate, as charts and a table (screenshots, desktop and phone); the compliance officer opens the
portfolio's usage and cost with the unmatched cost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO, StringIO

import pytest
from asn1crypto import pem, x509
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from catalog.models import ModelService
from documents.signing_keys import document_signing_identity
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def load_cert_from_pemder_bytes(data: bytes) -> x509.Certificate:
    return x509.Certificate.load(pem.unarmor(data)[2])


def test_owner_reads_usage_and_cost_of_a_model(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="churn-predictor")
    owner = model.owner_team.members.filter(is_service_account=False).first()
    sign_in(page, live_server, owner.username)
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.locator(".usage-card").get_by_role("link", name="Open usage and cost").click()
    page.wait_for_selector("h1:has-text('Usage and cost: churn-predictor')")
    assert page.locator("svg.chart__svg").count() == 2  # cost (EUR) and requests
    table = page.locator("table").first.inner_text()  # month by month (then per deployment)
    assert "EUR" in table and " %" in table
    screenshot(page, "70-usage-cost")
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the usage page scrolls sideways on a phone ({width}px)"
    screenshot(page, "71-usage-cost-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    # The portfolio view, as the compliance officer: every model, and the unmatched cost.
    page.context.clear_cookies()
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/usage/")
    page.get_by_role("link", name="Portfolio usage and cost").click()
    page.wait_for_selector("h1:has-text('Usage and cost, ')")
    text = page.locator("main").inner_text()
    assert "unmatched cost" in text.lower()
    assert "support-chatbot" in text and "churn-predictor" in text
    screenshot(page, "72-usage-cost-portfolio")

    # The same report as a signed PDF (issue 24): signed by the demo's document-signing identity
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download signed PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("usage-cost-")
    with open(download.path(), "rb") as handle:
        pdf = handle.read()
    certificate = load_cert_from_pemder_bytes(document_signing_identity().certificate_pem())
    [signature] = PdfFileReader(BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[certificate])
    # pyHanko runs its own asyncio loop; Playwright's sync API already runs one in this thread
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(
            validate_pdf_signature, signature, signer_validation_context=context
        ).result()
    assert status.bottom_line, status.pretty_print_details()


def test_compliance_sets_a_budget_and_reads_it_against_the_month(live_server, page, screenshot):
    """Budgets (issue 22, point 3): the compliance officer sets churn-predictor's monthly
    budget below what it spends, sees it over budget in the report, and the alert it opened."""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/usage/")
    page.wait_for_selector("h2:has-text('Budgets')")
    assert "Model support-chatbot" in page.locator("#budgets-h + p + .table-wrap").inner_text()
    page.get_by_label("Model", exact=True).fill("churn-predictor")
    page.get_by_label("Monthly budget").fill("100")
    page.get_by_role("button", name="Set budget").click()
    page.wait_for_selector("text=Budget set: 100.00 EUR a month for churn-predictor.")
    row = page.locator("tr", has_text="Model churn-predictor")
    assert "Over budget" in row.inner_text()
    screenshot(page, "73-usage-budgets")
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the budgets section scrolls sideways ({width}px)"
    screenshot(page, "74-usage-budgets-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(f"{live_server.url}/alerts/")
    assert "churn-predictor spent" in page.locator("main").inner_text()


def test_compliance_uploads_a_focus_export_in_the_browser(live_server, page, screenshot, tmp_path):
    """The browser upload (issue 22, point 2): the compliance officer picks a FOCUS CSV on
    /usage/, reads the import's summary; a file that is not FOCUS is refused on the form,
    naming the missing columns (desktop and phone)."""
    from tests.usage.focus_files import COLUMNS, csv_bytes, row
    from usage.models import CostImport

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    good = tmp_path / "focus-2026-10.csv"
    good.write_bytes(
        csv_bytes(
            [
                row(
                    account="journey-1", effective="40.00", tags={"attest-model": "churn-predictor"}
                ),
                row(account="journey-1", effective="2.50", tags={"team": "none"}),
            ]
        )
    )
    bad = tmp_path / "not-focus.csv"
    bad.write_bytes(csv_bytes([row()], [c for c in COLUMNS if c != "BillingCurrency"]))
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/usage/")
    form = page.locator("form[action='/usage/imports/']")
    form.get_by_label("FOCUS export (CSV or Parquet)").set_input_files(str(bad))
    form.get_by_role("button", name="Import").click()
    page.wait_for_selector("h1:has-text('Import a FOCUS export')")
    errors = page.locator(".field__error, .flash--error").all_inner_texts()
    assert any("BillingCurrency" in e for e in errors), errors
    assert not CostImport.objects.filter(file_name="not-focus.csv").exists()
    screenshot(page, "75-usage-import-refused")

    page.get_by_label("FOCUS export (CSV or Parquet)").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("h2:has-text('Imported focus-2026-10.csv')")
    summary = page.locator("dl.summary-strip").inner_text().lower()
    assert "rows read\n2" in summary and "matched to a model\n1" in summary, summary
    assert "journey-1" in page.locator("table").inner_text()
    screenshot(page, "76-usage-import-summary")
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the import summary scrolls sideways ({width}px)"
    screenshot(page, "77-usage-import-summary-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
