"""Browser: the dashboard on the demo portfolio (compliance officer's view)."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.test_reports_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_shows_the_portfolio_at_a_glance(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "carla")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_selector("h1:has-text('Dashboard')")
    main = page.text_content("main")
    assert "28 models" in main and "Models by EU AI Act risk tier" in main
    assert "Not assessed: 16" in main  # every model is counted in one tier
    assert "waiting for your review" in main and "Recent activity" in main
    assert page.locator(".chart svg").count() == 1
    screenshot(page, "65-dashboard")
