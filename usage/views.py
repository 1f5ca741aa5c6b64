"""The "Usage and cost" page of a model."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Team
from catalog.selectors import model_service_get, model_service_visible
from usage import access, budgets, charts, configuration, selectors, source_views
from usage.import_views import CostImportForm


@login_required
def model_usage(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    last = timezone.now().date().replace(day=1)
    months = selectors.model_usage_months(model, last=last, count=12)
    currencies = sorted({cur for m in months for cur in m["cost_raw"]})
    cost_charts = [
        charts.bar_chart(
            _("Cost per month (%(currency)s)") % {"currency": cur},
            [
                (
                    m["month"].strftime("%m/%y"),
                    float(m["cost_raw"].get(cur, 0)),
                    f"{m['month']:%Y-%m}: "
                    f"{number_format(Decimal(m['cost'].get(cur, '0.00')), 2)} {cur}",
                )
                for m in months
            ],
        )
        for cur in currencies
    ]
    requests_chart = charts.bar_chart(
        _("Requests per month"),
        [
            (m["month"].strftime("%m/%y"), m["requests"], f"{m['month']:%Y-%m}: {m['requests']}")
            for m in months
        ],
    )
    return render(
        request,
        "usage/model_usage.html",
        {
            "model": model,
            "months": list(reversed(months)),
            "currencies": currencies,
            "cost_charts": cost_charts,
            "requests_chart": requests_chart,
            "sources": selectors.model_usage_sources(model),
            "deployment_costs": selectors.model_deployment_costs(model, last=last, count=12),
            "deployment_tag": configuration.cost_deployment_tag(),
            **source_views.source_form_context(request, model),
            "unapproved": selectors.live_without_approval(model, today=timezone.now().date()),
        },
    )


def budget_context(user, month: date, error: str) -> dict:
    """The budgets section of the report: each budget's spend and forecast for the month."""
    return {
        "budgets": [] if error else budgets.budget_statuses(user=user, month=month),
        "can_set_budgets": budgets.may_set_budgets(user),
    }


MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TOP = 5


def _month_and_team(request) -> tuple[date, str, str]:
    """The month (this month unless given) and team of the query, and what is wrong with them."""
    text = request.GET.get("month", "")
    team = request.GET.get("team", "")[:100]
    this_month = timezone.now().date().replace(day=1)
    if not text:
        return this_month, team, ""
    if not MONTH.fullmatch(text) or text < "1970-01":
        return this_month, team, _("Give the month as YYYY-MM, e.g. 2026-10.")
    return date(int(text[:4]), int(text[5:7]), 1), team, ""


def _report(request):
    month, team, error = _month_and_team(request)
    report = {"month": month.strftime("%Y-%m"), "models": []}
    if not error and team and not Team.objects.filter(slug=team).exists():
        error = _("There is no team with the slug %(slug)s.") % {"slug": team}
    if not error:
        report = selectors.usage_cost_report(user=request.user, month=month, team=team)
    return month, team, error, report


# The same query answers the signed PDF of this report (documents/usage_views.py).
report_for_request = _report


@login_required
def usage_report(request):
    """Usage and cost of the portfolio (or one team) for a month: every visible model, the top
    models by cost and by use, the high-risk models by use; unmatched cost for the second line."""
    month, team, error, report = _report(request)
    rows = report["models"]
    totals: dict[str, Decimal] = {}
    for row in rows:
        for cur, amount in row["cost"].items():
            totals[cur] = totals.get(cur, Decimal(0)) + Decimal(amount)
    main = max(totals, key=lambda c: totals[c]) if totals else None
    by_cost = sorted(
        (r for r in rows if main and main in r["cost"]),
        key=lambda r: -Decimal(r["cost"][main]),
    )[:TOP]
    by_use = sorted((r for r in rows if r["requests"]), key=lambda r: -r["requests"])[:TOP]
    high = set(
        model_service_visible(user=request.user)
        .filter(risk_tier="high", name__in=[r["model"] for r in rows])
        .values_list("name", flat=True)
    )
    return render(
        request,
        "usage/usage_report.html",
        {
            "month": month,
            "team": team,
            "error": error,
            "rows": rows,
            "totals": dict(sorted(totals.items())),
            "main_currency": main,
            "by_cost": [(r["model"], r["cost"][main]) for r in by_cost],
            "by_use": by_use,
            "high_by_use": [r for r in by_use if r["model"] in high],
            "unmatched": report.get("unmatched"),
            "teams": selectors.team_choices(),
            **budget_context(request.user, month, error),
            "import_form": CostImportForm() if access.can_import_costs(request.user) else None,
        },
    )


@login_required
def usage_report_csv(request):
    """The same report as CSV: one line per model and currency."""
    month, team, error, report = _report(request)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"usage-cost-{report['month']}{'-' + team if team else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        ["month", "model", "team", "currency", "cost", "requests", "errors", "cost_per_1000"]
    )
    for row in report["models"]:
        for cur in sorted(row["cost"]) or [""]:
            writer.writerow(
                [
                    report["month"],
                    _csv_safe(row["model"]),
                    _csv_safe(row["team"] or ""),
                    cur,
                    row["cost"].get(cur, ""),
                    row["requests"],
                    row["errors"],
                    row["cost_per_1000"].get(cur, ""),
                ]
            )
    for cur, amount in (report.get("unmatched") or {}).items():
        writer.writerow([report["month"], "(unmatched)", "", cur, amount, "", "", ""])
    return response


def _csv_safe(text: str) -> str:
    """No formula injection when the CSV is opened in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
