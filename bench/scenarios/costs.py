"""A FOCUS billing export of 1,000,000 rows (100,000 in quick mode) imported as a person does.

- **Attest**: ``manage.py import_costs <file> --as <compliance officer>`` in a process of its
  own on the bench database: streamed parse, match to models by tag, PostgreSQL COPY, the
  replacement of earlier rows, the audit event, one transaction. Reported: rows/s over the
  import call and the process's peak resident memory (``ru_maxrss``), beside its resident
  memory before the import began (Django, the app and its libraries loaded).
- **Floor**: ``pandas.read_csv`` of the same file in a process of its own, with the date
  columns parsed and the amounts as numbers: reading the file into memory and nothing else, no
  matching, no database. What no importer of that file can beat by much on this machine.

The file: FOCUS 1.0 columns (https://focus.finops.org/focus-specification/v1-0/), 200 models
tagged by ``ATTEST_COST_MODEL_TAG`` (``attest-model``) over 3 months and 4 billing accounts, one
row in 20 untagged (shared cost). After the import the scenario checks that each model's total
equals the sum written into the file, so a fast wrong import cannot pass.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from accounts.roles import Role
from bench import results
from bench.scenarios import _people
from catalog.models import ModelService
from usage.models import CostRow

MODELS = 200
COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeDescription",
    "ChargePeriodEnd", "ChargePeriodStart", "EffectiveCost", "ListCost", "ProviderName",
    "PublisherName", "ServiceCategory", "ServiceName", "Tags",
]  # fmt: skip
MONTHS = (("2026-08", 31), ("2026-09", 30), ("2026-10", 31))

ATTEST_IMPORT = """
import resource, sys, time
import django
django.setup()
from django.core.management import call_command
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
call_command("import_costs", sys.argv[1], "--as", sys.argv[2], verbosity=0)
seconds = time.perf_counter() - start
print("BENCH", seconds, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

PANDAS_FLOOR = """
import resource, sys, time
import pandas
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
frame = pandas.read_csv(
    sys.argv[1],
    parse_dates=["ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"],
    dtype={"BillingAccountId": str, "Tags": str},
)
rows = len(frame)
seconds = time.perf_counter() - start
print("BENCH", seconds, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rows)
"""


def write_export(path: Path, rows: int, names: list[str]) -> dict[str, Decimal]:
    """The FOCUS CSV, and the effective cost it holds per model (the check's expectation)."""
    rng = random.Random(20261207)  # noqa: S311 - bench data, not secrets
    expected: dict[str, Decimal] = defaultdict(Decimal)
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for i in range(rows):
            month, days = MONTHS[i % len(MONTHS)]
            day = 1 + (i // len(MONTHS)) % days
            hour = i % 24
            start = f"{month}-{day:02d}T{hour:02d}:00:00Z"
            end = f"{month}-{day:02d}T{hour:02d}:59:59Z"
            cents = rng.randrange(1, 50_000)
            amount = f"{cents // 100}.{cents % 100:02d}"
            name = names[rng.randrange(len(names))] if i % 20 else None
            if name:
                expected[name] += Decimal(amount)
            tags = json.dumps({"attest-model": name, "env": "prod"} if name else {"team": "x"})
            writer.writerow(
                [
                    amount,
                    f"acct-{i % 4}",
                    "Payments",
                    "EUR",
                    f"{month}-{days}T23:59:59Z",
                    f"{month}-01T00:00:00Z",
                    "Usage",
                    "ml.m5.xlarge hours",
                    end,
                    start,
                    amount,
                    amount,
                    "AWS",
                    "AWS",
                    "AI and Machine Learning",
                    "Amazon SageMaker",
                    tags,
                ]  # fmt: skip
            )
    return expected


def _run(stack, code: str, *args: str) -> list[float]:
    answer = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code, *args],
        env={**stack.env, "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if answer.returncode != 0:
        raise RuntimeError(f"import process failed:\n{answer.stderr[-4000:]}")
    # The command prints its own summary; the figures are on the line marked BENCH.
    marked = [line for line in answer.stdout.splitlines() if line.startswith("BENCH ")]
    if not marked:
        raise RuntimeError(f"no figures in the process's output:\n{answer.stdout[-2000:]}")
    return [float(v) for v in marked[-1].split()[1:]]


def run(stack) -> list[dict]:
    rows = 100_000 if stack.quick else 1_000_000
    team = _people.team("bench-costs", "Bench costs")
    officer = _people.user("bench-costs-officer", role=Role.COMPLIANCE_OFFICER)
    names = [f"cost-model-{n:03d}" for n in range(MODELS)]
    existing = set(ModelService.objects.filter(name__in=names).values_list("name", flat=True))
    ModelService.objects.bulk_create(
        [ModelService(name=n, owner_team=team) for n in names if n not in existing]
    )
    path = stack.workdir / f"focus-{rows}.csv"
    results.progress(f"costs: writing a {rows:,}-row FOCUS export")
    expected = write_export(path, rows, names)
    size_mb = path.stat().st_size / 1e6

    results.progress("costs: importing it with manage.py import_costs")
    seconds, rss_before_kb, rss_peak_kb = _run(stack, ATTEST_IMPORT, str(path), officer.username)[
        :3
    ]
    got = dict(
        CostRow.objects.filter(model_service__name__in=names)
        .values_list("model_service__name")
        .annotate(total=Sum("amount"))
    )
    wrong = [n for n, total in expected.items() if got.get(n) != total]
    if wrong or CostRow.objects.filter(cost_import__file_name=path.name).count() != rows:
        raise AssertionError(f"import totals differ from the file for {wrong[:5]}")

    results.progress("costs: the floor, pandas.read_csv of the same file")
    floor_seconds, floor_before_kb, floor_peak_kb, floor_rows = _run(stack, PANDAS_FLOOR, str(path))
    if int(floor_rows) != rows:
        raise AssertionError(f"pandas read {floor_rows} rows, not {rows}")
    time.sleep(0)
    detail = {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "models": MODELS,
        "import_seconds": round(seconds, 1),
        "attest_rss_before_import_mb": round(rss_before_kb / 1024, 1),
        "floor_seconds": round(floor_seconds, 1),
        "floor_rss_before_read_mb": round(floor_before_kb / 1024, 1),
        "checked": "every model's total equals the file's",
    }
    label = f"{rows:,}"
    return [
        results.row(
            "costs",
            f"FOCUS import, {label} CSV rows ({size_mb:.0f} MB)",
            "rows/s",
            rows / seconds,
            peer=rows / floor_seconds,
            peer_name="pandas.read_csv of the same file (parse only, no database)",
            better="higher",
            detail=detail,
        ),
        results.row(
            "costs",
            f"FOCUS import, {label} rows: peak resident memory of the process",
            "MB",
            rss_peak_kb / 1024,
            peer=floor_peak_kb / 1024,
            peer_name="pandas.read_csv of the same file",
            better="lower",
            detail=detail,
        ),
    ]
