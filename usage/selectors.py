"""Every permission-aware read of usage and cost."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from accounts.models import Team
from approvals import selectors as approval_selectors
from approvals.models import Deployment
from catalog.models import ModelService
from catalog.selectors import model_service_visible
from common.errors import NotFound, ValidationError
from usage import access
from usage.models import CostRow, DailyUsage, UsageSource

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """A decimal string with two places (half up), as the report's JSON carries amounts."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def month_add(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def deployment_get(*, user, deployment_id) -> Deployment:
    """A deployment of a model ``user`` may see (404 otherwise)."""
    deployment = (
        Deployment.objects.filter(
            pk=deployment_id, model_service__in=model_service_visible(user=user)
        )
        .select_related("model_service", "model_version")
        .first()
    )
    if deployment is None:
        raise NotFound("No such deployment.")
    return deployment


def usage_source_of(deployment: Deployment) -> UsageSource | None:
    return UsageSource.objects.filter(deployment=deployment).first()


def daily_usage_list(*, deployment: Deployment, since: date | None, until: date | None):
    rows = DailyUsage.objects.filter(deployment=deployment)
    if since:
        rows = rows.filter(day__gte=since)
    if until:
        rows = rows.filter(day__lte=until)
    return rows.order_by("day")


def _per_1000(cost: dict[str, Decimal], requests: int) -> dict[str, str]:
    if not requests:
        return {}
    return {cur: money(amount * 1000 / requests) for cur, amount in sorted(cost.items())}


def usage_cost_report(*, user, month: date, team: str = "") -> dict:
    """``{"month", "models": [...], "unmatched"?}`` for the models ``user`` may see: cost per
    currency, requests and errors of the month, cost per 1,000 requests. Unmatched cost only
    for compliance officers and administrators. A team that does not exist is a 400."""
    models = model_service_visible(user=user)
    if team:
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise ValidationError(
                {"team": [_("No team with the slug %(slug)s.") % {"slug": repr(team[:60])}]}
            )
        models = models.filter(owner_team=found)
    until = month_add(month, 1)
    costs = (
        CostRow.objects.filter(month=month, model_service__in=models)
        .values("model_service", "currency")
        .annotate(total=Sum("amount"))
    )
    usage = (
        DailyUsage.objects.filter(day__gte=month, day__lt=until, model_service__in=models)
        .values("model_service")
        .annotate(requests=Sum("requests"), errors=Sum("errors"))
    )
    cost_by: dict = defaultdict(dict)
    for row in costs:
        cost_by[row["model_service"]][row["currency"]] = row["total"]
    usage_by = {row["model_service"]: row for row in usage}
    wanted = set(cost_by) | set(usage_by)
    entries = []
    for model in (
        ModelService.objects.filter(pk__in=wanted).select_related("owner_team").order_by("name")
    ):
        cost = cost_by.get(model.pk, {})
        used = usage_by.get(model.pk, {})
        requests = int(used.get("requests") or 0)
        entries.append(
            {
                "model": model.name,
                "team": model.owner_team.slug if model.owner_team else None,
                "cost": {cur: money(v) for cur, v in sorted(cost.items())},
                "requests": requests,
                "errors": int(used.get("errors") or 0),
                "cost_per_1000": _per_1000(cost, requests),
            }
        )
    answer = {"month": month.strftime("%Y-%m"), "models": entries}
    if access.can_see_unmatched_cost(user):
        unmatched = (
            CostRow.objects.filter(month=month, model_service__isnull=True)
            .values("currency")
            .annotate(total=Sum("amount"))
            .order_by("currency")
        )
        answer["unmatched"] = {row["currency"]: money(row["total"]) for row in unmatched}
    return answer


