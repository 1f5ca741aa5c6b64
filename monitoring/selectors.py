"""Permission-aware reads of monitoring data, through the catalog's visibility gate.

Who sees monitoring data: whoever sees the model (catalog.selectors). Who may act:
- post metrics and schemas: the owning team's model owners and CI service accounts, admins;
- set thresholds: the owning team's model owners, admins;
- acknowledge and resolve alerts: the owning team's model owners, the team's reviewers,
  compliance officers, admins;
- register and edit incidents: the owning team's model owners, compliance officers, admins;
- complete recertification reviews: the team's reviewers, compliance officers, admins.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from approvals import selectors as approval_selectors
from approvals.models import Deployment, DeploymentRequest
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_service_visible
from monitoring import charts, configuration, deadlines, thresholds

# Predicates live in monitoring/access.py; the names stay importable from here.
from monitoring.access import (  # noqa: F401
    can_complete_review,
    can_handle_alerts,
    can_manage_incidents,
    can_manage_thresholds,
    can_write_metrics,
)
from monitoring.models import (
    Alert,
    Incident,
    InputSchema,
    MetricPoint,
    RecertificationReview,
    Threshold,
)

# Approvals that were granted at some point (their metrics are what reviewers approved).
DECIDED_APPROVAL_STATES = (
    DeploymentRequest.State.APPROVED,
    DeploymentRequest.State.EXPIRED,
    DeploymentRequest.State.STALE,
    DeploymentRequest.State.REVOKED,
)


def notification_recipients(model: ModelService, *, compliance: bool = False) -> list[str]:
    """E-mail addresses of the owning team's model owners and the team's reviewers (and every
    compliance officer when ``compliance``): active people only, each address once."""
    none = User.objects.none().values("pk")
    owners = reviewers = officers = none
    if model.owner_team_id:
        # Two filter() calls: "in the team's group" and "holds the role" are two group rows.
        owners = (
            User.objects.filter(groups=model.owner_team.group_id)
            .filter(groups__name=Role.MODEL_OWNER)
            .values("pk")
        )
        reviewers = (
            User.objects.filter(reviewed_teams=model.owner_team_id)
            .filter(groups__name=Role.REVIEWER)
            .values("pk")
        )
    if compliance:
        officers = User.objects.filter(groups__name=Role.COMPLIANCE_OFFICER).values("pk")
    return sorted(
        set(
            User.objects.filter(
                Q(pk__in=owners) | Q(pk__in=reviewers) | Q(pk__in=officers),
                is_active=True,
                is_service_account=False,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


# --- Approvals and baselines ----------------------------------------------------------------
def approval_for(version: ModelVersion, environment: str) -> DeploymentRequest | None:
    """The approval in force for ``version`` in ``environment``, else the latest one granted."""
    current = approval_selectors.approved_for(version, environment)
    if current is not None:
        return current
    return (
        DeploymentRequest.objects.filter(
            model_version=version,
            environment=environment,
            decided_at__isnull=False,
            state__in=DECIDED_APPROVAL_STATES,
        )
        .order_by("-decided_at")
        .first()
    )


def baseline_value(approval: DeploymentRequest | None, metric: str) -> float | None:
    """The metric's value the reviewers saw when approving (``None``: not given)."""
    if approval is None:
        return None
    value = (approval.metrics or {}).get(metric)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# --- Alerts ---------------------------------------------------------------------------------
def alert_visible(*, user) -> QuerySet[Alert]:
    return Alert.objects.filter(model_service__in=model_service_visible(user=user)).select_related(
        "model_service", "model_version", "model_service__owner_team"
    )


