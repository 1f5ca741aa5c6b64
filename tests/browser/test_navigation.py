"""Browser: the main navigation of an administrator (the persona with the most links) fits one
row at desktop width, keeps its administrators' pages in a Settings menu that closes on Escape
and on a click elsewhere, and fits a 390 px phone without sideways scrolling."""

import pytest

from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_an_administrators_navigation_fits_one_row_and_settings_is_a_menu(
    live_server, page, personas, screenshot
):
    personas.admin.is_staff = True
    personas.admin.set_password("attest-demo")
    personas.admin.save(update_fields=["password", "is_staff"])
    sign_in(page, live_server, "admin")
    nav = page.get_by_role("navigation", name="Main")
    first_link = nav.get_by_role("link", name="Dashboard").bounding_box()
    # One row: the navigation is no taller than one of its links (plus its own padding).
    assert nav.bounding_box()["height"] < first_link["height"] * 1.5
    for hidden in ("Registries", "Webhooks", "Chat notifications", "Admin"):
        assert not nav.get_by_role("link", name=hidden, exact=True).is_visible()
    assert nav.get_by_role("link", name="Usage").is_visible()

    menu = nav.locator("summary", has_text="Settings")
    menu.click()
    for shown in ("Registries", "Webhooks", "Chat notifications", "Admin"):
        assert nav.get_by_role("link", name=shown, exact=True).is_visible()
    screenshot(page, "90-settings-menu")
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="Registries").is_visible()
    menu.click()
    page.locator("h1").click()  # a click elsewhere closes it too
    assert not nav.get_by_role("link", name="Registries").is_visible()

    menu.click()
    nav.get_by_role("link", name="Chat notifications").click()
    page.wait_for_selector("h1:has-text('Chat notifications')")
    assert page.locator("summary[aria-current='page']", has_text="Settings").count() == 1

    account = page.locator("summary.usermenu__name")
    account.click()  # the account menu holds the person's own pages
    assert page.get_by_role("link", name="My notifications").is_visible()
    assert page.get_by_role("link", name="API tokens").is_visible()
    page.keyboard.press("Escape")

    page.set_viewport_size(PHONE)
    page.reload()
    nav.locator("summary", has_text="Settings").click()
    screenshot(page, "90-settings-menu-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at a 390 px viewport"


def test_people_without_administration_see_no_settings_menu(live_server, page, personas):
    personas.owner.set_password("attest-demo")
    personas.owner.save(update_fields=["password"])
    sign_in(page, live_server, "owner")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("summary", has_text="Settings").count() == 0
    assert nav.get_by_role("link", name="Usage").is_visible()


def test_the_navigation_fits_one_row_in_german_too(live_server, page, personas, screenshot):
    personas.admin.set_password("attest-demo")
    personas.admin.save(update_fields=["password"])
    sign_in(page, live_server, "admin")
    page.get_by_role("button", name="DE").click()
    page.wait_for_selector("html[lang='de']")
    nav = page.locator("nav.mainnav")  # its accessible name is German now
    screenshot(page, "90-navigation-german")
    assert (
        nav.bounding_box()["height"] < nav.get_by_role("link").first.bounding_box()["height"] * 1.5
    )
