"""Reading FinOps FOCUS billing exports (1.0 and later), CSV or Parquet, as a stream of rows.

Pure: no ORM. The column names are FOCUS's Column IDs (FOCUS 1.0, "Columns":
https://focus.finops.org/focus-specification/v1-0/ and
https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec/tree/main/specification/columns).
Every column read here but ``Tags`` is Mandatory in FOCUS 1.0; ``Tags`` is Conditional (present
when the provider supports tags), a JSON object in Key-Value Format, so a file without it is a
FOCUS file whose every row is unmatched cost.

Dates are FOCUS Date/Time values (ISO 8601, UTC); a value without an offset is read as UTC.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BILLING_ACCOUNT_ID = "BillingAccountId"
BILLING_CURRENCY = "BillingCurrency"
CHARGE_PERIOD_START = "ChargePeriodStart"
CHARGE_PERIOD_END = "ChargePeriodEnd"
EFFECTIVE_COST = "EffectiveCost"
BILLED_COST = "BilledCost"
SERVICE_NAME = "ServiceName"
TAGS = "Tags"
COST_COLUMNS = (EFFECTIVE_COST, BILLED_COST)
REQUIRED = (BILLING_ACCOUNT_ID, BILLING_CURRENCY, CHARGE_PERIOD_START, CHARGE_PERIOD_END)
PARQUET_MAGIC = b"PAR1"
MAX_REPORTED = 20  # row errors named in one answer
CURRENCY = re.compile(r"^[A-Z]{3}$")  # ISO 4217 alphabetic code


class FocusError(Exception):
    """The file is not a FOCUS file we can read, or some of its rows are wrong.

    ``errors`` maps a column or ``row <n>`` to what is wrong there (n counts data rows from 1).
    """

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


@dataclass(frozen=True)
class FocusRow:
    billing_account_id: str
    charge_period_start: datetime
    charge_period_end: datetime
    currency: str
    amount: Decimal
    tags: dict[str, Any]
    service_name: str

    @property
    def month(self) -> date:
        return self.charge_period_start.date().replace(day=1)


def file_sha256(stream: IO[bytes], chunk: int = 1 << 20) -> str:
    """The SHA-256 of the whole file, read in chunks; the stream is left at its start."""
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(chunk):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def required_columns(cost_column: str) -> tuple[str, ...]:
    return (*REQUIRED, cost_column)


def check_columns(names: list[str], cost_column: str) -> None:
    """Refuse a file that lacks a column the import needs, naming every missing one."""
    missing = [c for c in required_columns(cost_column) if c not in names]
    if missing:
        raise FocusError(
            _(
                "This is not a FOCUS billing file: required column(s) missing: %(columns)s. "
                "Export cost and usage in the FOCUS format (1.0 or later)."
            )
            % {"columns": ", ".join(missing)},
            {"file": [_("missing column: %(column)s") % {"column": c} for c in missing]},
        )


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError("empty")
        parsed = datetime.fromisoformat(text.replace(" UTC", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # FOCUS Date/Time values are UTC
    return parsed.astimezone(UTC)


def parse_tags(value: Any) -> dict[str, Any]:
    """The Tags column: a JSON object (CSV, or a Parquet string), or a Parquet map/struct."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list):  # a Parquet map arrives as a list of (key, value) pairs
        return {str(k): v for k, v in value}
    parsed = json.loads(str(value))
    if not isinstance(parsed, dict):
        raise ValueError(_("not a JSON object"))
    return parsed


