"""Single sign-on through OpenID Connect (django-allauth's ``openid_connect`` provider).

``provider.py`` tightens allauth's token checks (signature always verified with the provider's
asymmetric keys, ``alg=none`` refused, nonce bound to the login), ``mapping.py`` turns the
groups claim into roles and teams, ``adapter.py`` plugs both into allauth.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def sso_provider() -> dict | None:
    """What the sign-in page needs to show the "Sign in with <provider>" button, or None."""
    if not settings.ATTEST_OIDC_SERVER_URL:
        return None
    provider_id = settings.ATTEST_OIDC_PROVIDER_ID
    return {
        "id": provider_id,
        "name": settings.ATTEST_OIDC_PROVIDER_NAME,
        "login_url": reverse("openid_connect_login", kwargs={"provider_id": provider_id}),
    }
