"""One click does not approve a high-risk deployment or revoke a token (issue 20, point 1):
the browser asks first, and cancelling sends nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import ApiToken
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancelling_the_revoke_question_keeps_the_token(live_server, page):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    from accounts import services
    from accounts.models import User

    services.api_token_create(
        actor=None,
        user=User.objects.get(username="admin"),
        name="nightly-evaluation",
        scopes=["catalog:read"],
        expires_in_days=30,
    )
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/accounts/tokens/")
    live = ApiToken.objects.filter(revoked_at__isnull=True).count()
    page.remove_listener("dialog", page.accept_dialogs)
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("form.token-revoke button").first.click()
    page.wait_for_timeout(500)
    assert asked and "cannot be undone" in asked[0]
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == live
