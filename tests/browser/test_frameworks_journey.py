"""Browser journey (issue 17): a compliance officer answers the EU AI Act questionnaire for the
demo's fraud-detection model, choosing Annex III point 5(b) credit scoring and answering the
fraud-detection carve-out yes; the result is minimal and cites the carve-out as the deciding
provision. Then the model's Frameworks tab, its Statement of Applicability (PDF) and the
portfolio's framework coverage page. Screenshots at desktop and phone width."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from risk.models import RiskAssessment
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}
CARVE_OUT = "evaluating creditworthiness for the purpose of detecting financial fraud is excepted"


def test_fraud_detection_is_minimal_by_the_5b_carve_out_and_frameworks_show_coverage(
    live_server, page, screenshot, tmp_path
):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="card-fraud-detector")
    # carla is a compliance officer: her assessment is put in force without a second line
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/assess/")
    page.wait_for_selector("h1:has-text('EU AI Act questionnaire')")
    carve_out = page.locator('[data-question="annex_iii_5b_fraud_detection"]')
    page.get_by_label("Provider").check()
    page.locator("#id_annex_iii_use").select_option("__none__")
    assert carve_out.is_hidden()  # asked only once point 5(b) is chosen
    page.locator("#id_annex_iii_use").select_option("5b_credit_scoring")
    assert carve_out.is_visible()
    assert "Annex III, point 5(b)" in carve_out.text_content()  # the question names its article
    carve_out.get_by_label("Yes").check()
    profiling = page.locator('[data-question="profiles_persons"]')
    if profiling.is_visible():
        profiling.get_by_label("No").check()
    screenshot(page, "70-fraud-questionnaire")
    page.get_by_role("button", name="Submit assessment").click()
    page.wait_for_selector("text=submitted: Minimal")

    main = page.text_content("main")
    assert "Annex III, point 5(b)" in main and CARVE_OUT in main.lower()
    decided = page.locator(".decision").text_content()
    assert "Decided by Annex III, point 5(b)" in decided and CARVE_OUT in decided.lower()
    assessment = RiskAssessment.objects.filter(model_service=model).order_by("-revision").first()
    assert assessment.status == RiskAssessment.Status.SUBMITTED and assessment.tier == "minimal"
    assert assessment.result["decided_by"]["article"] == "Annex III, point 5(b)"
    model.refresh_from_db()
    assert model.risk_tier == "minimal"
    screenshot(page, "71-fraud-result")
    page.set_viewport_size(PHONE)
    screenshot(page, "72-fraud-result-phone")
    page.set_viewport_size(DESKTOP)

    # Evidence for the AI literacy duty (Art. 4), then certified met
    row = page.locator(".obligation", has_text="AI literacy")
    row.get_by_text("Update").click()
    evidence = tmp_path / "ai-literacy-training.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% AI literacy training record 2026\n")
    row.get_by_label("Evidence file").set_input_files(str(evidence))
    row.get_by_role("button", name="Add evidence").click()
    page.wait_for_selector("text=Evidence added to")
    row = page.locator(".obligation", has_text="AI literacy")
    row.get_by_text("Update").click()
    row.get_by_label("Status").select_option("met")
    row.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Updated:")

    # The Frameworks tab: coverage of ISO/IEC 42001 and the NIST AI RMF from the same obligations
    page.get_by_role("link", name="Frameworks").click()
    page.wait_for_selector("h1:has-text('Frameworks: card-fraud-detector')")
    iso = page.locator("section#iso42001")
    assert "ISO/IEC 42001:2023 Annex A" in iso.locator("h2").text_content()
    assert iso.locator("tr[data-item]").count() == 38
    assert page.locator("section#nist-ai-rmf tr[data-item]").count() == 72
    # a minimal model's obligations reach A.4.6 (AI literacy: met with evidence) and A.5.3
    literacy = iso.locator('tr[data-item="A.4.6"]')
    assert "Art. 4" in literacy.text_content() and "Covered" in literacy.text_content()
    assert literacy.get_by_role("link", name="ai-literacy-training.pdf").count() == 1
    assert "Open" in iso.locator('tr[data-item="A.5.3"]').text_content()  # Art. 95: no evidence
    assert "1 covered" in iso.locator(".badges").text_content()
    nist = page.locator("section#nist-ai-rmf")
    for item in ("GOVERN 2.2", "MAP 3.4"):  # the same evidence counts under the AI RMF too
        assert "Covered" in nist.locator(f'tr[data-item="{item}"]').text_content()
    screenshot(page, "73-fraud-frameworks")
    page.set_viewport_size(PHONE)
    screenshot(page, "74-fraud-frameworks-phone")
    page.set_viewport_size(DESKTOP)

    # One click to the Statement of Applicability as PDF
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Statement of Applicability (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "card-fraud-detector-iso42001-soa.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # The portfolio's coverage table, from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Coverage").click()
    page.wait_for_selector("h1:has-text('Framework coverage')")
    row = page.locator('table[data-table="models"] tr[data-model="card-fraud-detector"]')
    assert row.count() == 1
    assert "1 / 2 (50 %)" in row.text_content()  # ISO 42001: A.4.6 of A.4.6, A.5.3
    assert "2 / 4 (50 %)" in row.text_content()  # AI RMF: GOVERN 2.2, MAP 3.4 of four
    literacy = page.locator('table[data-table="iso42001"] tr[data-item="A.4.6"]')
    assert int(literacy.locator("[data-covering]").get_attribute("data-covering")) >= 1
    shown = page.locator('table[data-table="models"] tbody tr').count()
    assert shown == ModelService.objects.count()  # a compliance officer sees the portfolio
    assert page.locator('table[data-table="iso42001"] tr[data-item]').count() == 38
    screenshot(page, "75-framework-coverage")
    page.set_viewport_size(PHONE)
    screenshot(page, "76-framework-coverage-phone")
