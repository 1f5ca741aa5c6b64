"""Browser journey in German: a reviewer switches the portal to German in the header and
approves a deployment request; an auditor whose browser asks for German reads the audit log
and opens the event. Every page is checked with axe-core and screenshotted."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from catalog.models import ModelService
from risk.models import Obligation
from tests.browser.journeys import DEMO_PASSWORD
from tests.i18n.catalogue import ensure_compiled
from tests.i18n.english import english_words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    ensure_compiled()
    call_command("seed_demo", "--allow-production", stdout=StringIO())


def _chrome_is_german(page) -> None:
    """The navigation, headings, buttons and labels (the page's own words, not the demo's
    data) carry no English."""
    parts = page.eval_on_selector_all(
        "header nav, header .usermenu, h1, h2, h3, button, label, th, .flash, footer",
        "els => els.map(e => e.innerText)",
    )
    people = User.objects.all()
    data = {u.username for u in people} | {u.get_full_name() for u in people}
    data |= set(Obligation.objects.values_list("title", flat=True))  # rule-set text
    data |= set(ModelService.objects.values_list("name", flat=True))
    text = " · ".join(parts)
    found = english_words(text, data=list(data))
    assert not found, f"English on {page.url}: {found}\n{text[:3000]}"


def test_reviewer_approves_in_german_and_auditor_reads_the_log(
    live_server, browser, page, screenshot, demo
):
    # Rita signs in (English, as her browser asks for nothing) and switches to German.
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    page.wait_for_selector("h1:has-text('Reviews')")
    inbox_url = page.url
    page.get_by_role("button", name="DE Deutsch").click()
    page.wait_for_selector("h1:has-text('Prüfungen')")
    assert page.url == inbox_url  # the same page, now in German
    assert page.get_attribute("html", "lang") == "de"
    assert User.objects.get(username="rita").language == "de"
    _chrome_is_german(page)
    screenshot(page, "i18n-10-inbox-de")

    # The request waiting for her: reviewed and approved in German.
    row = page.locator("tbody tr", has_text="demand-forecasting")
    row.get_by_role("link", name="Prüfen").click()
    page.wait_for_selector("h2:has-text('Ihre Entscheidung')")
    main = page.text_content("main")
    assert "Wartet auf Prüfung" in main and "Voraussetzung für die Freigabe" in main
    _chrome_is_german(page)
    screenshot(page, "i18n-20-request-de")
    page.get_by_label("Kommentar").fill("Validierung geprüft, Abweichungen im Rahmen.")
    page.get_by_role("button", name="Freigeben").click()
    page.wait_for_selector(".flash--success")
    flash = page.text_content(".messages")
    assert "Freigegeben: v" in flash or "Ihre Zustimmung ist erfasst" in flash, flash
    assert "Sie haben diesen Antrag am" in page.text_content("#decide")
    _chrome_is_german(page)
    screenshot(page, "i18n-30-approved-de")

    # Signed out, the sign-in page stays German (the choice is kept in the cookie).
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_selector("h1:has-text('Bei Attest anmelden')")
    screenshot(page, "i18n-40-signed-out-de")

    # Aude, the auditor, on a browser set to German: the log and the approval's event.
    context = browser.new_context(locale="de-DE", viewport={"width": 1360, "height": 900})
    auditor = context.new_page()
    auditor.set_default_timeout(10_000)
    auditor.goto(f"{live_server.url}/accounts/sign-in/")
    auditor.get_by_label("Benutzername").fill("aude")
    auditor.get_by_label("Passwort").fill(DEMO_PASSWORD)
    auditor.get_by_role("button", name="Anmelden", exact=True).click()
    auditor.wait_for_selector("h1:has-text('Übersicht')")
    nav = auditor.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Audit-Protokoll").click()
    auditor.wait_for_selector("h1:has-text('Audit-Protokoll')")
    auditor.get_by_label("Aktion").select_option(label="Bereitstellungsantrag freigegeben")
    auditor.get_by_role("button", name="Anwenden").click()
    auditor.wait_for_selector("td:has-text('Bereitstellungsantrag freigegeben')")
    rows = auditor.locator("tbody tr")
    assert "Rita" in rows.first.inner_text() or "rita" in rows.first.inner_text()
    _chrome_is_german(auditor)
    screenshot(auditor, "i18n-50-audit-log-de")
    rows.first.locator("td.num a").click()
    auditor.wait_for_selector("h2:has-text('Datensatz')")
    assert "Vorheriger Hash" in auditor.text_content("main")
    _chrome_is_german(auditor)
    screenshot(auditor, "i18n-60-audit-event-de")
    context.close()
