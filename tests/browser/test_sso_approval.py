"""P6: a compliance officer whose group is removed at the identity provider loses the right to
approve at the next sign-in: the approval is refused with 403, and both the role removal and
the refused attempt are in the audit trail. Real OIDC provider, real Chromium."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.roles import user_roles
from approvals import services
from approvals.models import ApprovalDecision
from audit.models import AuditEvent
from tests.approvals.approval_helpers import assessed_model
from tests.browser.test_sso import idp_sign_in, portal_session_key, start_sso
from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, start_identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    provider = start_identity_provider(
        tmp_path_factory.mktemp("idp-p6"),
        redirect_uri=f"{live_server.url}/accounts/oidc/sso/login/callback/",
        users=["sso-carla:idp-pass-3:carla@corp.example:attest-compliance,credit-risk-readers"],
    )
    yield provider
    provider.stop()


@pytest.fixture
def sso_settings(settings, idp):
    settings.ATTEST_OIDC_SERVER_URL = idp.issuer
    settings.ATTEST_OIDC_PROVIDER_NAME = "Test IdP"
    settings.ATTEST_OIDC_CLIENT_ID = CLIENT_ID
    settings.ATTEST_SSO_GROUP_MAP = json.dumps(
        {
            "attest-compliance": {"roles": ["compliance-officer"]},
            "credit-risk-readers": {"roles": ["viewer"], "teams": ["credit-risk"]},
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "SCOPE": ["openid", "profile", "email", "groups"],
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Test IdP",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": idp.issuer},
                }
            ],
        }
    }
    policy = json.loads(json.dumps(settings.CONTENT_SECURITY_POLICY))
    policy["DIRECTIVES"]["form-action"] = ["'self'", f"http://127.0.0.1:{idp.port}"]
    settings.CONTENT_SECURITY_POLICY = policy
    idp.set_mode("")
    return settings


def _portal_client(page, live_server) -> Client:
    """A Django client speaking with the browser's own portal session."""
    client = Client()
    client.cookies["sessionid"] = portal_session_key(page, live_server)
    return client


def test_p6_role_removed_at_the_provider_then_approve_is_403_and_both_audited(
    live_server, page, sso_settings, idp, personas
):
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="production",
        justification="Quarterly retrain.",
    )
    decide_url = f"/api/v1/deployment-requests/{request.pk}/decisions/"

    start_sso(page, live_server)
    idp_sign_in(page, "sso-carla", "idp-pass-3")
    page.wait_for_selector("text=Sign out")
    carla = SocialAccount.objects.get(provider="sso", uid__isnull=False).user
    assert user_roles(carla) == {"compliance-officer", "viewer"}

    # The provider removes the compliance group; the next sign-in re-syncs the roles. Carla
    # still reads the team's models, so the request stays visible: 403, not 404.
    idp.set_groups("sso-carla", "credit-risk-readers")
    page.get_by_role("button", name="Sign out").click()
    start_sso(page, live_server)
    page.wait_for_selector("text=Sign out")
    carla.refresh_from_db()
    assert user_roles(type(carla).objects.get(pk=carla.pk)) == {"viewer"}

    answer = _portal_client(page, live_server).post(
        decide_url, {"verdict": "approve"}, content_type="application/json"
    )
    assert answer.status_code == 403, answer.content
    assert not ApprovalDecision.objects.filter(request=request).exists()
    request.refresh_from_db()
    assert request.state == "submitted"
    assert AuditEvent.objects.filter(
        action="accounts.role_revoked", target_id=str(carla.pk)
    ).exists()
    refused = AuditEvent.objects.get(action="governance.decision_refused", actor_id=carla.pk)
    assert refused.target_id == str(request.pk) and refused.after["verdict"] == "approve"
