"""Approval settings read at call time (never at import): environments, aliases, policy."""

from __future__ import annotations

from django.conf import settings

from approvals import policy


def environments() -> list[str]:
    return list(settings.ATTEST_ENVIRONMENTS)


def aliases() -> dict[str, str]:
    """Environment → registry alias, from ``ATTEST_ENVIRONMENT_ALIASES`` ("production=prod")."""
    result = {}
    for item in (settings.ATTEST_ENVIRONMENT_ALIASES or "").split(","):
        env, sep, alias = item.partition("=")
        if sep and env.strip() and alias.strip():
            result[env.strip()] = alias.strip()
    return result


def policy_overrides() -> dict:
    return policy.parse_overrides(settings.ATTEST_APPROVAL_POLICY)


def requirement(tier: str, environment: str) -> policy.Requirement:
    return policy.requirement(tier, environment, policy_overrides())


def policy_table() -> list[dict]:
    """Every (tier, environment) requirement, for the policy page and the README."""
    overrides = policy_overrides()
    return [
        {
            "tier": tier,
            "environment": env,
            "requirement": policy.requirement(tier, env, overrides),
        }
        for tier in policy.TIERS
        for env in environments()
    ]
