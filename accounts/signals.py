"""Adapters from Django's auth signals to audit services (no business logic here)."""

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import language, services
from accounts.sso.mapping import grants_for, manages_reviewer_pools, parse_group_map


@receiver(user_logged_in)
def _on_signed_in(sender, request, user, **kwargs):
    services.session_signed_in(user=user)
    if request is None:
        return
    # The stored choice applies from this response on. Someone who has not chosen yet but
    # switched the language on the sign-in page keeps that choice, now stored on them.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if not user.language and language.is_available(chosen):
        services.user_language_set(actor=user, user=user, language=chosen)
    if user.language:
        language.apply(request, user.language)


@receiver(user_logged_out)
def _on_signed_out(sender, request, user, **kwargs):
    services.session_signed_out(user=user)


@receiver(user_login_failed)
def _on_sign_in_failed(sender, credentials, request=None, **kwargs):
    services.session_sign_in_failed(username=str(credentials.get("username", "")))


@receiver(allauth_user_logged_in)
def _on_sso_signed_in(sender, request, user, sociallogin=None, **kwargs):
    """Re-sync roles and teams from the identity provider's groups claim on every SSO login."""
    if sociallogin is None:
        return
    data = sociallogin.account.extra_data or {}
    claims = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    group_map = parse_group_map(settings.ATTEST_SSO_GROUP_MAP)
    grants = grants_for(claims.get(settings.ATTEST_OIDC_GROUPS_CLAIM), group_map)
    services.user_sso_sync(
        user=user,
        roles=set(grants.roles),
        team_slugs=set(grants.teams),
        reviewer_team_slugs=set(grants.reviews) if manages_reviewer_pools(group_map) else None,
    )
