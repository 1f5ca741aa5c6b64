"""Steps shared by the browser journeys."""

from __future__ import annotations

HOME = "h1:has-text('Dashboard')"  # where sign-in lands
DEMO_PASSWORD = "attest-demo"  # noqa: S105 - the demo users' published password
CATALOG = "h1:has-text('Model catalog')"


def sign_in(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    """Password sign-in; waits for the home page (the dashboard)."""
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(HOME)


def open_catalog(page) -> None:
    """The catalog through the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.wait_for_selector(CATALOG)
