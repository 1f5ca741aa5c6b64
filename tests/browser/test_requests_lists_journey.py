"""Browser journey: the reviewer's inbox at phone width is a list of cards (no sideways
scrolling, what cannot be approved yet marked), and a requester's "My requests"."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inbox_on_a_phone_and_my_requests(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "rita")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reviews/")
    page.wait_for_selector("h1:has-text('Reviews')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".inbox-table tbody tr").count() >= 1
    screenshot(page, "82-inbox-phone")
    page.get_by_role("button", name="Sign out").click()

    page.set_viewport_size({"width": 1360, "height": 900})
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_role("link", name="My requests").click()
    page.wait_for_selector("h1:has-text('My requests')")
    cards = page.locator(".request-card")
    assert cards.count() >= 2  # the demo's credit-scoring requests
    assert "Cannot be approved yet:" in page.text_content("main")  # production: open duties
    screenshot(page, "83-my-requests")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "83-my-requests-phone")
