"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit) in Chromium.

S3: bad state, nonce mismatch, missing nonce, missing PKCE verifier, alg=none, wrong iss or
aud, expired token are all refused; a valid login rotates the session key.
S4: a second identity with the victim's e-mail never signs in as the victim.
Group claims map to roles and teams and are re-synced on every sign-in.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command

from accounts.models import Team, User
from accounts.roles import user_roles
from audit.models import AuditEvent
from tests.browser.journeys import HOME, open_catalog
from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, start_identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GROUP_MAP = {
    "ml-credit-risk": {"roles": ["model-owner"], "teams": ["credit-risk"]},
    "attest-auditors": {"roles": ["auditor"]},
}


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    provider = start_identity_provider(
        tmp_path_factory.mktemp("idp"),
        redirect_uri=f"{live_server.url}/accounts/oidc/sso/login/callback/",
        users=[
            "sso-alice:idp-pass-1:sso-alice@corp.example:ml-credit-risk",
            "mallory:idp-pass-2:alice@attest.example:",
        ],
    )
    yield provider
    provider.stop()


@pytest.fixture
def sso_settings(settings, idp):
    settings.ATTEST_OIDC_SERVER_URL = idp.issuer
    settings.ATTEST_OIDC_PROVIDER_NAME = "Test IdP"
    settings.ATTEST_OIDC_CLIENT_ID = CLIENT_ID
    settings.ATTEST_SSO_GROUP_MAP = json.dumps(GROUP_MAP)
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
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    return settings


def start_sso(page, live_server):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_role("button", name="Sign in with Test IdP").click()


def idp_sign_in(page, username, password):
    page.wait_for_selector("text=Test identity provider")
    page.get_by_label("IdP username").fill(username)
    page.get_by_label("IdP password").fill(password)
    page.get_by_role("button", name="Sign in at IdP").click()


def portal_session_key(page, live_server) -> str | None:
    for cookie in page.context.cookies(live_server.url):
        if cookie["name"] == "sessionid":
            return cookie["value"]
    return None


def test_sso_sign_in_maps_groups_and_resync_removes_them(
    live_server, page, screenshot, sso_settings, idp
):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    screenshot(page, "09-sign-in-with-sso")
    start_sso(page, live_server)
    key_during_flow = portal_session_key(page, live_server)
    idp_sign_in(page, "sso-alice", "idp-pass-1")
    page.wait_for_selector(HOME)
    open_catalog(page)
    assert "5 models visible to you" in page.text_content("main")
    screenshot(page, "10-sso-signed-in")

    user = SocialAccount.objects.get(provider="sso").user
    assert user.username == "sso-alice"
    assert user_roles(user) == {"model-owner"}
    assert Team.objects.get(slug="credit-risk").members.filter(pk=user.pk).exists()
    assert key_during_flow and portal_session_key(page, live_server) != key_during_flow

    # The provider drops the group; at the next sign-in the role and the team go too.
    idp.set_groups("sso-alice")
    page.get_by_role("button", name="Sign out").click()
    start_sso(page, live_server)  # still signed in at the provider: straight back
    page.wait_for_selector(HOME)
    open_catalog(page)
    assert "0 models visible to you" in page.text_content("main")
    user = User.objects.get(pk=user.pk)
    assert user_roles(user) == frozenset()
    assert not Team.objects.get(slug="credit-risk").members.filter(pk=user.pk).exists()
    assert AuditEvent.objects.filter(
        action="accounts.role_revoked", target_id=str(user.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="accounts.team_member_removed").exists()


@pytest.mark.parametrize(
    "mode", ["wrong-iss", "wrong-aud", "expired", "bad-nonce", "no-nonce", "alg-none"]
)
def test_dishonest_id_tokens_are_refused(live_server, page, screenshot, sso_settings, idp, mode):
    idp.set_mode(mode)
    start_sso(page, live_server)
    idp_sign_in(page, "sso-alice", "idp-pass-1")
    page.wait_for_selector("h1:has-text('Single sign-on failed')")
    if mode == "alg-none":
        screenshot(page, "11-sso-refused")
    assert not SocialAccount.objects.exists()
    assert page.goto(f"{live_server.url}/models/").url.startswith(
        f"{live_server.url}/accounts/sign-in/"
    )


def test_bad_state_is_refused(live_server, page, sso_settings):
    page.goto(f"{live_server.url}/accounts/oidc/sso/login/callback/?code=abc&state=forged")
    page.wait_for_selector("h1:has-text('Single sign-on failed')")
    assert not SocialAccount.objects.exists()


def test_missing_pkce_verifier_is_refused(live_server, page, sso_settings, idp):
    start_sso(page, live_server)
    page.wait_for_selector("text=Test identity provider")
    # Drop the verifier from the stored login state: the provider then refuses the code.
    session = SessionStore(session_key=portal_session_key(page, live_server))
    states = session["socialaccount_states"]
    for entry in states.values():
        entry[0].pop("pkce_code_verifier", None)
    session["socialaccount_states"] = states
    session.save()
    idp_sign_in(page, "sso-alice", "idp-pass-1")
    page.wait_for_selector("h1:has-text('Single sign-on failed')")
    assert not SocialAccount.objects.exists()


def test_identity_with_victims_email_does_not_become_the_victim(live_server, page, sso_settings):
    victim = User.objects.get(username="alice")
    start_sso(page, live_server)
    idp_sign_in(page, "mallory", "idp-pass-2")
    page.wait_for_selector(HOME)
    open_catalog(page)
    account = SocialAccount.objects.get(provider="sso")
    assert account.user != victim
    assert account.user.email == victim.email  # same address, different account
    assert not SocialAccount.objects.filter(user=victim).exists()
    assert "0 models visible to you" in page.text_content("main")


def test_local_password_sign_in_can_be_switched_off_except_break_glass(
    live_server, page, sso_settings
):
    sso_settings.ATTEST_LOCAL_LOGIN = False
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_text("Administrator sign-in (break-glass)").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in with a password").click()
    page.wait_for_selector("text=Password sign-in is switched off here")
    page.get_by_label("Username").fill("admin")  # a superuser: break-glass
    page.get_by_label("Password").fill("attest-demo")
    page.get_by_role("button", name="Sign in with a password").click()
    page.wait_for_selector(HOME)
