"""Budgets per model or team (issue 22, point 3): spend and forecast from the imported FOCUS
rows, alerts through the monitoring alert machinery, the report's budgets section."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from monitoring.models import Alert
from tests.factories import ModelServiceFactory
from tests.usage.focus_files import csv_bytes, row
from usage import budgets, services
from usage.models import Budget
from usage.tasks import check_budgets

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


def day(n: int, amount: str, model: str, currency: str = "EUR") -> dict:
    return row(
        start=f"2026-10-{n:02d}T00:00:00Z",
        end=f"2026-10-{n + 1:02d}T00:00:00Z",
        effective=amount,
        currency=currency,
        tags={"attest-model": model},
    )


def load(personas, rows, name="bill.csv"):
    return services.cost_import_create(
        actor=personas.compliance, upload=SimpleUploadedFile(name, csv_bytes(rows)), file_name=name
    )


@pytest.fixture
def models(personas):
    return (
        ModelServiceFactory(name="credit-scoring", owner_team=personas.team),
        ModelServiceFactory(name="churn", owner_team=personas.team),
        ModelServiceFactory(name="fraud", owner_team=personas.other_team),
    )


def test_spend_over_a_model_budget_opens_one_alert_and_counts_repeats(personas, models):
    scoring = models[0]
    budgets.budget_set(
        actor=personas.compliance, model_service=scoring, amount="100", currency="EUR"
    )
    # 10 days covered, 120 EUR spent (and 500 USD, which does not count against a EUR budget).
    rows = [day(n, "12.00", "credit-scoring") for n in range(1, 11)]
    load(personas, [*rows, day(3, "500", "credit-scoring", currency="USD")])
    status = budgets.budget_status(Budget.objects.get(), OCTOBER)
    assert status.spent == Decimal("120.00") and status.state == "exceeded"
    assert status.covered_until == datetime(2026, 10, 11, tzinfo=UTC)
    assert status.forecast == Decimal("372.00")  # 120 over 10 of October's 31 days
    (alert,) = budgets.budgets_check(month=OCTOBER)
    assert alert.kind == Alert.Kind.BUDGET_EXCEEDED and alert.model_service == scoring
    assert alert.observed_value == 120.0 and alert.limit_value == 100.0
    assert "credit-scoring spent 120.00 EUR in 2026-10" in alert.title
    assert AuditEvent.objects.filter(action="monitoring.alert_opened").count() == 1
    # Checked again (another import, the beat): the same alert counts on, no second one.
    assert budgets.budgets_check(month=OCTOBER) == []
    alert.refresh_from_db()
    assert alert.occurrences == 2
    assert Alert.objects.filter(kind__startswith="budget").count() == 1


def test_a_forecast_over_a_team_budget_alerts_on_the_teams_costliest_model(personas, models):
    budgets.budget_set(actor=personas.admin, team=personas.team, amount="300", currency="EUR")
    # 5 days: 100 EUR from credit-scoring, 20 from churn → 120 spent, 744 forecast; the other
    # team's fraud model does not count.
    rows = [day(n, "20.00", "credit-scoring") for n in range(1, 6)]
    rows += [day(n, "4.00", "churn") for n in range(1, 6)]
    rows += [day(1, "900", "fraud")]
    load(personas, rows)
    (alert,) = budgets.budgets_check(month=OCTOBER)
    assert alert.kind == Alert.Kind.BUDGET_FORECAST
    assert alert.model_service == models[0]  # the costliest model of the team
    assert alert.observed_value == 744.0 and alert.context["team"] == personas.team.slug
    assert alert.title.startswith(f"Team {personas.team.name} is on course for 744.00 EUR")


def test_a_corrected_import_within_budget_resolves_the_alert(personas, models):
    budgets.budget_set(
        actor=personas.compliance, model_service=models[0], amount="100", currency="EUR"
    )
    load(personas, [day(n, "30", "credit-scoring") for n in range(1, 31)], name="a.csv")
    (alert,) = budgets.budgets_check(month=OCTOBER)
    # The re-export of the same account and month replaces the rows: 30 × 3 = 90 EUR.
    load(personas, [day(n, "3", "credit-scoring") for n in range(1, 31)], name="b.csv")
    assert budgets.budgets_check(month=OCTOBER) == []
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED and "back within" in alert.resolve_comment


def test_an_import_checks_the_months_it_touched(
    personas, models, django_capture_on_commit_callbacks
):
    budgets.budget_set(
        actor=personas.compliance, model_service=models[1], amount="10", currency="EUR"
    )
    with django_capture_on_commit_callbacks(execute=True):
        load(personas, [day(2, "11", "churn")])
    assert Alert.objects.filter(kind="budget_exceeded", model_service=models[1]).exists()
    assert check_budgets.delay(["2026-10"]).get() == {"alerts_opened": 0}


@pytest.mark.parametrize(
    ("amount", "currency", "says"),
    [
        ("-5", "EUR", "positive"),
        ("0", "EUR", "positive"),
        ("12.345", "EUR", "two decimal"),
        ("lots", "EUR", "number"),
        ("NaN", "EUR", "positive"),
        ("100", "EURO", "ISO 4217"),
        ("100", "€", "ISO 4217"),
    ],
)
def test_bad_budgets_are_refused_with_a_reason(personas, models, amount, currency, says):
    from common.errors import ValidationError

    with pytest.raises(ValidationError, match=says):
        budgets.budget_set(
            actor=personas.compliance, model_service=models[0], amount=amount, currency=currency
        )
    assert not Budget.objects.exists()


def test_only_the_second_line_sets_budgets_and_every_change_is_audited(
    client_for, personas, models
):
    url = reverse("usage:budget-set")
    for persona in (personas.owner, personas.reviewer, personas.auditor, personas.viewer):
        answer = client_for(persona).post(url, {"model": "churn", "amount": "5", "currency": "EUR"})
        assert answer.status_code == 403
    assert not Budget.objects.exists()
    compliance = client_for(personas.compliance)
    answer = compliance.post(url, {"model": "churn", "amount": "50", "currency": "eur"})
    assert answer.status_code == 302
    budget = Budget.objects.get()
    assert (budget.amount, budget.currency, budget.model_service) == (
        Decimal("50.00"),
        "EUR",
        models[1],
    )
    compliance.post(url, {"model": "churn", "amount": "75", "currency": "EUR"})
    budget.refresh_from_db()
    assert budget.amount == Decimal("75.00") and Budget.objects.count() == 1
    event = AuditEvent.objects.filter(action="usage.budget_set").order_by("-seq").first()
    assert event.before == {"amount": "50.00", "currency": "EUR"}
    # Both or neither of model and team: refused, nothing written.
    both = compliance.post(
        url, {"model": "churn", "team": personas.team.slug, "amount": "5", "currency": "EUR"}
    )
    assert both.status_code == 302 and Budget.objects.count() == 1
    delete = reverse("usage:budget-delete", args=[budget.pk])
    assert client_for(personas.owner).post(delete).status_code == 403
    assert compliance.post(delete).status_code == 302 and not Budget.objects.exists()
    assert AuditEvent.objects.filter(action="usage.budget_deleted").count() == 1


def test_the_report_shows_budgets_to_those_who_may_see_them(client_for, personas, models):
    budgets.budget_set(actor=personas.admin, team=personas.other_team, amount="80", currency="EUR")
    budgets.budget_set(actor=personas.admin, model_service=models[0], amount="100", currency="EUR")
    load(personas, [day(n, "12", "credit-scoring") for n in range(1, 11)])
    page = client_for(personas.compliance).get(reverse("usage:report"), {"month": "2026-10"})
    text = page.content.decode()
    assert "Model credit-scoring" in text and "Over budget" in text
    assert f"Team {personas.other_team.name}" in text and "Set a budget" in text
    owner = client_for(personas.owner).get(reverse("usage:report"), {"month": "2026-10"})
    text = owner.content.decode()
    assert "Model credit-scoring" in text and "120.00 EUR" in text
    assert f"Team {personas.other_team.name}" not in text and "Set a budget" not in text
