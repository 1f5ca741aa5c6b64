"""Demo usage and cost for ``seed_demo``: six months of daily traffic for every demo deployment
and a FOCUS billing export (EUR, one account, a credit and some untagged cost) imported through
the same service as a real upload. Idempotent: nothing is added once a cost import exists."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.models import Deployment
from catalog.models import ModelService
from usage import budgets, configuration, services
from usage.models import CostImport
from usage.selectors import month_add

MONTHS = 6
# model, daily requests at the start, monthly growth, error share, p50/p95 ms, monthly EUR
TRAFFIC = {
    "churn-predictor": (42_000, 0.04, 0.002, 38.0, 120.0, 1_850.0),
    "support-chatbot": (9_000, 0.12, 0.011, 640.0, 2_300.0, 4_200.0),
    "credit-scoring-retail": (15_500, 0.02, 0.004, 55.0, 170.0, 2_400.0),
}
UNTAGGED_EUR = 730.0
COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargePeriodEnd",
    "ChargePeriodStart", "EffectiveCost", "ProviderName", "ServiceName", "Tags",
]  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def focus_export(now: datetime) -> bytes:
    """The demo's FOCUS 1.0 CSV: per model and month a compute and a storage row, a
    commitment credit, and untagged shared cost."""
    this_month = now.date().replace(day=1)
    tag = configuration.cost_model_tag()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for i in range(MONTHS):
        month = month_add(this_month, i - MONTHS + 1)
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        end = datetime(month_add(month, 1).year, month_add(month, 1).month, 1, tzinfo=UTC)
        if i == MONTHS - 1:  # the month so far: its charges run up to today
            today = datetime(now.year, now.month, now.day, tzinfo=UTC)
            charged_until = max(today, start + timedelta(days=1))
        else:
            charged_until = end
        base = {
            "BillingAccountId": "demo-111122223333",
            "BillingAccountName": "Attest demo",
            "BillingCurrency": "EUR",
            "BillingPeriodStart": _iso(start),
            "BillingPeriodEnd": _iso(end),
            "ChargePeriodStart": _iso(start),
            "ChargePeriodEnd": _iso(charged_until),
            "ProviderName": "AWS",
        }

        def add(amount: float, service: str, tags: dict, category: str = "Usage", base=base):
            value = f"{amount:.2f}"
            writer.writerow(
                {**base, "BilledCost": value, "EffectiveCost": value,
                 "ChargeCategory": category, "ServiceName": service, "Tags": json.dumps(tags)}
            )  # fmt: skip

        # The month so far: billed up to today, as a daily export would be.
        share = 1.0 if i < MONTHS - 1 else now.day / 30
        for name, (*_traffic, monthly) in TRAFFIC.items():
            grow = (1 + 0.05 * i + 0.03 * math.sin(i + len(name))) * share
            add(monthly * 0.85 * grow, "Amazon SageMaker", {tag: name, "env": "production"})
            add(monthly * 0.15 * grow, "Amazon S3", {tag: name})
        add(-250.0 * share, "Amazon SageMaker", {tag: "support-chatbot"}, category="Credit")
        add(UNTAGGED_EUR * (1 + 0.02 * i) * share, "Amazon CloudWatch", {"team": "platform"})
    return out.getvalue().encode()


def seed(users: dict) -> str:
    """Add the demo's usage and cost; returns a summary line ("" when already there)."""
    if CostImport.objects.exists():
        return ""
    now = timezone.now()
    days = 0
    for deployment in Deployment.objects.select_related("model_service"):
        traffic = TRAFFIC.get(deployment.model_service.name)
        if traffic is None:
            continue
        daily, growth, error_share, p50, p95, _cost = traffic
        first = month_add(now.date().replace(day=1), -(MONTHS - 1))
        records = []
        day = first
        while day <= now.date():
            months_in = (day.year - first.year) * 12 + day.month - first.month
            wave = 1 + 0.15 * math.sin(day.toordinal() / 3.5)  # weekly rhythm
            requests = int(daily * (1 + growth) ** months_in * wave)
            records.append(
                services.DayUsage(
                    day,
                    requests,
                    int(requests * error_share),
                    round(p50 * (0.95 + 0.1 * abs(math.sin(day.toordinal()))), 1),
                    round(p95 * (0.9 + 0.2 * abs(math.cos(day.toordinal()))), 1),
                )
            )
            day += timedelta(days=1)
        services.usage_days_record(actor=None, deployment=deployment, days=records)
        days += len(records)
    imported = services.cost_import_create(
        actor=users["carla"],
        upload=SimpleUploadedFile("demo-focus-export.csv", focus_export(now)),
        file_name="demo-focus-export.csv",
    )
    named = ModelService.objects.filter(name__in=TRAFFIC).count()
    # A budget the report shows against this month's spend (within it: the demo's one open
    # alert stays the monitoring one).
    chatbot = ModelService.objects.filter(name="support-chatbot").first()
    if chatbot is not None:
        budgets.budget_set(
            actor=users["carla"], model_service=chatbot, amount="12000", currency="EUR"
        )
    return (
        f"usage and cost: {days} days of usage, {imported.rows_read} FOCUS rows "
        f"({imported.rows_unmatched} unmatched) for {named} models"
    )
