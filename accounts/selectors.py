"""Reads about people, teams and tokens."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken, Team
from accounts.roles import is_admin


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


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The tokens the settings page lists for ``user``: their own, and for an administrator
    also the service accounts' tokens (administrators issue those)."""
    tokens = ApiToken.objects.select_related("user")
    if is_admin(user):
        tokens = tokens.filter(Q(user=user) | Q(user__is_service_account=True))
    else:
        tokens = tokens.filter(user=user)
    # Active and expired ones first (newest first), then the revoked ones.
    return tokens.order_by(F("revoked_at").desc(nulls_first=True), "-created_at")


def api_token_revocable(*, user) -> QuerySet[ApiToken]:
    """Your own tokens; an administrator may revoke any. Anything else is a 404."""
    return ApiToken.objects.all() if is_admin(user) else ApiToken.objects.filter(user=user)
