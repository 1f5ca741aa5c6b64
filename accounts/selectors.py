"""Reads about people, teams and tokens."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken, Team


def api_token_authenticate(raw_token: str) -> ApiToken | None:
    """The active token matching ``raw_token``, or ``None`` (unknown, wrong secret, expired,
    revoked, or its user inactive). Constant-time comparison of the HMAC."""
    parsed = tokens.parse(raw_token)
    if parsed is None:
        return None
    key_id, secret = parsed
    token = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    if token is None or not tokens.secrets_match(
        secret, token.secret_hash, settings.ATTEST_TOKEN_PEPPER
    ):
        return None
    if (
        token.revoked_at is not None
        or token.expires_at <= timezone.now()
        or not token.user.is_active
    ):
        return None
    return token


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")
