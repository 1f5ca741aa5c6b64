"""System checks: a broken SSO configuration stops start-up with a clear message."""

from django.conf import settings
from django.core.checks import Error, register

from accounts.sso.mapping import GroupMapError, parse_group_map


@register()
def sso_configuration(app_configs, **kwargs):
    errors = []
    try:
        parse_group_map(settings.ATTEST_SSO_GROUP_MAP)
    except GroupMapError as exc:
        errors.append(Error(str(exc), id="attest.E001"))
    if settings.ATTEST_OIDC_SERVER_URL and not settings.ATTEST_OIDC_CLIENT_ID:
        errors.append(
            Error(
                "ATTEST_OIDC_SERVER_URL is set but ATTEST_OIDC_CLIENT_ID is not.", id="attest.E002"
            )
        )
    return errors
