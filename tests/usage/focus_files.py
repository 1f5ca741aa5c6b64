"""FOCUS files for the tests, built from the FOCUS 1.0 columns (Column IDs as the
specification names them: https://focus.finops.org/focus-specification/v1-0/)."""

from __future__ import annotations

import csv
import io
import json

# Mandatory FOCUS 1.0 columns (and Tags, Conditional) of a typical export, in the order an
# export writes them; the importer reads six of them.
COLUMNS = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "EffectiveCost",
    "ListCost",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "Tags",
]


def row(
    *,
    account="111122223333",
    start="2026-10-03T00:00:00Z",
    end="2026-10-04T00:00:00Z",
    currency="EUR",
    effective="10.00",
    billed=None,
    tags=None,
    service="Amazon SageMaker",
    category="Usage",
) -> dict:
    return {
        "BilledCost": effective if billed is None else billed,
        "BillingAccountId": account,
        "BillingAccountName": "Payments",
        "BillingCurrency": currency,
        "BillingPeriodEnd": "2026-11-01T00:00:00Z",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "ChargeCategory": category,
        "ChargeDescription": "ml.m5.xlarge hours",
        "ChargePeriodEnd": end,
        "ChargePeriodStart": start,
        "EffectiveCost": effective,
        "ListCost": effective,
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": service,
        "Tags": json.dumps(tags) if tags is not None else "",
    }


def csv_bytes(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def parquet_bytes(rows: list[dict]) -> bytes:
    """The same rows as Parquet, typed as exports type them: timestamps, decimals, Tags as a
    JSON string."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    from usage.focus import parse_datetime

    def col(name):
        values = [r[name] for r in rows]
        if name in {
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "BillingPeriodStart",
            "BillingPeriodEnd",
        }:
            return pa.array([parse_datetime(v) for v in values], pa.timestamp("us", tz="UTC"))
        if name in {"BilledCost", "EffectiveCost", "ListCost"}:
            return pa.array([Decimal(v) for v in values], pa.decimal128(20, 6))
        return pa.array([v or None for v in values], pa.string())

    table = pa.table({name: col(name) for name in COLUMNS})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
