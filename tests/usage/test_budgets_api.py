"""Budgets in the API (issue 22, point 3): list with the month's spend and forecast, create,
change and delete, by the second line with costs:write; each change audited."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import ApiToken
from audit.models import AuditEvent
from tests.factories import ModelServiceFactory
from tests.usage.focus_files import csv_bytes, row
from usage import budgets, services
from usage.models import Budget

URL = "/api/v1/budgets/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def models(personas):
    return (
        ModelServiceFactory(name="credit-scoring", owner_team=personas.team),
        ModelServiceFactory(name="fraud", owner_team=personas.other_team),
    )


@pytest.fixture
def officer(api_token, personas):
    """The compliance officer's token with costs:write and catalog:read."""
    token = api_token(
        scopes=[ApiToken.Scope.COSTS_WRITE, ApiToken.Scope.CATALOG_READ], user=personas.compliance
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client, method, url, body=None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_create_lists_changes_and_deletes_a_budget(officer, personas, models):
    services.cost_import_create(
        actor=personas.compliance,
        upload=SimpleUploadedFile(
            "bill.csv",
            csv_bytes([row(effective="150.00", tags={"attest-model": "credit-scoring"})]),
        ),
        file_name="bill.csv",
    )
    created = send(
        officer, "POST", URL, {"model": "credit-scoring", "amount": "100", "currency": "eur"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["model"], body["team"], body["amount"], body["currency"]) == (
        "credit-scoring", None, "100.00", "EUR"
    )  # fmt: skip
    budget_id = body["id"]
    listed = officer.get(URL, {"month": "2026-10"}).json()
    assert listed["month"] == "2026-10"
    [item] = listed["budgets"]
    assert (item["id"], item["spent"], item["state"], item["used_percent"]) == (
        budget_id, "150.00", "exceeded", 150
    )  # fmt: skip
    changed = send(officer, "PATCH", f"{URL}{budget_id}/", {"amount": "2500.50"})
    assert changed.status_code == 200 and changed.json()["amount"] == "2500.50"
    assert changed.json()["currency"] == "EUR"
    assert officer.get(f"{URL}{budget_id}/").json()["amount"] == "2500.50"
    assert send(officer, "DELETE", f"{URL}{budget_id}/").status_code == 204
    assert not Budget.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="usage.budget_")
        .order_by("occurred_at", "id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("usage.budget_set", personas.compliance.pk),
        ("usage.budget_set", personas.compliance.pk),
        ("usage.budget_deleted", personas.compliance.pk),
    ]


def test_a_team_budget_by_slug_and_a_second_one_is_a_conflict(officer, personas, models):
    first = send(officer, "POST", URL, {"team": "fraud", "amount": "900", "currency": "USD"})
    assert first.status_code == 201 and first.json()["team"] == "fraud"
    again = send(officer, "POST", URL, {"team": "fraud", "amount": "1", "currency": "USD"})
    assert again.status_code == 409
    assert again.json()["budget"] == first.json()["id"]
    assert Budget.objects.get().amount == 900


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "10", "currency": "EUR"}, "model"),  # neither model nor team
        ({"model": "credit-scoring", "team": "fraud", "amount": "1", "currency": "EUR"}, "model"),
        ({"model": "no-such", "amount": "10", "currency": "EUR"}, "model"),
        ({"team": "no-such", "amount": "10", "currency": "EUR"}, "team"),
        ({"model": "credit-scoring", "amount": "-5", "currency": "EUR"}, "amount"),
        ({"model": "credit-scoring", "amount": "1.001", "currency": "EUR"}, "amount"),
        ({"model": "credit-scoring", "amount": "10", "currency": "E1"}, "currency"),
    ],
)
def test_bad_budgets_are_refused_naming_the_field(officer, models, body, field):
    response = send(officer, "POST", URL, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Budget.objects.exists()


def test_model_owners_read_but_do_not_set_budgets(personas, client_for, models):
    budget = budgets.budget_set(
        actor=personas.compliance, model_service=models[0], amount="10", currency="EUR"
    )
    owner = client_for(personas.owner)
    assert [b["id"] for b in owner.get(URL).json()["budgets"]] == [str(budget.pk)]
    assert (
        send(owner, "POST", URL, {"team": "fraud", "amount": "1", "currency": "EUR"}).status_code
        == 403
    )
    assert send(owner, "PATCH", f"{URL}{budget.pk}/", {"amount": "99"}).status_code == 403
    assert send(owner, "DELETE", f"{URL}{budget.pk}/").status_code == 403
    # another team's model budget is not theirs to see
    other = client_for(personas.other_owner)
    assert other.get(URL).json()["budgets"] == []
    assert other.get(f"{URL}{budget.pk}/").status_code == 404
    assert Budget.objects.get().amount == 10


def test_a_token_without_costs_write_may_read_only(api_token, personas, models):
    token = api_token(scopes=[ApiToken.Scope.CATALOG_READ], user=personas.compliance)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(URL).status_code == 200
    response = send(client, "POST", URL, {"team": "fraud", "amount": "1", "currency": "EUR"})
    assert response.status_code == 403 and "costs:write" in response.json()["detail"]


def test_service_accounts_do_not_set_budgets(api_token, personas, models):
    token = api_token(scopes=[ApiToken.Scope.COSTS_WRITE])  # the CI bot's
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = send(client, "POST", URL, {"team": "fraud", "amount": "1", "currency": "EUR"})
    assert response.status_code == 403
    assert not Budget.objects.exists()
