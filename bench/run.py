"""The benchmark run: ``python bench/run.py [--quick] [--only catalog,ingest,...]``.

Starts the production-like stack (bench/stack.py), runs the scenarios in order (each is
``bench/scenarios/<name>.py`` exposing ``run(stack) -> list[dict]``), times each, and writes
``bench/results/<date>[-quick].json`` and ``.md`` with the machine it ran on. A scenario that
raises is recorded in the results and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402
from bench.pg import postgres_version  # noqa: E402
from bench.stack import running_stack  # noqa: E402

SCENARIOS = ("catalog", "ingest", "gate", "audit", "documents", "costs")
OUT_DIR = ROOT / "bench" / "results"


def _machine() -> dict:
    cpu_model, memory_gb = platform.processor() or "?", None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gb": memory_gb, "cpu_model": cpu_model}


def _git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def _mlflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mlflow")
    except PackageNotFoundError:
        return "not installed"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data; about 5 minutes")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}"
    )
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {SCENARIOS}")
    args.only = [name for name in SCENARIOS if name in args.only]
    return args


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # clean up as on Ctrl-C
    mode = "quick" if args.quick else "full"
    meta = {
        "mode": mode,
        "scenarios_requested": args.only,
        "partial": args.only != list(SCENARIOS),
        "machine": _machine(),
        "python": platform.python_version(),
        "postgresql": postgres_version(),
        "mlflow": _mlflow_version(),
        "git_commit": _git_commit(),
        "started": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "wall_seconds": {},
        "errors": {},
    }
    rows: list[dict] = []
    results.progress(f"{mode} run of {', '.join(args.only)}; starting the stack")
    with running_stack(quick=args.quick) as stack:
        results.progress(f"stack up: gunicorn {stack.base_url}, database {stack.db_name}")
        for name in args.only:
            results.progress(f"== {name}")
            start = time.monotonic()
            try:
                scenario = importlib.import_module(f"bench.scenarios.{name}")
                new_rows = scenario.run(stack)
                rows.extend(new_rows)
                results.progress(f"== {name} done: {len(new_rows)} figures")
            except Exception:
                meta["errors"][name] = traceback.format_exc()
                results.progress(f"== {name} FAILED:\n{meta['errors'][name]}")
            meta["wall_seconds"][name] = round(time.monotonic() - start, 1)
    meta["finished"] = datetime.now(tz=UTC).isoformat(timespec="seconds")
    json_path, md_path = results.write(rows, meta, OUT_DIR)
    results.print_summary(rows)
    print(f"\nwrote {json_path} and {md_path}")
    if meta["errors"]:
        print(f"failed: {', '.join(meta['errors'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
