"""A stricter OpenID Connect login than allauth's default.

allauth (65.x) skips the ID token signature when the token came straight from the token
endpoint and does not send or check a nonce. Attest always verifies the signature against the
provider's published keys with an asymmetric algorithm (so ``alg=none`` and HMAC tricks fail),
binds the login to a fresh nonce kept in the login state, and requires an ID token. allauth
already checks ``state`` (and its single use), PKCE, ``iss``, ``aud`` and ``exp``.
"""

from __future__ import annotations

import hmac
import secrets

import jwt
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404
from django.utils.translation import gettext as _

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class AttestOIDCAdapter(OpenIDConnectOAuth2Adapter):
    #: The nonce sent with this login, set by the callback view from the login state.
    expected_nonce: str | None = None

    def complete_login(self, request, app, token, **kwargs):
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("The identity provider returned no ID token.")
        return super().complete_login(request, app, token, **kwargs)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OAuth2Error("Malformed ID token.") from exc
        advertised = set(self.openid_config.get("id_token_signing_alg_values_supported", ["RS256"]))
        if header.get("alg") not in advertised & ASYMMETRIC_ALGORITHMS:
            raise OAuth2Error(f"ID token algorithm {header.get('alg')!r} is not accepted.")
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        nonce = claims.get("nonce")
        if not (
            self.expected_nonce
            and isinstance(nonce, str)
            and hmac.compare_digest(nonce, self.expected_nonce)
        ):
            raise OAuth2Error("ID token nonce does not match this login.")
        return claims


class AttestOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = AttestOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = dict(kwargs.pop("auth_params", None) or self.get_auth_params())
        auth_params["nonce"] = nonce
        # `oidc_nonce` is stored with allauth's state, which only this session can redeem, once.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, oidc_nonce=nonce, **kwargs
        )


class AttestCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        # allauth's own state lookup (single use, session-bound); we read our nonce from it.
        state, response = super()._get_state(request, provider)
        if state:
            self.adapter.expected_nonce = state.get("oidc_nonce")
        return state, response


def login(request, provider_id: str):
    try:
        return OAuth2LoginView.adapter_view(AttestOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404(_("No such sign-in provider.")) from exc


def callback(request, provider_id: str):
    try:
        return AttestCallbackView.adapter_view(AttestOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404(_("No such sign-in provider.")) from exc
