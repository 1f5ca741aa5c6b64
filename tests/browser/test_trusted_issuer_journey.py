"""Browser journey: an administrator trusts a GitHub-shaped OIDC issuer (the local test issuer)
and adds a rule for one repository and environment on the admin page; a mistake (no
identifying claim) is named next to the field; then an ID token of that repository passes the
gate with no stored Attest token, and one of another repository is refused (screenshots)."""

import pytest
import requests

from accounts import workload_identity
from accounts.models import IssuerRule, TrustedIssuer
from approvals import services
from audit.models import AuditEvent
from tests.accounts.oidc_issuer import LocalIssuer
from tests.approvals.approval_helpers import assessed_model
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issuer(settings):
    settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS = True
    workload_identity.forget_keys()
    local = LocalIssuer()
    yield local
    local.close()
    workload_identity.forget_keys()


def test_admin_trusts_an_issuer_and_its_token_passes_the_gate(
    live_server, page, screenshot, issuer, personas
):
    personas.admin.is_staff = True  # the Django admin's own gate
    personas.admin.set_password("attest-demo")
    personas.admin.save(update_fields=["password", "is_staff"])
    model = assessed_model(personas, "minimal", name="journey-credit-model")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="journey",
    )
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")

    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/accounts/trustedissuer/add/")
    page.locator("#id_name").fill("GitHub Actions (lab)")
    page.locator("#id_preset").select_option("github")
    page.locator("#id_issuer").fill(issuer.url)
    page.locator("#id_audience").fill("attest")
    page.locator("#id_rules-0-claims_text").fill("environment=production")
    page.locator("#id_rules-0-service_account").select_option(str(personas.ci_bot.pk))
    page.locator("#id_rules-0-scopes_1").check()  # gate:read: Ask the deploy gate
    page.get_by_role("button", name="Save", exact=True).click()
    # No repository claim: every GitHub user shares the issuer, so the page refuses the rule.
    page.wait_for_selector(".errornote")
    assert "name one of repository" in page.text_content(".errorlist")
    assert not TrustedIssuer.objects.exists()
    screenshot(page, "trusted-issuer-rule-refused")

    page.locator("#id_rules-0-claims_text").fill(
        "repository=acme/credit-models\nenvironment=production"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=was added successfully")
    screenshot(page, "trusted-issuer-list")
    rule = IssuerRule.objects.get()
    assert rule.claims == {"repository": "acme/credit-models", "environment": "production"}
    assert rule.scopes == ["gate:read"] and rule.service_account == personas.ci_bot
    assert AuditEvent.objects.filter(action="accounts.issuer_rule_saved").count() == 1

    page.get_by_role("link", name="GitHub Actions (lab)", exact=True).click()
    page.wait_for_selector("text=Required claims")
    screenshot(page, "trusted-issuer-detail")

    query = {"model": model.name, "version": "1", "environment": "production"}

    def gate(token):
        return requests.get(
            f"{live_server.url}/api/v1/gate/",
            params=query,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    allowed = gate(issuer.github())
    assert allowed.status_code == 200, allowed.text
    assert gate(issuer.github(repository="acme/other")).status_code == 403
