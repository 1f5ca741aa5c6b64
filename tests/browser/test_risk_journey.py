"""Browser journey: a model owner completes the EU AI Act questionnaire; a compliance officer
marks an obligation met with evidence."""

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
    page.wait_for_selector("text=Assessment revision 1 submitted")
    main = page.text_content("main")
    assert "Decided by Art. 6(3), last subparagraph" in main
    assert "Annex III, point 5(b)" in main and "Risk management system" in main
    screenshot(page, "31-risk-result")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "carla")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
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
