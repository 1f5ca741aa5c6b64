"""FOCUS cost import: rows matched to models by tag, unmatched cost kept, months in UTC,
re-imports replacing the account's months, bad files refused with nothing written."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client

from accounts.models import ApiToken
from audit.models import AuditEvent
from tests.factories import ModelServiceFactory
from tests.usage.focus_files import COLUMNS, csv_bytes, parquet_bytes, row
from usage.models import CostImport, CostRow

URL = "/api/v1/costs/imports/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def models(personas, owned_model):
    other = ModelServiceFactory(name="churn-predictor", owner_team=personas.other_team)
    return {"credit": owned_model, "churn": other}


@pytest.fixture
def importer(api_token, personas):
    """The FinOps pipeline: the CI service account with a costs:write token."""
    token = api_token(scopes=[ApiToken.Scope.COSTS_WRITE])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client, content: bytes, name="focus.csv", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **extra})


def october(models):
    credit = str(models["credit"].pk)
    return [
        row(effective="12.50", tags={"attest-model": "credit-scoring", "env": "prod"}),
        row(effective="7.25", start="2026-10-20T00:00:00Z", end="2026-10-21T00:00:00Z",
            tags={"attest-model": credit}),  # by id
        row(effective="-2.00", category="Credit", tags={"attest-model": "credit-scoring"}),
        row(effective="30.00", tags={"attest-model": "churn-predictor"}),
        row(effective="5.10", tags={"attest-model": "no-such-model"}),  # unmatched
        row(effective="4.40", tags={"team": "data"}),  # no model tag: unmatched
        row(effective="3.00", currency="USD", tags={"attest-model": "credit-scoring"}),
        # 23:30 on 31 October at UTC-2 is 01:30 on 1 November UTC: a November row
        row(effective="1.00", start="2026-10-31T23:30:00-02:00", end="2026-11-01T02:30:00Z",
            tags={"attest-model": "credit-scoring"}),
    ]  # fmt: skip


def totals():
    return {
        (r["model_service__name"], r["month"].strftime("%Y-%m"), r["currency"]): r["total"]
        for r in CostRow.objects.values("model_service__name", "month", "currency").annotate(
            total=Sum("amount")
        )
    }


def test_import_matches_rows_to_models_by_tag_and_keeps_unmatched_cost(importer, models):
    rows = october(models)
    content = csv_bytes(rows)
    response = send(importer, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rows_read"] == 8
    assert body["rows_matched"] == 6
    assert body["rows_unmatched"] == 2
    assert body["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert body["periods_replaced"] == [
        {"billing_account_id": "111122223333", "month": "2026-10", "rows": 7, "rows_removed": 0},
        {"billing_account_id": "111122223333", "month": "2026-11", "rows": 1, "rows_removed": 0},
    ]
    # The per-model monthly totals are the sums of their rows, credits included.
    expected_credit = Decimal("12.50") + Decimal("7.25") + Decimal("-2.00")
    assert totals() == {
        ("credit-scoring", "2026-10", "EUR"): expected_credit,
        ("credit-scoring", "2026-10", "USD"): Decimal("3.00"),
        ("credit-scoring", "2026-11", "EUR"): Decimal("1.00"),
        ("churn-predictor", "2026-10", "EUR"): Decimal("30.00"),
        (None, "2026-10", "EUR"): Decimal("9.50"),
    }
    assert set(CostRow.objects.filter(model_service=None).values_list("tag_value", flat=True)) == {
        "no-such-model",
        "",
    }
    event = AuditEvent.objects.get(action="usage.costs_imported")
    assert event.after["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert (event.after["rows_read"], event.after["rows_unmatched"]) == (8, 2)


def test_the_same_file_twice_changes_nothing(importer, models):
    content = csv_bytes(october(models))
    assert send(importer, content).status_code == 201
    before = totals()
    second = send(importer, content)
    assert second.status_code == 201
    assert second.json()["rows_replaced"] == 8
    assert totals() == before
    assert CostRow.objects.count() == 8


def test_a_corrected_export_replaces_only_its_account_and_months(importer, models):
    assert send(importer, csv_bytes(october(models))).status_code == 201
    other_account = [
        row(account="999", effective="100.00", tags={"attest-model": "churn-predictor"})
    ]
    september = [row(start="2026-09-10T00:00:00Z", end="2026-09-11T00:00:00Z", effective="8.00",
                     tags={"attest-model": "credit-scoring"})]  # fmt: skip
    assert send(importer, csv_bytes(other_account + september)).status_code == 201
    corrected = [row(effective="20.00", tags={"attest-model": "credit-scoring"})]
    response = send(importer, csv_bytes(corrected))
    assert response.status_code == 201
    assert response.json()["periods_replaced"] == [
        {"billing_account_id": "111122223333", "month": "2026-10", "rows": 1, "rows_removed": 7}
    ]
    got = totals()
    assert got[("credit-scoring", "2026-10", "EUR")] == Decimal("20.00")
    assert ("credit-scoring", "2026-10", "USD") not in got
    assert got[("credit-scoring", "2026-11", "EUR")] == Decimal("1.00")  # another month
    assert got[("credit-scoring", "2026-09", "EUR")] == Decimal("8.00")
    assert got[("churn-predictor", "2026-10", "EUR")] == Decimal("100.00")  # another account


def test_billed_cost_is_selectable(importer, models):
    rows = [row(effective="10.00", billed="12.00", tags={"attest-model": "credit-scoring"})]
    response = send(importer, csv_bytes(rows), cost_column="BilledCost")
    assert response.status_code == 201
    assert response.json()["cost_column"] == "BilledCost"
    assert totals() == {("credit-scoring", "2026-10", "EUR"): Decimal("12.00")}


def test_parquet_gives_the_same_totals_as_csv(importer, models):
    rows = october(models)
    response = send(importer, parquet_bytes(rows), name="focus.parquet")
    assert response.status_code == 201, response.content
    assert response.json()["file_format"] == "parquet"
    from_parquet = totals()
    CostRow.objects.all().delete()
    assert send(importer, csv_bytes(rows)).status_code == 201
    assert totals() == from_parquet


def test_a_file_missing_focus_columns_is_refused_naming_them(importer, models):
    columns = [c for c in COLUMNS if c not in {"ChargePeriodStart", "BillingCurrency"}]
    response = send(importer, csv_bytes(october(models), columns))
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "ChargePeriodStart" in detail and "BillingCurrency" in detail
    assert not CostImport.objects.exists() and not CostRow.objects.exists()


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (row(currency="euro"), "BillingCurrency"),
        (row(effective="ten"), "EffectiveCost"),
        (row(start="yesterday"), "ChargePeriodStart"),
        (row(tags=None) | {"Tags": "{not json"}, "Tags"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(importer, models, bad, says):
    rows = [*october(models), bad]
    response = send(importer, csv_bytes(rows))
    assert response.status_code == 400
    body = response.json()
    assert says in body["errors"]["row 9"][0]
    assert not CostRow.objects.exists() and not CostImport.objects.exists()


def test_not_csv_nor_parquet_is_a_400(importer):
    response = send(importer, b"\xff\xfe\x00garbage\x00")
    assert response.status_code == 400


def test_only_the_second_line_and_service_accounts_import_costs(
    personas, api_token, client_for, models
):
    content = csv_bytes(october(models))
    assert send(client_for(personas.owner), content).status_code == 403
    assert send(client_for(personas.auditor), content).status_code == 403
    assert send(client_for(personas.compliance), content).status_code == 201
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=['catalog:read'])}")
    response = send(reader, content)
    assert response.status_code == 403
    assert "costs:write" in response.json()["detail"]


def test_the_command_imports_a_file_and_says_what_it_did(personas, models, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "focus.parquet"
    path.write_bytes(parquet_bytes(october(models)))
    out = StringIO()
    call_command("import_costs", str(path), "--as", personas.compliance.username, stdout=out)
    assert "8 rows, 6 matched, 2 unmatched" in out.getvalue()
    bad = tmp_path / "not-focus.csv"
    bad.write_bytes(csv_bytes(october(models), ["BilledCost", "Tags"]))
    with pytest.raises(CommandError, match="BillingAccountId"):
        call_command("import_costs", str(bad), "--as", personas.compliance.username)
    with pytest.raises(CommandError, match="Only compliance officers"):
        call_command("import_costs", str(path), "--as", personas.owner.username)
