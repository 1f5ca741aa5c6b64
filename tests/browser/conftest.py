"""Playwright driving Debian's Chromium (Playwright's own browser download is not possible here)."""

import functools
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# axe-core from npm (package.json; `make install-test` runs `npm ci`), injected into the page.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA plus axe's best practices; a journey fails on these impacts.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_FAILS_ON = {"critical", "serious"}


@pytest.fixture(autouse=True)
def _sign_in_limits_for_journeys(settings):
    """The journeys sign in as the same demo personas from 127.0.0.1 dozens of times within
    the limits' five-minute window (``ATTEST_RATE_SIGN_IN`` 10 per account and address,
    ``_PER_ADDRESS`` 50), so a full run would lock them out part-way. The limits themselves
    are tested in tests/accounts; here they are raised (the live server reads these settings
    on every attempt)."""
    settings.ATTEST_RATE_SIGN_IN = "10000/300"
    settings.ATTEST_RATE_SIGN_IN_PER_ADDRESS = "10000/300"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)  # pages here answer in milliseconds; fail fast
    # Confirmation dialogs (data-confirm: approving a high-risk deployment, revoking a token)
    # are accepted, and kept so a journey can check what was asked.
    page.dialogs = []

    def accept(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.accept_dialogs = accept  # page.remove_listener("dialog", page.accept_dialogs) to answer no
    yield page
    context.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the critical and serious violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install-test` (npm ci installs axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's own CSP (script-src 'self') stays
        # on, as in production, and does not apply to the test's tooling.
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in AXE_FAILS_ON]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'][:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """``axe(page)`` fails the test on any critical or serious accessibility violation."""

    def check(page, where: str = "") -> None:
        found = axe_violations(page)
        assert not found, f"axe-core on {where or page.url}:\n{describe(found)}"

    return check


@pytest.fixture
def screenshot(axe):
    """``screenshot(page, name)`` saves a full-page PNG, and checks the page with axe-core
    first: every page a journey looks at is checked for accessibility."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        axe(page, f"{name} ({page.url})")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
