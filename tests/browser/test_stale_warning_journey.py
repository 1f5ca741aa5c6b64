"""Browser journey: a model owner edits the card of a model approved for production; the page
says which approval the edit will make stale before saving, and links it after."""

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import DeploymentRequest
from catalog.models import ModelService
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_is_told_which_approvals_an_edit_stales(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="churn-predictor")  # approved for production
    assert DeploymentRequest.objects.filter(model_service=model, state="approved").exists()
    sign_in(page, live_server, "dora")
    page.goto(f"{live_server.url}/models/{model.pk}/edit/")
    page.get_by_label("Limitations").fill("Weaker on customers who joined this year.")
    page.get_by_role("button", name="Save changes").click()
    warning = page.locator("#consequences")
    warning.wait_for()
    assert "Saving this makes approvals stale." in warning.text_content()
    assert "→ production" in warning.text_content()
    screenshot(page, "80-edit-stale-warning")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "80-edit-stale-warning-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.get_by_role("button", name="Save and send for re-review").click()
    page.wait_for_selector("text=These approvals are now stale and need a re-review")
    page.locator(".messages").get_by_role("link", name="→ production").first.click()
    page.wait_for_selector("text=Stale")
    screenshot(page, "81-stale-approval")
