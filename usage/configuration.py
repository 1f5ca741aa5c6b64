"""Usage and cost settings, read at call time (never at import)."""

from __future__ import annotations

from django.conf import settings


def cost_model_tag() -> str:
    """The FOCUS tag key whose value names a row's model (ATTEST_COST_MODEL_TAG)."""
    return str(settings.ATTEST_COST_MODEL_TAG)


def cost_deployment_tag() -> str:
    """The FOCUS tag key whose value names a row's deployment (ATTEST_COST_DEPLOYMENT_TAG)."""
    return str(settings.ATTEST_COST_DEPLOYMENT_TAG)


def cost_import_max_bytes() -> int:
    return int(settings.ATTEST_COST_IMPORT_MAX_BYTES)


def usage_step_seconds() -> int:
    return max(1, int(settings.ATTEST_USAGE_STEP_SECONDS))


def usage_timeout_seconds() -> float:
    return float(settings.ATTEST_USAGE_TIMEOUT_SECONDS)


def prometheus_allow_private() -> bool:
    """May usage sources name a Prometheus on a private, loopback or reserved address
    (ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE)? Off by default: the URL is a team's input."""
    return bool(settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE)
