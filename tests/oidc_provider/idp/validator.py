"""Claims for the SSO tests, and a hostile mode that breaks the ID token on purpose.

The mode file holds one word: "" (honest), "wrong-iss", "wrong-aud", "expired", "bad-nonce",
"no-nonce" or "alg-none". Attest must refuse every dishonest token.
"""

import base64
import json
import time
from pathlib import Path

from django.conf import settings
from jwcrypto import jwt
from oauth2_provider.oauth2_validators import OAuth2Validator


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class GroupsValidator(OAuth2Validator):
    # A custom claim not mapped to a scope here is silently dropped (toolchain.md).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": True,
            "name": user.get_full_name() or user.username,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }

    def finalize_id_token(self, id_token, token, token_handler, request):
        mode = Path(settings.MODE_FILE).read_text().strip()
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        now = int(time.time())
        if mode == "wrong-iss":
            id_token["iss"] = "http://issuer.invalid/o"
        elif mode == "wrong-aud":
            id_token["aud"] = "some-other-client"
        elif mode == "expired":
            id_token["iat"], id_token["exp"] = now - 7200, now - 3600
        elif mode == "bad-nonce":
            id_token["nonce"] = "not-the-nonce-of-this-login"
        elif mode == "no-nonce":
            id_token.pop("nonce", None)
        self._save_id_token(id_token["jti"], request, expiration_time)
        if mode == "alg-none":
            header = {"typ": "JWT", "alg": "none", "kid": request.client.jwk_key.thumbprint()}
            return f"{_b64(header)}.{_b64(id_token)}."
        header = {"typ": "JWT", "alg": "RS256", "kid": request.client.jwk_key.thumbprint()}
        token_jwt = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        token_jwt.make_signed_token(request.client.jwk_key)
        return token_jwt.serialize()
