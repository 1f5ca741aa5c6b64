"""Browser journey (issue 20, points 4 and 10): a refused decision at the foot of a long
request page is announced at the top, focused and in view, at desktop and phone width; the
request form's "Not approvable yet" follows the environment chosen in the page."""

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import DeploymentRequest
from catalog.models import ModelService
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}

IN_VIEW = """() => {
  const box = document.querySelector('[data-error-summary]').getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.mark.parametrize(
    "size,name", [(DESKTOP, "86-decision-error"), (PHONE, "86-decision-error-phone")]
)
def test_reject_without_comment_shows_the_error_in_view(live_server, page, screenshot, size, name):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    row = DeploymentRequest.objects.get(
        model_service__name="credit-scoring-retail",
        environment="production",
        state=DeploymentRequest.State.SUBMITTED,
    )
    page.set_viewport_size(size)
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/requests/{row.pk}/")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate(IN_VIEW), "the error summary is not in the viewport after submit"
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "A rejection needs a comment saying why." in page.text_content("[data-error-summary]")
    screenshot(page, name)
    # The link takes the reader to the comment field.
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_comment"


def test_request_form_warning_follows_the_environment(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="credit-scoring-retail")
    sign_in(page, live_server, "alice")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/models/{model.pk}/deployments/request/?environment=staging")
    warning = page.locator("[data-env-warning='production']")
    assert warning.is_hidden()
    page.get_by_label("Environment").select_option("production")
    assert warning.is_visible()
    assert "Not approvable yet in production:" in warning.text_content()
    screenshot(page, "87-request-form-production")
    page.get_by_label("Environment").select_option("staging")
    assert warning.is_hidden()
    page.set_viewport_size(PHONE)
    page.get_by_label("Environment").select_option("production")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "87-request-form-production-phone")
