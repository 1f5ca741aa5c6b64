"""Browser journey: an administrator issues a CI token for a service account, copies it from the
shown-once page, finds it in the list (without its secret) and revokes it."""

from io import StringIO

import pytest
import requests
from django.core.management import call_command

from accounts import services
from accounts.models import ApiToken
from audit.models import AuditEvent
from tests.browser.journeys import HOME
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    bot = UserFactory(
        username="ci-credit-risk",
        first_name="CI",
        last_name="Credit Risk",
        is_service_account=True,
        teams=[TeamFactory(slug="credit-risk")],
    )
    services.api_token_create(
        actor=None,
        user=bot,
        name="Nightly evaluation",
        scopes=["catalog:read", "evaluations:write"],
        expires_in_days=30,
    )
    return bot


def api_status(live_server, token: str) -> int:
    answer = requests.get(
        f"{live_server.url}/api/v1/models/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return answer.status_code


def test_admin_issues_copies_and_revokes_a_ci_token(live_server, page, screenshot, demo):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(HOME)

    page.locator("summary.usermenu__name").click()  # the account menu
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_selector("h1:has-text('API tokens')")
    assert "Nightly evaluation" in page.text_content("table")

    # A mistake first: no scope chosen. The page says so next to the field; nothing is created.
    page.get_by_label("For user").select_option(label="ci-credit-risk (service account)")
    page.get_by_label("Name").fill("GitHub Actions: credit-scoring")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_selector("text=Choose at least one scope.")
    assert ApiToken.objects.count() == 1
    screenshot(page, "40-token-1-form-errors")

    page.get_by_label("Read the catalog").check()
    page.get_by_label("Ask the deploy gate").check()
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_selector("h1:has-text('Token created')")
    assert "will not be shown again" in page.text_content("main")
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("attest_")
    screenshot(page, "40-token-2-created")

    row = ApiToken.objects.get(name="GitHub Actions: credit-scoring")
    assert row.user == demo
    assert token.split("_")[2] not in row.secret_hash
    assert api_status(live_server, token) == 200

    page.get_by_role("link", name="back to tokens").click()
    page.wait_for_selector("h1:has-text('API tokens')")
    table = page.text_content("table")
    assert "GitHub Actions: credit-scoring" in table
    assert f"attest_{row.key_id}_…" in table
    assert token.split("_")[2] not in page.content()
    screenshot(page, "40-token-3-list")

    page.get_by_role("button", name="Revoke GitHub Actions: credit-scoring").click()
    page.wait_for_selector("text=revoked. Requests that present it now get 401.")
    assert page.dialogs and "this cannot be undone" in page.dialogs[-1]  # asked first
    screenshot(page, "40-token-4-revoked")
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="accounts.token_revoked", target_id=str(row.pk)
    ).exists()
    assert api_status(live_server, token) == 401


def test_model_owner_manages_only_their_own_tokens(live_server, page, screenshot, demo):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(HOME)
    page.locator("summary.usermenu__name").click()  # the account menu
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_selector("h2:has-text('No tokens yet')")
    assert page.get_by_label("For user").count() == 0  # tokens are for yourself
    assert "Nightly evaluation" not in page.text_content("main")  # the bot's token
    assert "create_api_token" in page.text_content("main")
    screenshot(page, "40-token-5-owner-empty")
