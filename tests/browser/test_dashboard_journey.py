"""Browser: the dashboard on the demo portfolio (compliance officer's view)."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_shows_the_portfolio_at_a_glance(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "carla")  # sign-in lands on the dashboard
    assert page.url == f"{live_server.url}/dashboard/"
    main = page.text_content("main")
    assert "28 models" in main and "Models by EU AI Act risk tier" in main
    assert "Not assessed: 16" in main  # every model is counted in one tier
    assert "waiting for your review" in main and "Recent activity" in main
    assert page.locator(".chart svg").count() == 1
    # The demo's monitoring data: churn-predictor's AUC fell below its minimum; one incident.
    assert "Below minimum · churn-predictor · production" in " ".join(main.split())
    assert "1 open incident" in main
    screenshot(page, "65-dashboard")
