"""Usage and cost figures for the Annex IV post-market section (point 9) and the portfolio
report, as text, from the usage app's records (daily usage per deployment, imported FOCUS cost
rows). Issue 22, point 4: the usage says a model is live and how much it is used, which is what
post-market monitoring (Art. 72) and a portfolio owner need to weigh.

The Annex IV figures depend only on records: the months shown end with the latest month holding
any usage or cost of the model, so regenerating from unchanged records reads the same.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncMonth

from catalog.models import ModelService, ModelVersion
from documents.kinds.text import shown_name
from usage.models import CostRow, DailyUsage
from usage.selectors import model_usage_months, money, month_add

ANNEX_IV_MONTHS = 12  # a year of post-market use
PORTFOLIO_TOP = 10  # models per "top by" table


def _month_of(value) -> date:
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


def _month_text(month: date) -> str:
    return month.strftime("%Y-%m")


def _percent_text(errors: int, requests: int) -> str:
    return f"{100 * errors / requests:.2f}" if requests else ""


def annex_iv_usage(model: ModelService, version: ModelVersion) -> dict:
    """Month by month (oldest first, at most a year, from the first month with records): the
    model's requests, errors, error rate, worst daily p95 latency, cost per currency and cost
    per 1,000 requests, and how many of the requests this version's deployments served."""
    latest = [
        DailyUsage.objects.filter(model_service=model).aggregate(m=Max("day"))["m"],
        CostRow.objects.filter(model_service=model).aggregate(m=Max("month"))["m"],
    ]
    latest = [m for m in latest if m]
    if not latest:
        return {"months": [], "total_requests": 0, "version_requests": 0}
    last = _month_of(max(latest))
    months = model_usage_months(model, last=last, count=ANNEX_IV_MONTHS)
    first = months[0]["month"]
    by_version = {
        _month_of(row["m"]): int(row["requests"] or 0)
        for row in DailyUsage.objects.filter(
            model_service=model,
            deployment__model_version=version,
            day__gte=first,
            day__lt=month_add(last, 1),
        )
        .annotate(m=TruncMonth("day"))
        .values("m")
        .annotate(requests=Sum("requests"))
    }
    # Leading months without any record are left out: a model used since March shows March on.
    while months and not months[0]["requests"] and not months[0]["cost"]:
        months.pop(0)
    rows = [
        {
            "month": _month_text(m["month"]),
            "requests": m["requests"],
            "version_requests": by_version.get(m["month"], 0),
            "errors": m["errors"],
            "error_rate": _percent_text(m["errors"], m["requests"]),
            "p95_ms": "" if m["p95_ms"] is None else f"{m['p95_ms']:.0f}",
            "cost": [[cur, v] for cur, v in sorted(m["cost"].items())],
            "cost_per_1000": [[cur, v] for cur, v in sorted(m["cost_per_1000"].items())],
        }
        for m in months
    ]
    return {
        "months": rows,
        "total_requests": sum(r["requests"] for r in rows),
        "version_requests": sum(r["version_requests"] for r in rows),
    }


def portfolio_usage(in_scope, month: date) -> dict:
    """The month's usage and cost over the models in scope (a queryset of their ids): totals,
    the top models by cost (per currency, largest first) and by requests, and the high-risk
    models by requests, most used first (with how many more there are). Three queries."""
    until = month_add(month, 1)
    used = {
        row["model_service"]: row
        for row in DailyUsage.objects.filter(
            model_service__in=in_scope, day__gte=month, day__lt=until
        )
        .values("model_service")
        .annotate(requests=Sum("requests"), errors=Sum("errors"))
    }
    cost: dict = defaultdict(dict)
    for row in (
        CostRow.objects.filter(model_service__in=in_scope, month=month)
        .values("model_service", "currency")
        .annotate(total=Sum("amount"))
    ):
        cost[row["model_service"]][row["currency"]] = row["total"]
    wanted = set(used) | set(cost)
    # One query for the models named above and every high-risk model in scope.
    models = {
        m.pk: m
        for m in ModelService.objects.filter(
            Q(pk__in=wanted) | Q(pk__in=in_scope, risk_tier="high")
        ).only("pk", "name", "risk_tier")
    }
    high_risk = [pk for pk, m in models.items() if m.risk_tier == "high"]

    def entry(pk) -> dict:
        requests = int(used.get(pk, {}).get("requests") or 0)
        errors = int(used.get(pk, {}).get("errors") or 0)
        spent = cost.get(pk, {})
        return {
            "model": shown_name(models[pk].name),
            "requests": requests,
            "error_rate": _percent_text(errors, requests),
            "cost": [[cur, money(v)] for cur, v in sorted(spent.items())],
            "cost_per_1000": [
                [cur, money(v * 1000 / requests)] for cur, v in sorted(spent.items()) if requests
            ],
        }

    currencies = sorted({cur for spent in cost.values() for cur in spent})
    totals: dict = defaultdict(int)
    for spent in cost.values():
        for cur, v in spent.items():
            totals[cur] += v
    by_cost = {
        cur: [
            entry(pk)
            for pk in sorted(
                (pk for pk in cost if cur in cost[pk]),
                key=lambda pk, cur=cur: (-cost[pk][cur], models[pk].name),
            )[:PORTFOLIO_TOP]
        ]
        for cur in currencies
    }
    by_use = [
        entry(pk)
        for pk in sorted(
            (pk for pk in used if used[pk]["requests"]),
            key=lambda pk: (-used[pk]["requests"], models[pk].name),
        )[:PORTFOLIO_TOP]
    ]
    high = [
        entry(pk)
        for pk in sorted(
            high_risk,
            key=lambda pk: (-int(used.get(pk, {}).get("requests") or 0), models[pk].name),
        )[:PORTFOLIO_TOP]
    ]
    return {
        "month": _month_text(month),
        "requests": sum(int(row["requests"] or 0) for row in used.values()),
        "models_used": sum(1 for row in used.values() if row["requests"]),
        "cost": [[cur, money(totals[cur])] for cur in currencies],
        "by_cost": [[cur, rows] for cur, rows in by_cost.items()],
        "by_use": by_use,
        "high_risk": high,
        "high_risk_more": max(0, len(high_risk) - PORTFOLIO_TOP),
    }
