"""Password sign-in lockouts: recorded once per window, audited, visible to administrators,
cleared by them, never longer than their window, and never in the way of single sign-on.

Red-team finding 3: per-account limits must never lock a correct password out for good.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import SignInLockout
from audit.models import AuditEvent
from common import ratelimit
from common.errors import Forbidden
from tests.factories import PASSWORD
from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, start_identity_provider

SIGN_IN = "accounts:login"
CHANGELIST = "admin:accounts_signinlockout_changelist"
# Hour-long windows: a test never straddles a window boundary in practice.
ACCOUNT_RATE = "3/3600"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client_for, personas):
    personas.admin.is_staff = True
    personas.admin.save()
    return client_for(personas.admin)


def sign_in(client, username, password):
    return client.post(reverse(SIGN_IN), {"username": username, "password": password})


def lock_out(client, username, settings, *, trip=True):
    """Use up ``username``'s attempts from this address with wrong passwords; with ``trip``,
    one more wrong one is refused (the lockout starts)."""
    settings.ATTEST_RATE_SIGN_IN = ACCOUNT_RATE
    for _ in range(3):
        assert sign_in(client, username, "wrong-guess").status_code == 200
    if trip:
        assert sign_in(client, username, "wrong-guess").status_code == 429


def clear_in_admin(client, *lockouts):
    return client.post(
        reverse(CHANGELIST),
        {"action": "clear", "index": "0", "_selected_action": [str(x.pk) for x in lockouts]},
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- Recording ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_tripped_account_limit_is_recorded_once_per_window_and_audited(personas, settings):
    client = Client()
    lock_out(client, "Owner", settings, trip=False)
    assert not SignInLockout.objects.exists()  # the limit is not reached yet
    for _ in range(4):  # the right password too, and again and again: one row, one event
        assert sign_in(client, "owner", PASSWORD).status_code == 429
    lockout = SignInLockout.objects.get()
    assert (lockout.scope, lockout.username, lockout.client_address) == (
        "account",
        "owner",
        "127.0.0.1",
    )
    assert lockout.state == "active"
    assert timezone.now() < lockout.locked_until <= lockout.locked_at + timedelta(seconds=3600)
    [event] = events("accounts.sign_in_locked")
    assert event.target_id == str(lockout.pk)
    assert event.after["username"] == "owner" and event.after["scope"] == "account"
    assert PASSWORD not in json.dumps(event.after) and "wrong-guess" not in json.dumps(event.after)


@pytest.mark.django_db
def test_tripped_address_limit_is_recorded_without_a_username(personas, settings):
    settings.ATTEST_RATE_SIGN_IN_PER_ADDRESS = "2/3600"
    client = Client()
    assert sign_in(client, "owner", "x").status_code == 200
    assert sign_in(client, "teammate", "x").status_code == 200
    assert sign_in(client, "nobody-at-all", "x").status_code == 429
    lockout = SignInLockout.objects.get()
    assert (lockout.scope, lockout.username, lockout.client_address) == (
        "address",
        "",
        "127.0.0.1",
    )
    assert len(events("accounts.sign_in_locked")) == 1


@pytest.mark.django_db
def test_unknown_usernames_are_recorded_as_typed_lower_cased(personas, settings):
    client = Client()
    lock_out(client, "No-Such-User", settings)
    assert SignInLockout.objects.get().username == "no-such-user"


# --- The window is the maximum ------------------------------------------------------------------
def test_a_lockout_never_outlasts_its_window(time_machine):
    """The clock is moved (waiting out a real window is not a test); the cache is real."""
    cache.clear()
    start = 1_800_000_000 - 1_800_000_000 % 60 + 10  # 10 s into a 60 s window
    time_machine.move_to(start, tick=False)
    verdicts = [ratelimit.attempt("t-window", "who", "2/60") for _ in range(4)]
    assert [v.wait for v in verdicts] == [None, None, 50, 50]
    assert [v.tripped for v in verdicts] == [False, False, True, False]
    assert verdicts[2].window_end - start == 50  # never more than the period
    time_machine.move_to(start + 50, tick=False)  # the next window
    assert ratelimit.hit("t-window", "who", "2/60") is None


@pytest.mark.django_db
def test_a_tripped_lockout_ends_with_its_window(personas, settings, time_machine):
    settings.ATTEST_RATE_SIGN_IN = "3/300"
    start = 1_800_000_000 - 1_800_000_000 % 300 + 100
    time_machine.move_to(start, tick=False)
    client = Client()
    for _ in range(3):
        assert sign_in(client, "owner", "wrong-guess").status_code == 200
    response = sign_in(client, "owner", PASSWORD)
    assert response.status_code == 429 and response["Retry-After"] == "200"
    lockout = SignInLockout.objects.get()
    assert lockout.locked_until.timestamp() == start + 200
    time_machine.move_to(start + 200, tick=False)
    lockout.refresh_from_db()
    assert lockout.state == "expired"
    assert sign_in(client, "owner", PASSWORD).status_code == 302  # no admin needed


@pytest.mark.django_db
def test_an_expired_lockout_shows_expired_and_cannot_be_cleared(personas):
    lockout = services.sign_in_lockout_record(
        scope="account",
        client_address="198.51.100.7",
        username="owner",
        locked_until=timezone.now() + timedelta(seconds=300),
    )
    SignInLockout.objects.filter(pk=lockout.pk).update(
        locked_at=timezone.now() - timedelta(seconds=600),
        locked_until=timezone.now() - timedelta(seconds=300),
    )
    lockout.refresh_from_db()
    assert lockout.state == "expired"
    assert services.sign_in_lockout_clear(actor=personas.admin, lockout=lockout) is False
    assert not events("accounts.sign_in_lockout_cleared")


def test_reset_forgets_exactly_the_key_hit_counts():
    cache.clear()
    for _ in range(2):
        ratelimit.hit("t-reset", "a", "1/3600")
        ratelimit.hit("t-reset", "b", "1/3600")
    assert ratelimit.hit("t-reset", "a", "1/3600") and ratelimit.hit("t-reset", "b", "1/3600")
    assert ratelimit.reset("t-reset", "a", "1/3600") is True
    assert ratelimit.hit("t-reset", "a", "1/3600") is None
    assert ratelimit.hit("t-reset", "b", "1/3600")  # another identity stays limited


# --- Clearing -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_clears_a_lockout_and_the_right_password_signs_in_at_once(
    personas, settings, admin_client
):
    user_client = Client()
    lock_out(user_client, "owner", settings, trip=False)
    assert sign_in(user_client, "owner", PASSWORD).status_code == 429
    lockout = SignInLockout.objects.get()

    page = admin_client.get(reverse(CHANGELIST), {"state": "active"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "owner" in body and "127.0.0.1" in body and "Active" in body

    response = clear_in_admin(admin_client, lockout)
    assert response.status_code == 302
    lockout.refresh_from_db()
    assert lockout.state == "cleared"
    assert lockout.cleared_by == personas.admin and lockout.cleared_at is not None
    [event] = events("accounts.sign_in_lockout_cleared")
    assert event.actor_id == personas.admin.pk and event.target_id == str(lockout.pk)

    response = sign_in(user_client, "owner", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert user_client.session["_auth_user_id"] == str(personas.owner.pk)


@pytest.mark.django_db
def test_clearing_twice_writes_one_event(personas, settings, admin_client):
    lock_out(Client(), "owner", settings)
    lockout = SignInLockout.objects.get()
    clear_in_admin(admin_client, lockout)
    clear_in_admin(admin_client, lockout)
    assert len(events("accounts.sign_in_lockout_cleared")) == 1


@pytest.mark.django_db
def test_tripping_again_after_a_clear_opens_a_new_row(personas, settings):
    client = Client()
    lock_out(client, "owner", settings)
    first = SignInLockout.objects.get()
    assert services.sign_in_lockout_clear(actor=personas.admin, lockout=first) is True
    lock_out(client, "owner", settings)
    assert SignInLockout.objects.filter(cleared_at__isnull=True).count() == 1
    assert SignInLockout.objects.count() == 2
    assert len(events("accounts.sign_in_locked")) == 2


@pytest.mark.django_db
def test_expired_lockouts_are_skipped_by_the_admin_action(personas, settings, admin_client):
    lockout = services.sign_in_lockout_record(
        scope="address",
        client_address="198.51.100.7",
        username="",
        locked_until=timezone.now() + timedelta(seconds=300),
    )
    SignInLockout.objects.filter(pk=lockout.pk).update(
        locked_at=timezone.now() - timedelta(seconds=600),
        locked_until=timezone.now() - timedelta(seconds=300),
    )
    response = clear_in_admin(admin_client, lockout)
    assert response.status_code == 302
    lockout.refresh_from_db()
    assert lockout.cleared_at is None
    assert not events("accounts.sign_in_lockout_cleared")


# --- Who may see and clear ----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["compliance", "owner"])
@pytest.mark.parametrize("staff", [False, True])
def test_only_admins_see_and_clear_lockouts(personas, settings, client_for, persona, staff):
    """Staff without the admin role get 403; everyone else is sent to the admin's sign-in."""
    lock_out(Client(), "owner", settings)
    lockout = SignInLockout.objects.get()
    user = getattr(personas, persona)
    user.is_staff = staff
    user.save()
    client = client_for(user)
    expected = 403 if staff else 302
    assert client.get(reverse(CHANGELIST)).status_code == expected
    change = reverse("admin:accounts_signinlockout_change", args=[lockout.pk])
    assert client.get(change).status_code == expected
    assert clear_in_admin(client, lockout).status_code == expected
    lockout.refresh_from_db()
    assert lockout.state == "active"
    assert not events("accounts.sign_in_lockout_cleared")
    assert sign_in(Client(), "owner", PASSWORD).status_code == 429  # the count stayed


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_admin_sign_in(personas, settings):
    lock_out(Client(), "owner", settings)
    lockout = SignInLockout.objects.get()
    anonymous = Client()
    response = anonymous.get(reverse(CHANGELIST))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert clear_in_admin(anonymous, lockout).status_code == 302
    lockout.refresh_from_db()
    assert lockout.state == "active"


