"""Browser: the charts of issue 20, point 9, on the demo portfolio, at desktop and phone width
(390 px), in English and German, each page checked with axe-core and screenshotted.

The dashboard's bars and tiles are links a keyboard reaches, each leading to the list of what it
counts; the model card's metrics are one small chart per metric on its own axis; the model page
compares each metric across the last versions."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelService
from tests.browser.conftest import SCREENSHOTS
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}


def _fits(page, size: dict) -> None:
    page.set_viewport_size(size)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{page.url} scrolls sideways at {size['width']}px ({width}px)"


def _both_widths(page, screenshot, name: str) -> None:
    _fits(page, DESKTOP)
    screenshot(page, name)
    _fits(page, PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_dashboard_bars_and_tiles_are_keyboard_links_to_their_lists(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "carla")
    _both_widths(page, screenshot, "95-dashboard-links")
    # The keyboard reaches the "High" bar of the tier chart; Enter opens the filtered catalog.
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.querySelector('title')?.textContent || ''")
        if name.startswith("High:"):
            break
    else:
        pytest.fail("no keyboard stop on the High bar")
    assert name == "High: 4 models"
    # ...and that is its accessible name (Chromium's accessibility tree, as a screen reader).
    assert page.get_by_role("link", name="High: 4 models").count() == 1
    page.locator(".chart").screenshot(path=str(SCREENSHOTS / "95-dashboard-bar-focused.png"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/models/?risk_tier=high")
    assert page.locator("table tbody tr").count() == 4
    page.go_back()
    # The tile's "pending in all" leads to the pending requests, as many as it says.
    link = page.get_by_role("link", name="2 pending in all")
    link.click()
    page.wait_for_url("**/requests/pending/")
    assert page.locator(".request-card").count() == 2
    _both_widths(page, screenshot, "96-pending-requests")
    page.go_back()
    # The overdue tile: the alert list filtered on both kinds it adds up.
    page.get_by_role("link", name="0 overdue reviews and incident reports").click()
    page.wait_for_url("**/alerts/?kind=review_overdue&kind=incident_overdue")
    kinds = page.locator("[data-kinds-chosen]").inner_text()
    assert "Recertification overdue" in kinds and "Incident report overdue" in kinds
    _both_widths(page, screenshot, "96-alerts-two-kinds")
    page.go_back()
    page.get_by_role("link", name="1 open incident").click()
    page.wait_for_url("**/incidents/")
    assert page.locator(".incident-cards > li").count() == 1
    _both_widths(page, screenshot, "97-open-incidents")


@pytest.mark.parametrize("language", ["en", "de"])
def test_model_card_and_model_page_chart_each_metric_on_its_own_axis(
    live_server, page, screenshot, language
):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    sign_in(page, live_server, "alice")
    if language == "de":  # a German browser, after signing in with the English labels
        call_command("compilemessages", locale=["de"], ignore_patterns=[".venv", "node_modules"])
        page.context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    model = ModelService.objects.get(name="credit-limit-optimizer")  # RMSE ~412, MAPE ~0.11
    latest = model.versions.order_by("-version_number").first()
    page.goto(f"{live_server.url}/models/{model.pk}/")
    section = page.locator("#metric-history")
    assert section.locator("svg.history-panel__svg").count() == 2  # mape and rmse, apart
    boxes = [
        page.locator(f"#metric-history figure:nth-of-type({i}) circle").evaluate_all(
            "cs => cs.map(c => c.getBoundingClientRect().top)"
        )
        for i in (1, 2)
    ]
    for tops in boxes:  # each metric's change between versions is visible on its own axis
        assert max(tops) - min(tops) > 20, tops
    decimal = "," if language == "de" else "."
    assert decimal in section.locator("svg text").first.text_content()
    section.locator("summary").click()  # the table fallback
    assert section.locator("tbody tr").count() == min(10, model.versions.count())
    suffix = "" if language == "en" else "-de"
    _both_widths(page, screenshot, f"98-model-page-metric-history{suffix}")

    page.goto(f"{live_server.url}/models/{model.pk}/versions/{latest.version}/card/")
    panels = page.locator("svg.mc-panel")
    assert panels.count() == 2
    widths = panels.locator("rect").evaluate_all("rs => rs.map(r => r.getBBox().width)")
    assert min(widths) > 20, widths  # MAPE 0.11 is a bar, not a hairline beside 412
    _both_widths(page, screenshot, f"99-model-card-panels{suffix}")