def to_row(record: dict[str, Any], cost_column: str) -> FocusRow:
    """One FOCUS record as a row; ``ValueError`` naming the column on bad content."""
    account = str(record.get(BILLING_ACCOUNT_ID) or "").strip()
    if not account:
        raise ValueError(_("%(column)s is empty") % {"column": BILLING_ACCOUNT_ID})
    try:
        start = parse_datetime(record.get(CHARGE_PERIOD_START))
    except (TypeError, ValueError):
        raise ValueError(
            _("%(column)s is not a date/time") % {"column": CHARGE_PERIOD_START}
        ) from None
    try:
        end = parse_datetime(record.get(CHARGE_PERIOD_END))
    except (TypeError, ValueError):
        raise ValueError(
            _("%(column)s is not a date/time") % {"column": CHARGE_PERIOD_END}
        ) from None
    if end < start:
        raise ValueError(
            _("%(end)s is before %(start)s")
            % {"end": CHARGE_PERIOD_END, "start": CHARGE_PERIOD_START}
        )
    currency = str(record.get(BILLING_CURRENCY) or "").strip()
    if not CURRENCY.match(currency):
        raise ValueError(
            _("%(column)s %(value)s is not an ISO 4217 currency code (e.g. EUR)")
            % {"column": BILLING_CURRENCY, "value": repr(currency[:12])}
        )
    raw_amount = record.get(cost_column)
    try:
        amount = Decimal(str(raw_amount).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(
            _("%(column)s %(value)s is not a number")
            % {"column": cost_column, "value": repr(str(raw_amount)[:24])}
        ) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 13:
        raise ValueError(_("%(column)s is out of range") % {"column": cost_column})
    try:
        tags = parse_tags(record.get(TAGS))
    except (TypeError, ValueError):
        raise ValueError(_("%(column)s is not a JSON object") % {"column": TAGS}) from None
    return FocusRow(
        billing_account_id=account[:255],
        charge_period_start=start,
        charge_period_end=end,
        currency=currency,
        amount=amount,
        tags=tags,
        service_name=str(record.get(SERVICE_NAME) or "")[:255],
    )


def _csv_records(stream: IO[bytes], cost_column: str) -> Iterator[dict[str, Any]]:
    text = codecs.getreader("utf-8-sig")(stream, errors="strict")
    reader = csv.DictReader(text)
    try:
        names = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error):
        raise FocusError(_("The file is neither UTF-8 CSV nor Parquet.")) from None
    check_columns(list(names), cost_column)
    yield from reader


def _parquet_records(stream: IO[bytes], cost_column: str) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise FocusError(_("Parquet is not supported on this server; send CSV.")) from None
    try:
        parquet = pq.ParquetFile(stream)
    except Exception as exc:  # pyarrow raises many kinds for a broken file
        raise FocusError(
            _("The Parquet file cannot be read: %(error)s") % {"error": str(exc)[:200]}
        ) from None
    names = parquet.schema_arrow.names
    check_columns(names, cost_column)
    wanted = [c for c in (*required_columns(cost_column), SERVICE_NAME, TAGS) if c in names]
    try:
        for batch in parquet.iter_batches(batch_size=10_000, columns=wanted):
            yield from batch.to_pylist()
    except Exception as exc:
        raise FocusError(
            _("The Parquet file cannot be read: %(error)s") % {"error": str(exc)[:200]}
        ) from None


def is_parquet(head: bytes) -> bool:
    return head[:4] == PARQUET_MAGIC


def read_rows(stream: IO[bytes], *, parquet: bool, cost_column: str) -> Iterator[FocusRow]:
    """Every row of the file, in order. Bad rows are collected (up to ``MAX_REPORTED``) and
    raised together as one ``FocusError`` once the file is read: nothing is guessed."""
    if cost_column not in COST_COLUMNS:
        raise FocusError(
            _("cost_column must be one of %(columns)s.") % {"columns": ", ".join(COST_COLUMNS)},
            {"cost_column": [_("choose %(columns)s") % {"columns": " or ".join(COST_COLUMNS)}]},
        )
    records = (
        _parquet_records(stream, cost_column) if parquet else _csv_records(stream, cost_column)
    )
    errors: dict[str, list[str]] = {}
    bad = 0
    index = 0
    try:
        for index, record in enumerate(records, start=1):  # noqa: B007
            if None in record:  # csv.DictReader: more fields than the header names
                error = "more fields than the header has"
            else:
                try:
                    yield to_row(record, cost_column)
                    continue
                except ValueError as exc:
                    error = str(exc)
            bad += 1
            if len(errors) < MAX_REPORTED:
                errors[f"row {index}"] = [error]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FocusError(
            _("The CSV cannot be read after row %(row)s: %(error)s")
            % {"row": index, "error": str(exc)[:200]}
        ) from None
    if errors:
        message = ngettext(
            "%(n)d row cannot be imported; nothing was imported. Fix it and send the file again.",
            "%(n)d rows cannot be imported; nothing was imported. Fix them and send the file "
            "again.",
            bad,
        ) % {"n": bad}
        if bad > MAX_REPORTED:
            message += " " + _("The first %(n)d are named.") % {"n": MAX_REPORTED}
        raise FocusError(
            message,
            errors,
        )