def model_usage_months(model: ModelService, *, last: date, count: int = 12) -> list[dict]:
    """Month by month (oldest first, ``count`` months up to ``last``): cost per currency,
    requests, errors, error rate, cost per 1,000 requests, the worst daily p95 latency."""
    first = month_add(last, -(count - 1))
    until = month_add(last, 1)
    costs: dict = defaultdict(dict)
    for row in (
        CostRow.objects.filter(model_service=model, month__gte=first, month__lt=until)
        .values("month", "currency")
        .annotate(total=Sum("amount"))
    ):
        costs[row["month"]][row["currency"]] = row["total"]
    usage = {
        row["m"].date() if hasattr(row["m"], "date") else row["m"]: row
        for row in DailyUsage.objects.filter(model_service=model, day__gte=first, day__lt=until)
        .annotate(m=TruncMonth("day"))
        .values("m")
        .annotate(requests=Sum("requests"), errors=Sum("errors"), p95=Max("latency_p95_ms"))
    }
    months = []
    for i in range(count):
        month = month_add(first, i)
        used = usage.get(month, {})
        requests = int(used.get("requests") or 0)
        errors = int(used.get("errors") or 0)
        cost = costs.get(month, {})
        months.append(
            {
                "month": month,
                "cost": {cur: money(v) for cur, v in sorted(cost.items())},
                "cost_raw": cost,
                "requests": requests,
                "errors": errors,
                "error_rate": (errors / requests) if requests else None,
                "error_rate_percent": (errors / requests * 100) if requests else None,
                "cost_per_1000": _per_1000(cost, requests),
                "p95_ms": used.get("p95"),
            }
        )
    return months


def model_usage_sources(model: ModelService) -> list[UsageSource]:
    return list(
        UsageSource.objects.filter(deployment__model_service=model).select_related(
            "deployment", "deployment__model_version"
        )
    )


LIVE_DAYS = 3  # traffic within this many days means the deployment is live


def live_without_approval(model: ModelService, *, today: date) -> list[Deployment]:
    """Deployments of ``model`` that served traffic in the last ``LIVE_DAYS`` days while no
    approval of their version for their environment is in force (revoked, expired, stale):
    the usage says they are live, governance says they should not be."""
    live = (
        DailyUsage.objects.filter(
            model_service=model, day__gte=today - timedelta(days=LIVE_DAYS), requests__gt=0
        )
        .values_list("deployment", flat=True)
        .distinct()
    )
    return [
        deployment
        for deployment in Deployment.objects.filter(pk__in=live).select_related("model_version")
        if approval_selectors.approved_for(deployment.model_version, deployment.environment) is None
    ]


def team_choices() -> list[tuple[str, str]]:
    """(slug, name) of every team, for the report's team filter (team names are not secret:
    the catalog lists them)."""
    return list(Team.objects.order_by("name").values_list("slug", "name"))


def model_deployment_costs(model: ModelService, *, last: date, count: int = 12) -> list[dict]:
    """The model's cost per month and deployment (newest month first), as the second tag
    (ATTEST_COST_DEPLOYMENT_TAG) matched it; ``deployment`` None is the model's cost no
    deployment is tagged with (kept and shown, never spread over the deployments)."""
    first = month_add(last, -(count - 1))
    until = month_add(last, 1)
    grouped: dict = defaultdict(dict)
    for row in (
        CostRow.objects.filter(model_service=model, month__gte=first, month__lt=until)
        .values("month", "deployment", "currency")
        .annotate(total=Sum("amount"))
    ):
        grouped[(row["month"], row["deployment"])][row["currency"]] = money(row["total"])
    deployments = Deployment.objects.filter(
        pk__in={d for _m, d in grouped if d is not None}
    ).select_related("model_version")
    by_id = {d.pk: d for d in deployments}
    rows = [
        {"month": month, "deployment": by_id.get(deployment), "cost": dict(sorted(cost.items()))}
        for (month, deployment), cost in grouped.items()
    ]
    rows.sort(
        key=lambda r: (
            -r["month"].toordinal(),
            r["deployment"] is None,
            r["deployment"].environment if r["deployment"] else "",
            -(r["deployment"].deployed_at.timestamp() if r["deployment"] else 0),
        )
    )
    return rows
