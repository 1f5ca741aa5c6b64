"""Browser journeys for issue 20, points 4, 7 and 8: the dashboard's tiles open pages listing
what they count; the model page's "On this page" sections at phone width; a failing registry's
Test connection in one sentence; the document page of a finished Annex IV (completeness) and
portfolio report (scope). Each page at desktop and 390 px, checked by axe."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(settings):
    call_command("seed_demo", "--allow-production", stdout=StringIO())


def _both_widths(page, screenshot, name):
    page.set_viewport_size(DESKTOP)
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_dashboard_pending_tile_opens_the_requests_it_counts(live_server, page, screenshot, demo):
    sign_in(page, live_server, "carla")
    tile = page.locator("[data-tile='pending']")
    counted = int(tile.inner_text().split()[0])
    assert counted >= 1
    _both_widths(page, screenshot, "88-dashboard-tiles")
    tile.click()
    page.wait_for_selector("h1:has-text('Awaiting review')")
    assert page.locator(".request-card").count() == counted
    _both_widths(page, screenshot, "88-requests-pending")


def test_model_page_sections_to_jump_to(live_server, page, screenshot, demo):
    model = ModelService.objects.get(name="credit-scoring-retail")
    sign_in(page, live_server, "alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/models/{model.pk}/")
    nav = page.get_by_role("navigation", name="On this page")
    assert nav.is_visible()
    nav.get_by_role("link", name="Timeline").click()
    page.wait_for_function("location.hash === '#timeline'")
    box = page.locator("#timeline").bounding_box()
    assert 0 <= box["y"] < 844  # the section is in view after the jump
    for link in nav.get_by_role("link").all():  # 24 px touch targets (WCAG 2.2, 2.5.8)
        assert link.bounding_box()["height"] >= 24
    page.evaluate("window.scrollTo(0, 0)")
    _both_widths(page, screenshot, "89-model-sections")


def test_registry_test_connection_reads_one_sentence(live_server, page, screenshot, demo):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    call_command(
        "add_registry_source",
        "--kind=mlflow",
        "--slug=down",
        f"--url=http://127.0.0.1:{port}",
        "--secret=" + "s" * 20,
        stdout=StringIO(),
    )
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/registries/down/")
    page.get_by_role("button", name="Test connection").click()
    message = page.locator(".flash--error").first.inner_text()
    assert "refused the connection (nothing listens on that port)" in message
    assert "Max retries" not in message and "urllib3" not in message
    _both_widths(page, screenshot, "90-registry-error")


def test_document_pages_show_completeness_and_scope(live_server, page, screenshot, demo):
    model = ModelService.objects.get(name="credit-scoring-retail")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.locator(".annex-iv-card").get_by_role("button").click(no_wait_after=True)
    page.wait_for_selector("text=Download PDF", timeout=180_000)
    assert "required items present" in page.text_content("main")
    assert page.locator("[data-missing-items] li").count() >= 1
    _both_widths(page, screenshot, "91-annex-iv-document")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "carla")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("button", name="Generate portfolio report").click(no_wait_after=True)
    page.wait_for_selector("text=Download PDF", timeout=180_000)
    scope = page.locator("[data-report-scope]").inner_text()
    assert "all teams you may see" in scope and "Credit Risk" in scope
    _both_widths(page, screenshot, "91-portfolio-document")