def alert_get(*, user, pk) -> Alert:
    try:
        return alert_visible(user=user).select_related("threshold", "approval").get(pk=pk)
    except (Alert.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such alert.")) from exc


def alert_list(
    *, user, state: str = "active", kind: str = "", kinds: tuple[str, ...] = ()
) -> QuerySet[Alert]:
    """Alerts of the models ``user`` may see, in ``state`` ("active": open or acknowledged),
    of ``kind`` or any of ``kinds`` (the dashboard's overdue tile counts two kinds)."""
    rows = alert_visible(user=user)
    if state == "active":
        rows = rows.filter(state__in=Alert.ACTIVE_STATES)
    elif state in Alert.State.values:
        rows = rows.filter(state=state)
    wanted = [k for k in (kind, *kinds) if k in Alert.Kind.values]
    if wanted:
        rows = rows.filter(kind__in=wanted)
    return rows.order_by("-last_seen_at", "-created_at")


def alert_counts_by_kind(*, user) -> dict[str, int]:
    """Active alerts per kind among the models ``user`` may see."""
    rows = (
        alert_visible(user=user)
        .filter(state__in=Alert.ACTIVE_STATES)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def alerts_for_model(model: ModelService, *, active: bool = True) -> QuerySet[Alert]:
    rows = Alert.objects.filter(model_service=model).select_related("model_version")
    if active:
        rows = rows.filter(state__in=Alert.ACTIVE_STATES)
    return rows.order_by("-last_seen_at", "-created_at")


# --- Thresholds -----------------------------------------------------------------------------
def thresholds_for_model(model: ModelService) -> QuerySet[Threshold]:
    return Threshold.objects.filter(model_service=model).order_by("metric", "environment")


def threshold_get(*, user, pk) -> Threshold:
    try:
        return (
            Threshold.objects.filter(model_service__in=model_service_visible(user=user))
            .select_related("model_service", "model_service__owner_team")
            .get(pk=pk)
        )
    except (Threshold.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such threshold.")) from exc


def threshold_for(rows: list[Threshold], metric: str, environment: str) -> Threshold | None:
    """The threshold that applies: the environment's own, else the one for every environment."""
    specific = next((t for t in rows if t.metric == metric and t.environment == environment), None)
    return specific or next((t for t in rows if t.metric == metric and not t.environment), None)


def bounds_of(threshold: Threshold | None) -> thresholds.Bounds:
    if threshold is None:
        return thresholds.Bounds()
    return thresholds.Bounds(threshold.min_value, threshold.max_value, threshold.max_relative_drop)


# --- Deployments and their age --------------------------------------------------------------
def current_deployments(*, model: ModelService | None = None) -> QuerySet[Deployment]:
    """The latest deployment per (model, environment): what runs there now."""
    newer = Deployment.objects.filter(
        model_service=OuterRef("model_service"),
        environment=OuterRef("environment"),
        deployed_at__gt=OuterRef("deployed_at"),
    )
    rows = Deployment.objects.exclude(Exists(newer)).select_related(
        "model_service", "model_version", "approval"
    )
    if model is not None:
        rows = rows.filter(model_service=model)
    return rows.order_by("environment")


def deployment_rows(model: ModelService, *, now: datetime | None = None) -> list[dict]:
    """Current deployments of ``model`` with their age and the tier's maximum age."""
    now = now or timezone.now()
    table = configuration.max_age_days()
    checked = set(configuration.max_age_environments())
    rows = []
    for d in current_deployments(model=model):
        max_days = table.get(model.risk_tier) if d.environment in checked else None
        rows.append(
            {
                "deployment": d,
                "age_days": deadlines.age_days(d.deployed_at, now),
                "age_label": deadlines.age_label(now - d.deployed_at),
                "max_days": max_days,
                "stale": deadlines.is_stale(deployed_at=d.deployed_at, now=now, max_days=max_days),
            }
        )
    return rows


# --- Metric history -------------------------------------------------------------------------
CHART_RANGES = (7, 30, 90, 365)


def metric_charts(
    model: ModelService, *, days: int = 90, now: datetime | None = None
) -> list[dict]:
    """One chart per (metric, environment) seen in the last ``days``, one line per slice, with
    the applicable threshold and the value at approval of the version running there now."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    points = (
        MetricPoint.objects.filter(model_service=model, observed_at__gte=since)
        .order_by("metric", "environment", "observed_at")
        .values_list("metric", "environment", "slice", "observed_at", "value")
    )
    grouped: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for metric, environment, slice_, observed_at, value in points.iterator(chunk_size=5000):
        grouped[(metric, environment)][slice_ or charts.OVERALL].append((observed_at, value))
    rules = list(thresholds_for_model(model))
    running = {d.environment: d for d in current_deployments(model=model)}
    result = []
    for (metric, environment), series in sorted(grouped.items()):
        threshold = threshold_for(rules, metric, environment)
        deployment = running.get(environment)
        approval = deployment.approval if deployment else None
        baseline = baseline_value(approval, metric)
        # Overall line first, then slices alphabetically.
        ordered = dict(sorted(series.items(), key=lambda kv: (kv[0] != charts.OVERALL, kv[0])))
        chart = charts.line_chart(
            _("%(metric)s in %(environment)s") % {"metric": metric, "environment": environment},
            ordered,
            bounds=bounds_of(threshold),
            baseline=baseline,
        )
        latest = max((pts[-1] for pts in series.values()), key=lambda p: p[0])
        result.append(
            {
                "id": f"chart-{len(result) + 1}",
                "metric": metric,
                "environment": environment,
                "chart": chart,
                "threshold": threshold,
                "baseline": baseline,
                "approval": approval,
                "latest_value": latest[1],
                "latest_at": latest[0],
                "points": sum(len(p) for p in series.values()),
            }
        )
    return result


# --- Schemas, incidents, reviews ------------------------------------------------------------
def schemas_for_model(model: ModelService) -> QuerySet[InputSchema]:
    return (
        InputSchema.objects.filter(model_service=model)
        .select_related("model_version")
        .order_by("-created_at")
    )


def incidents_for_model(model: ModelService) -> QuerySet[Incident]:
    return Incident.objects.filter(model_service=model).select_related("model_version")


def incident_open(*, user) -> QuerySet[Incident]:
    """Open incidents of every model ``user`` may see, newest first: what the dashboard counts
    and its list shows."""
    return (
        incident_visible(user=user)
        .filter(status=Incident.Status.OPEN)
        .select_related("model_service")
        .order_by("-aware_at", "-created_at")
    )


def incident_visible(*, user) -> QuerySet[Incident]:
    """Incidents of every model ``user`` may see (the register follows the model's visibility),
    for reports across models such as the portfolio report."""
    return Incident.objects.filter(model_service__in=model_service_visible(user=user))


def incident_get(*, user, pk) -> Incident:
    try:
        return (
            Incident.objects.filter(model_service__in=model_service_visible(user=user))
            .select_related("model_service", "model_version", "reported_by")
            .get(pk=pk)
        )
    except (Incident.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such incident.")) from exc


def incident_clock(incident: Incident, *, now: datetime | None = None) -> deadlines.DeadlineStatus:
    return deadlines.deadline_status(
        serious=incident.serious,
        category=incident.serious_category,
        aware_at=incident.aware_at,
        reported_at=incident.authority_reported_at,
        now=now or timezone.now(),
    )


def review_open(model: ModelService) -> RecertificationReview | None:
    return RecertificationReview.objects.filter(
        model_service=model, completed_at__isnull=True
    ).first()


def reviews_for_model(model: ModelService) -> QuerySet[RecertificationReview]:
    return RecertificationReview.objects.filter(model_service=model).select_related("completed_by")


def review_get(*, user, pk) -> RecertificationReview:
    try:
        return (
            RecertificationReview.objects.filter(model_service__in=model_service_visible(user=user))
            .select_related("model_service", "model_service__owner_team")
            .get(pk=pk)
        )
    except (RecertificationReview.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such review.")) from exc


def review_status(review: RecertificationReview, *, today=None) -> str:
    if review.completed_at:
        return "completed"
    return deadlines.review_state(
        due_on=review.due_on,
        today=today or timezone.localdate(),
        reminder_days=configuration.recertification_reminder_days(),
    )
