"""Browser check of the German pages (issue 21): the catalog's model page and the monitoring
page of a model in production, rendered in German for a browser whose language is German, at
desktop and at phone width, checked with axe-core and screenshotted. German words are longer:
no page may scroll sideways on a phone, and the monitoring page's buttons and badges must keep
their text on one line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.browser.test_monitoring_journey import PHONE, running_model  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1360, "height": 900}

# Elements whose text wraps onto a second line although it is one short label.
SHORT_LABELS = "main .btn, main .badge, main .tag, main th"
WRAPPED = """[...document.querySelectorAll('SHORT_LABELS')]
  .filter(e => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 48)
  .map(e => e.tagName + '.' + e.className + ': ' + e.innerText)""".replace(
    "SHORT_LABELS", SHORT_LABELS
)


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    call_command("compilemessages", locale=["de"], ignore_patterns=[".venv", "node_modules"])


@pytest.fixture
def german_page(browser, live_server):
    """A browser tab whose language is German, signed in as alice (the demo's model owner)
    with a session made by Django's test client."""
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})

    def sign_in(username: str):
        client = Client()
        client.force_login(User.objects.get(username=username))
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}]
        )  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield sign_in
    context.close()


def _at(page, size: dict, url: str):
    page.set_viewport_size(size)
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{url} scrolls sideways at {size['width']}px ({width}px)"


def test_german_catalog_and_monitoring_pages_fit_desktop_and_phone(
    live_server,
    german_page,
    screenshot,
    running_model,  # noqa: F811
):
    page = german_page("alice")
    model_url = f"{live_server.url}/models/{running_model.pk}/"
    monitoring_url = f"{model_url}monitoring/"

    _at(page, DESKTOP, model_url)
    card = page.locator(".monitoring-card")
    assert "in Betrieb: 200 Tage" in card.inner_text()
    assert page.get_by_role("link", name="Monitoring öffnen").is_visible()
    assert "Zweck und Verwendung" in page.locator("main").inner_text()
    screenshot(page, "90-german-model-page")
    _at(page, PHONE, model_url)
    screenshot(page, "91-german-model-page-phone")

    _at(page, DESKTOP, monitoring_url)
    main = page.locator("main").inner_text()
    assert "Monitoring: loan-pricing-engine" in main
    assert "Unter dem Minimum" in main and "Seit der Freigabe gesunken" in main
    assert "von höchstens 730 Tagen" in main
    assert page.evaluate(WRAPPED) == []
    screenshot(page, "92-german-monitoring")
    _at(page, PHONE, monitoring_url)
    # the page's actions keep their labels on one line at phone width too
    assert page.evaluate(WRAPPED.replace(SHORT_LABELS, "main .page-header .btn")) == []
    screenshot(page, "93-german-monitoring-phone")
