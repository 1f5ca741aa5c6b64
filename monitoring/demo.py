"""Demo monitoring data for ``seed_demo``: deployments of the demo's approved versions, metric
history with thresholds (one decaying into an alert), an input schema, recertification reviews
and one serious incident with its Art. 73 clock running. Idempotent: nothing is added when the
demo already has thresholds.

Everything goes through the services, as in production, so the audit trail shows it too.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from approvals import selectors as approval_selectors
from approvals import services as approvals
from catalog.models import ModelService
from monitoring import services
from monitoring.models import Threshold
from monitoring.payloads import MetricItem

DAYS = 60
# model, environment, metric, start value, daily wobble, decay to (or None), threshold kwargs
SERIES = [
    ("churn-predictor", "production", "auc", 0.83, 0.004, 0.755, {"min_value": 0.77}),
    ("churn-predictor", "production", "lift_at_10", 3.1, 0.05, None, {"min_value": 2.5}),
    ("support-chatbot", "staging", "resolution_rate", 0.62, 0.01, None, {"min_value": 0.55}),
    ("support-chatbot", "staging", "toxicity_rate", 0.001, 0.0002, None, {"max_value": 0.005}),
    ("credit-scoring-retail", "staging", "auc", 0.81, 0.003, None, {"max_relative_drop": 0.05}),
]
CHURN_FEATURES = {"tenure_months": "int", "monthly_spend": "float", "segment": "str"}


def seed(users: dict) -> str:
    """Add the demo's monitoring data; returns a summary line ("" when already there)."""
    if Threshold.objects.exists():
        return ""
    deployed = _deploy_approved(users)
    for name, environment, metric, *_rest, bounds in SERIES:
        model = ModelService.objects.get(name=name)
        services.threshold_create(
            actor=_owner(model, users),
            model_service=model,
            metric=metric,
            environment=environment,
            **bounds,
        )
    points, alerts = _record_history(users)
    churn = ModelService.objects.get(name="churn-predictor")
    services.schema_record(
        actor=users["dora"],
        model_version=churn.versions.order_by("-version_number").first(),
        environment="production",
        features=CHURN_FEATURES,
    )
    reviews = services.reviews_schedule()
    services.incident_register(
        actor=users["carla"],
        model_service=ModelService.objects.get(name="credit-scoring-retail"),
        title="Applicants in one region scored as high risk",
        description=(
            "A lagging income feed set incomes to zero for one region for two days; about "
            "1,200 applications were scored on wrong data and 40 were declined."
        ),
        severity="high",
        serious=True,
        serious_category="general",
        aware_at=timezone.now() - timedelta(days=3, hours=4),
        affected_people="About 1,200 applicants; 40 declined.",
        corrective_actions="Feed restored; the 40 declined applications are being re-scored.",
    )
    return (
        f"monitoring: {deployed} deployments, {points} metric points, {alerts} open alert(s), "
        f"{len(reviews)} recertification reviews, 1 serious incident"
    )


def _owner(model: ModelService, users: dict):
    """The demo model owner in the model's team."""
    team_members = set(model.owner_team.members.values_list("username", flat=True))
    return next(u for name, u in users.items() if name in team_members)


def _deploy_approved(users: dict) -> int:
    """Record a deployment for every approved demo request (what CI does after the gate)."""
    count = 0
    for name, environment in {(s[0], s[1]) for s in SERIES}:
        model = ModelService.objects.get(name=name)
        version = model.versions.order_by("-version_number").first()
        if approval_selectors.approved_for(version, environment) is None:
            continue
        approvals.deployment_record(
            actor=_owner(model, users), model_version=version, environment=environment
        )
        count += 1
    return count


def _record_history(users: dict) -> tuple[int, int]:
    """One value a day for DAYS days per series, posted per model as a monitoring job would."""
    rng = random.Random(20261123)  # noqa: S311  (deterministic demo data, not security)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    by_model: dict[str, list[MetricItem]] = {}
    for name, environment, metric, start, wobble, decay_to, _bounds in SERIES:
        version = ModelService.objects.get(name=name).versions.order_by("-version_number").first()
        items = by_model.setdefault(name, [])
        for day in range(DAYS):
            value = start
            if decay_to is not None and day >= DAYS - 12:  # the last 12 days slide to decay_to
                value = start + (decay_to - start) * (day - (DAYS - 12) + 1) / 12
            value = round(value + rng.uniform(-wobble, wobble), 4)
            items.append(
                MetricItem(
                    index=len(items),
                    model=name,
                    version=version.version,
                    environment=environment,
                    metric=metric,
                    value=value,
                    observed_at=now - timedelta(days=DAYS - 1 - day),
                )
            )
    points = alerts = 0
    for name, items in sorted(by_model.items()):
        model = ModelService.objects.get(name=name)
        result = services.metrics_record(actor=_owner(model, users), items=items)
        points += result.points
        alerts += len(result.alerts_opened)
    return points, alerts
