"""Browser journey: sign in, search the catalog, open a model, edit it, see the timeline."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from tests.browser.journeys import HOME, open_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    call_command("seed_demo", "--allow-production", stdout=StringIO())


def test_sign_in_search_open_and_edit_a_model(live_server, page, screenshot, demo):
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    screenshot(page, "01-sign-in")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_selector(HOME)  # sign-in lands on the dashboard
    open_catalog(page)
    # alice owns the Credit Risk team's five models and sees nothing else.
    assert "5 models visible to you" in page.text_content("main")
    # The stylesheet is served and applied (not a bare HTML page).
    bar = page.eval_on_selector(".topbar", "e => getComputedStyle(e).backgroundColor")
    assert bar == "rgb(15, 27, 61)"
    screenshot(page, "02-catalog")

    page.get_by_label("Search").fill("default")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("text=match your filters")
    rows = page.locator("table.table tbody tr")
    assert rows.count() >= 2
    assert all("default" in rows.nth(i).inner_text().lower() for i in range(rows.count()))
    screenshot(page, "03-catalog-search")

    page.goto(f"{live_server.url}/models/")
    page.get_by_role("link", name="credit-scoring-retail").click()
    page.wait_for_selector("h1:has-text('credit-scoring-retail')")
    assert page.locator("text=Versions").count() >= 1
    screenshot(page, "04-model-detail")

    page.get_by_role("link", name="Edit metadata").click()
    page.get_by_label("Limitations").fill("Not validated for applicants under 21.")
    page.get_by_role("button", name="Save changes").click()
    # The demo's staging approval binds the model card: the form says so and asks first.
    page.wait_for_selector("text=Saving this makes approvals stale.")
    page.get_by_role("button", name="Save and send for re-review").click()
    page.wait_for_selector("text=Saved. Changed: limitations.")
    timeline = page.locator(".timeline").inner_text()
    assert "Model details updated" in timeline  # the label; the code is its title
    assert "Not validated for applicants under 21." in timeline
    screenshot(page, "05-model-edited")
    assert AuditEvent.objects.filter(action="catalog.model_updated").count() == 1


def test_auditor_reads_the_audit_log(live_server, page, screenshot, demo):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("aude")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_selector("h1:has-text('Audit log')")
    assert page.locator("table tbody tr").count() > 0
    screenshot(page, "06-audit-log")
    page.locator("table tbody tr td a").first.click()
    page.wait_for_selector("text=Previous hash")
    screenshot(page, "08-audit-event")


def test_not_found_page_is_styled(live_server, page, screenshot, demo):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("victor")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in").click()
    response = page.goto(f"{live_server.url}/models/00000000-0000-0000-0000-000000000000/")
    assert response.status == 404
    assert "Nothing here" in page.text_content("main")
    screenshot(page, "07-not-found")