@pytest.mark.django_db
def test_admin_sees_lockouts_and_their_details(personas, settings, admin_client):
    lock_out(Client(), "ghost", settings)
    lockout = SignInLockout.objects.get()
    body = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "ghost (no such account)" in body
    change = reverse("admin:accounts_signinlockout_change", args=[lockout.pk])
    assert admin_client.get(change).status_code == 200
    add = reverse("admin:accounts_signinlockout_add")
    assert admin_client.get(add).status_code == 403  # lockouts are recorded, never typed in


@pytest.mark.django_db
def test_the_service_refuses_non_admins(personas, settings):
    lock_out(Client(), "owner", settings)
    lockout = SignInLockout.objects.get()
    for user in (personas.compliance, personas.owner):
        with pytest.raises(Forbidden):
            services.sign_in_lockout_clear(actor=user, lockout=lockout)
    lockout.refresh_from_db()
    assert lockout.state == "active"


# --- Single sign-on is never locked out ---------------------------------------------------------
@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    provider = start_identity_provider(
        tmp_path_factory.mktemp("idp-lockouts"),
        redirect_uri="http://testserver/accounts/oidc/sso/login/callback/",
        users=["sso-carol:idp-pass-3:sso-carol@corp.example:"],
    )
    yield provider
    provider.stop()


