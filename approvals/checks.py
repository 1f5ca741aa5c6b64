"""System checks: a malformed approval policy stops start-up with a clear message."""

from django.core.checks import Error, register


@register()
def approval_configuration(app_configs, **kwargs):
    """A malformed approval policy or environment list stops start-up, not the first request."""
    from approvals import configuration, policy

    errors = []
    try:
        configuration.policy_overrides()
    except policy.PolicyError as exc:
        errors.append(Error(f"ATTEST_APPROVAL_POLICY: {exc}", id="attest.E003"))
    envs = configuration.environments()
    if not envs or len(set(envs)) != len(envs):
        errors.append(
            Error("ATTEST_ENVIRONMENTS must list distinct environment names.", id="attest.E004")
        )
    unknown = set(configuration.aliases()) - set(envs)
    if unknown:
        errors.append(
            Error(
                "ATTEST_ENVIRONMENT_ALIASES names unknown environment(s): "
                + ", ".join(sorted(unknown)),
                id="attest.E005",
            )
        )
    return errors
