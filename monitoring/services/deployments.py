"""Age in production: deployments older than their risk tier allows."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from monitoring import configuration, deadlines, selectors
from monitoring.models import Alert
from monitoring.services.alerts import AlertSpec, _alert_raise

Kind = Alert.Kind


def deployments_check_age(*, now: datetime | None = None) -> list[Alert]:
    """Daily: every deployment still running in a checked environment (the latest per model
    and environment) that is older than its tier's maximum age opens a "stale in production"
    alert (one per model and environment while active). One transaction per deployment."""
    now = now or timezone.now()
    table = configuration.max_age_days()
    opened = []
    for deployment in selectors.current_deployments().filter(
        environment__in=configuration.max_age_environments()
    ):
        model = deployment.model_service
        max_days = table.get(model.risk_tier)
        if not deadlines.is_stale(deployed_at=deployment.deployed_at, now=now, max_days=max_days):
            continue
        age = deadlines.age_days(deployment.deployed_at, now)
        with transaction.atomic():
            alert, created = _alert_raise(
                AlertSpec(
                    model_service=model,
                    kind=Kind.STALE_IN_PRODUCTION,
                    environment=deployment.environment,
                    model_version=deployment.model_version,
                    title=(
                        f"v{deployment.model_version.version} has run in "
                        f"{deployment.environment} for {age} days "
                        f"(at most {max_days} for a {model.risk_tier}-risk model)"
                    ),
                    detail=(
                        f"Deployed on {deployment.deployed_at:%Y-%m-%d}. Models decay as the "
                        "world they learnt from moves on: retrain and request a new approval, "
                        "or record why it is still fit for purpose."
                    ),
                    observed_value=age,
                    limit_value=max_days,
                    approval=deployment.approval,
                    context={"deployment": str(deployment.pk), "tier": model.risk_tier},
                    seen_at=now,
                )
            )
        if created:
            opened.append(alert)
    return opened
