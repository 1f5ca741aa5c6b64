"""DRF authentication for CI: ``Authorization: Bearer attest_<key_id>_<secret>``, or an OIDC ID
token of a trusted issuer (``Authorization: Bearer <ID token>``, ``accounts.workload_identity``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts import tokens, workload_identity
from accounts.models import ApiToken
from accounts.selectors import api_token_authenticate
from common import ratelimit

# Recording every use would turn each API read into a write; once a minute is enough to show
# "last used" in the token list.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
MALFORMED = "Malformed Authorization header: use 'Bearer <token>'."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        try:
            header = authentication.get_authorization_header(request).decode("latin-1")
        except UnicodeEncodeError:  # a header value beyond Latin-1 (only a test client sends one)
            raise exceptions.AuthenticationFailed(MALFORMED) from None
        if not header:
            return None
        parts = header.split()
        if not parts:  # e.g. a lone non-breaking space: a malformed header, not "no credentials"
            raise exceptions.AuthenticationFailed(MALFORMED)
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2 or not parts[1].isascii() or not parts[1].isprintable():
            raise exceptions.AuthenticationFailed(MALFORMED)
        address = ratelimit.client_address(request)
        if tokens.parse(parts[1]) is None and workload_identity.looks_like_jwt(parts[1]):
            return self._workload(parts[1], address)
        token = api_token_authenticate(parts[1])
        if token is None:
            # Guessing tokens costs one window per few attempts per address.
            wait = ratelimit.hit("token-failure", address, settings.ATTEST_RATE_TOKEN_FAILURES)
            if wait:
                raise exceptions.Throttled(
                    wait=wait, detail=_("Too many invalid tokens; retry later.")
                )
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        wait = ratelimit.hit("api", token.key_id, settings.ATTEST_RATE_API)
        if wait:
            raise exceptions.Throttled(
                wait=wait, detail=_("Request rate limit for this token reached.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def _workload(self, raw: str, address: str):
        """An ID token: 401 (counted against ATTEST_RATE_TOKEN_FAILURES) when invalid, 403 when
        valid but no rule admits it; else the rule's service account with the rule's scopes."""
        try:
            identity = workload_identity.authenticate(raw)
        except workload_identity.InvalidIdToken as exc:
            wait = ratelimit.hit("token-failure", address, settings.ATTEST_RATE_TOKEN_FAILURES)
            if wait:
                raise exceptions.Throttled(
                    wait=wait, detail=_("Too many invalid tokens; retry later.")
                ) from None
            raise exceptions.AuthenticationFailed(
                _("Invalid ID token: %(reason)s") % {"reason": exc}
            ) from None
        except workload_identity.NoMatchingRule as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        token = identity.as_token()
        wait = ratelimit.hit("api", token.key_id, settings.ATTEST_RATE_API)
        if wait:
            raise exceptions.Throttled(
                wait=wait, detail=_("Request rate limit for this token reached.")
            )
        workload_identity.record_accepted(identity)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="attest"'
