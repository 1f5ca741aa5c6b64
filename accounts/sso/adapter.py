"""allauth hooks: use the stricter OIDC provider; never link accounts by e-mail."""

from __future__ import annotations

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from accounts.sso.provider import AttestOIDCProvider


class AttestSocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_provider(self, request, provider, client_id=None):
        found = super().get_provider(request, provider, client_id=client_id)
        if type(found) is OpenIDConnectProvider:
            return AttestOIDCProvider(request, app=found.app)
        return found

    def is_auto_signup_allowed(self, request, sociallogin):
        # An SSO identity always becomes its own account, bound on (provider, subject); it is
        # never attached to an existing account that happens to share its e-mail address.
        return True
