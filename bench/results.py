"""Benchmark figures: latency summaries, result rows, and the JSON + Markdown result files.

A row is one measured figure of Attest beside, where there is one, the same figure of its peer
measured in the same run (``ratio`` = attest / peer). ``better`` says which direction wins
("lower" for latencies and seconds, "higher" for rates), so a reader knows how to read the ratio.
"""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import UTC, datetime
from pathlib import Path


def _nearest_rank(ordered: list[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``percent`` % at or below it."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict:
    """p50/p95/p99 (nearest-rank, so every figure is a latency that was observed) and the mean,
    in milliseconds, of a list of durations in seconds."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    ordered = sorted(seconds)
    return {
        "n": len(ordered),
        "p50_ms": round(_nearest_rank(ordered, 50) * 1000, 2),
        "p95_ms": round(_nearest_rank(ordered, 95) * 1000, 2),
        "p99_ms": round(_nearest_rank(ordered, 99) * 1000, 2),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2),
    }


def _round(value: float | None) -> float | None:
    """Three significant figures at least, never more than 2 decimals above 1."""
    if value is None:
        return None
    if abs(value) >= 100:
        return round(value, 1)
    if abs(value) >= 1:
        return round(value, 2)
    return float(f"{value:.3g}")


def row(
    scenario: str,
    measure: str,
    unit: str,
    attest: float,
    *,
    peer: float | None = None,
    peer_name: str | None = None,
    better: str = "lower",
    detail: dict | None = None,
) -> dict:
    """One figure of the results table. ``ratio`` is attest / peer (None without a peer)."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
    ratio = attest / peer if peer not in (None, 0) and attest is not None else None
    return {
        "scenario": scenario,
        "measure": measure,
        "unit": unit,
        "attest": _round(attest),
        "peer": _round(peer),
        "peer_name": peer_name,
        "ratio": round(ratio, 2) if ratio is not None else None,
        "better": better,
        "detail": detail or {},
    }


def _figure(value, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,} {unit}".strip()


def markdown(rows: list[dict], meta: dict) -> str:
    """The results table as Markdown, headed by the machine it ran on."""
    machine = meta.get("machine", {})
    lines = [
        f"# Attest benchmark, {meta.get('mode', '?')} mode, {meta.get('started', '')[:10]}",
        "",
        f"Machine: {machine.get('cpu_model', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('memory_gb', '?')} GB; Python {meta.get('python', '?')}, "
        f"PostgreSQL {meta.get('postgresql', '?')}, MLflow {meta.get('mlflow', '?')}; "
        f"commit {meta.get('git_commit', '?')}.",
        "",
        "| Scenario | Measure | Attest | Peer | Peer figure | Ratio |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.2f}× ({r['better']} is better)" if r["ratio"] is not None else "—"
        lines.append(
            f"| {r['scenario']} | {r['measure']} | {_figure(r['attest'], r['unit'])} "
            f"| {r['peer_name'] or '—'} | {_figure(r['peer'], r['unit'])} | {ratio} |"
        )
    errors = meta.get("errors") or {}
    if errors:
        lines += ["", "Scenarios that failed:", ""]
        lines += [f"- {name}: {error.splitlines()[-1]}" for name, error in errors.items()]
    return "\n".join(lines) + "\n"


def write(rows: list[dict], meta: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write ``<YYYY-MM-DD>[-quick].json`` (meta + rows) and the Markdown table beside it.

    A run of only some scenarios (``meta["partial"]``) appends their names
    (``<date>-quick-only-catalog-ingest``), so it never overwrites a complete run's files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = datetime.now(tz=UTC).date().isoformat()
    if meta.get("mode") == "quick":
        stem += "-quick"
    if meta.get("partial"):
        stem += "-only-" + "-".join(meta.get("scenarios_requested", []))
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    md_path.write_text(markdown(rows, meta))
    return json_path, md_path


def print_summary(rows: list[dict]) -> None:
    """The results as an aligned plain-text table on stdout."""
    print()
    header = ("scenario", "measure", "attest", "peer", "ratio")
    table = [header] + [
        (
            r["scenario"],
            r["measure"],
            _figure(r["attest"], r["unit"]),
            f"{r['peer_name']}: {_figure(r['peer'], r['unit'])}" if r["peer_name"] else "",
            f"{r['ratio']:.2f}×" if r["ratio"] is not None else "",
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


_START = time.monotonic()


def progress(message: str) -> None:
    """One progress line on stdout, stamped with the seconds since the run started."""
    elapsed = time.monotonic() - _START
    print(f"[{elapsed:7.1f}s] {message}", flush=True)


class Ticker:
    """Thread-safe counter printing a progress line at most every ``every`` seconds."""

    def __init__(self, label: str, total: int, every: float = 10.0):
        self.label, self.total, self.every = label, total, every
        self.count, self.last = 0, time.monotonic()
        self.lock = threading.Lock()

    def tick(self) -> None:
        with self.lock:
            self.count += 1
            now = time.monotonic()
            if now - self.last >= self.every or self.count == self.total:
                self.last = now
                progress(f"{self.label}: {self.count:,}/{self.total:,}")