@pytest.fixture
def sso_settings(settings, idp):
    settings.ATTEST_OIDC_SERVER_URL = idp.issuer
    settings.ATTEST_OIDC_PROVIDER_NAME = "Test IdP"
    settings.ATTEST_OIDC_CLIENT_ID = CLIENT_ID
    settings.ATTEST_SSO_GROUP_MAP = "{}"
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
    idp.set_mode("")
    return settings


def sso_sign_in(client: Client, at_idp: requests.Session, username: str, password: str):
    """The OIDC flow without a browser: the portal's steps through the Django test client, the
    identity provider's (sign-in form, authorization) over HTTP; the portal fetches the token
    from the provider itself. Returns the portal's answer to the provider's callback."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert start.status_code == 302, start.content.decode()[:500]
    url = start["Location"]
    for _ in range(6):
        answer = at_idp.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "Test identity provider" in answer.text:
            answer = at_idp.post(
                url,
                data={
                    "username": username,
                    "password": password,
                    "next": parse_qs(urlsplit(url).query)["next"][0],
                    "csrfmiddlewaretoken": at_idp.cookies["idp_csrftoken"],
                },
                headers={"Referer": url},
                allow_redirects=False,
                timeout=10,
            )
        assert answer.status_code == 302, answer.text[:500]
        url = urljoin(url, answer.headers["Location"])
        if urlsplit(url).netloc == "testserver":
            callback = urlsplit(url)
            return client.get(f"{callback.path}?{callback.query}")
    raise AssertionError(f"the identity provider never sent us back: {url}")


@pytest.mark.django_db
def test_a_password_lockout_never_blocks_single_sign_on(personas, settings, sso_settings):
    """Through the real OIDC flow (test identity provider, tests/sso_provider.py): the SSO
    login and callback views are allauth's, not SignInView, so no password limit is counted or
    checked on the way."""
    at_idp = requests.Session()
    first = Client()
    assert sso_signed_in(sso_sign_in(first, at_idp, "sso-carol", "idp-pass-3"), first)
    user = SocialAccount.objects.get(provider="sso").user
    user.set_password(PASSWORD)  # give the SSO user a password to lock out
    user.save()

    password_client = Client()
    lock_out(password_client, user.username, settings, trip=False)
    assert sign_in(password_client, user.username, PASSWORD).status_code == 429
    lockout = SignInLockout.objects.get(scope="account")
    assert lockout.username == user.username.lower() and lockout.state == "active"

    # Same address, a new browser: single sign-on signs the locked-out user in.
    second = Client()
    assert sso_signed_in(sso_sign_in(second, at_idp, "sso-carol", "idp-pass-3"), second)
    assert second.session["_auth_user_id"] == str(user.pk)
    assert second.get(reverse("portal:dashboard")).status_code == 200
    # ...and the password lockout is still there, untouched by the SSO sign-in.
    assert sign_in(password_client, user.username, PASSWORD).status_code == 429
    lockout.refresh_from_db()
    assert lockout.state == "active"


def sso_signed_in(response, client: Client) -> bool:
    assert response.status_code == 302, response.content.decode()[:1000]
    return bool(client.session.get("_auth_user_id"))
