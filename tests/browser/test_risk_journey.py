"""Browser journeys: a model owner completes the EU AI Act questionnaire and a compliance officer
confirms it (second line of defence), then marks an obligation met with evidence; an owner's
proposal to lower a tier is reviewed answer by answer."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from risk.models import Obligation
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_assesses_and_compliance_certifies(live_server, page, screenshot, tmp_path):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="credit-limit-optimizer")  # not assessed in the demo
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.get_by_role("link", name="Assess risk").click()
    page.get_by_role("link", name="Start assessment").first.click()
    page.wait_for_selector("h1:has-text('EU AI Act questionnaire')")
    profiling = page.locator('[data-question="profiles_persons"]')
    assert profiling.is_hidden()  # only relevant once an Annex III use is chosen
    page.get_by_label("Provider").check()
    page.locator("#id_annex_iii_use").select_option("5b_credit_scoring")
    assert profiling.is_visible()
    profiling.get_by_label("Yes").check()
    assert page.locator('[data-question="derogation_conditions"]').is_hidden()  # profiling
    page.locator('[data-question="gpai"]').get_by_label("No").check()
    page.get_by_label("Customers, employees or the public").check()
    page.get_by_label("A person reviews every decision").check()
    page.get_by_label("Personal data", exact=True).check()
    screenshot(page, "30-questionnaire")
    page.get_by_role("button", name="Submit assessment").click()
    page.wait_for_selector("text=It takes effect when a compliance officer confirms it")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
    page.get_by_role("link", name="Review the proposal").click()
    page.get_by_role("button", name="Confirm and put in force").click()
    page.wait_for_selector("text=confirmed: it is now in force")
    main = page.text_content("main")
    assert "Decided by Art. 6(3), last subparagraph" in main
    assert "Annex III, point 5(b)" in main and "Risk management system" in main
    screenshot(page, "31-risk-result")
    item = Obligation.objects.get(model_service=model, code="art14_human_oversight")
    row = page.locator(".obligation", has_text="Human oversight measures")
    row.get_by_text("Update").click()
    evidence = tmp_path / "oversight-procedure.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% human oversight procedure v3\n")
    row.get_by_label("Evidence file").set_input_files(str(evidence))
    row.get_by_role("button", name="Add evidence").click()
    page.wait_for_selector("text=Evidence added to Human oversight measures")
    row = page.locator(".obligation", has_text="Human oversight measures")
    row.get_by_text("Update").click()
    row.get_by_label("Status").select_option("met")
    row.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Updated: Human oversight measures")
    item.refresh_from_db()
    assert item.status == "met" and item.evidence.count() == 1
    assert "oversight-procedure.pdf" in page.text_content("main")
    screenshot(page, "32-obligations-met")


def test_owner_proposes_a_lower_tier_and_compliance_reviews_it(live_server, page, screenshot):
    """Second-line review: the owner's re-assessment of a high-risk model waits for a
    compliance officer, who sees every answer beside the revision in force and confirms."""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="credit-scoring-retail")  # high in the demo
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/assess/")
    page.wait_for_selector("h1:has-text('EU AI Act questionnaire')")
    page.locator("#id_annex_iii_use").select_option("__none__")
    page.get_by_role("button", name="Submit assessment").click()
    page.wait_for_selector("text=It takes effect when a compliance officer confirms it")
    assert "Awaiting confirmation." in page.text_content("main")
    model.refresh_from_db()
    assert model.risk_tier == "high"
    screenshot(page, "33-risk-proposed")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
    page.get_by_role("link", name="Review the proposal").click()
    page.wait_for_selector("h2:has-text('Answers side by side')")
    changed = page.locator("tr.row--changed")
    assert changed.count() >= 1
    assert "Annex III" in changed.first.text_content() or changed.count() > 1
    screenshot(page, "34-risk-review")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "35-risk-review-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.get_by_label("Note (optional)").fill("Checked with the credit team: no Annex III use.")
    page.get_by_role("button", name="Confirm and put in force").click()
    page.wait_for_selector("text=confirmed: it is now in force")
    model.refresh_from_db()
    assert model.risk_tier != "high"


def test_compliance_reads_the_frameworks_view_of_a_high_risk_model(live_server, page, screenshot):
    """ISO/IEC 42001 Annex A and NIST AI RMF coverage from the same obligations and evidence."""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="credit-scoring-retail")
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
    page.get_by_role("link", name="Frameworks").click()
    page.wait_for_selector("h1")
    main = page.text_content("main")
    assert "A.6.2" in main or "A.5.2" in main  # ISO/IEC 42001 Annex A identifiers
    assert "GOVERN 1.1" in main or "MAP 1.1" in main  # NIST AI RMF subcategories
    screenshot(page, "36-frameworks")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "37-frameworks-phone")
