"""Browser journey: a compliance officer reads the rule-set change report on the demo as it was
assessed before Regulation (EU) 2026/1744, sees the dates side by side on a model, and moves
the Annex III models to the current rule set in bulk."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from risk.models import RiskAssessment
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
V1, V2 = "2024-1689.v1", "2024-1689+2026-1744.v2"


def test_compliance_moves_the_demo_to_the_current_rule_set(live_server, page, screenshot, settings):
    settings.ATTEST_RULESET = V1
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    settings.ATTEST_RULESET = V2
    sign_in(page, live_server, "carla")
    model = ModelService.objects.get(name="credit-scoring-retail")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
    flag = page.locator("#earlier-ruleset")
    assert "Assessed under an earlier rule set" in flag.text_content()
    row = flag.locator('tr[data-code="art9_risk_management"]')
    assert "2026-08-02" in row.text_content() and "2027-12-02" in row.text_content()
    screenshot(page, "36-risk-earlier-ruleset")

    flag.get_by_role("link", name="Open the rule-set change report").click()
    page.wait_for_selector("h1:has-text('Moving to the current rule set')")
    changes = page.locator("#changes")
    assert changes.locator('tr[data-model="credit-scoring-retail"]').count() == 1
    assert changes.locator('tr[data-model="support-chatbot"]').count() == 0
    screenshot(page, "37-ruleset-change-report")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "37-ruleset-change-report-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the report is {width}px wide at phone width"
    page.set_viewport_size({"width": 1360, "height": 900})

    page.get_by_role("button", name="Re-assess the selected models").click()
    page.wait_for_selector("text=Confirm that the systems were checked")
    page.get_by_label("I checked the selected systems against these questions").check()
    page.get_by_role("button", name="Re-assess the selected models").click()
    page.wait_for_selector("text=models re-assessed under rule set")
    screenshot(page, "38-ruleset-change-done")
    moved = RiskAssessment.objects.filter(
        status=RiskAssessment.Status.SUBMITTED, ruleset_version=V2, model_service=model
    )
    assert moved.exists()
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")
    assert page.locator("#earlier-ruleset").count() == 0
