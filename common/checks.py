"""System checks: a malformed ATTEST_TRUSTED_PROXIES stops start-up with a clear message."""

from django.conf import settings
from django.core.checks import Error, register

from common.client_address import parse_trusted_proxies


@register()
def trusted_proxies_check(app_configs, **kwargs):
    try:
        parse_trusted_proxies(getattr(settings, "ATTEST_TRUSTED_PROXIES", ""))
    except ValueError as exc:
        return [Error(str(exc), id="attest.E010")]
    return []
