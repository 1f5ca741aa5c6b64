"""The dependency chain of ARCHITECTURE.md holds, and the check would catch a break.

``lint-imports`` (import-linter, configured in pyproject.toml) runs in ``make lint``; these tests
run it on the real tree and on a copy of it into which one import back up the chain is added,
to show that the contract fails when it should.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "common",
    "audit",
    "accounts",
    "catalog",
    "risk",
    "approvals",
    "monitoring",
    "usage",
    "documents",
    "notifications",
    "portal",
    "governance",
]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


@pytest.fixture
def tree_copy(tmp_path):
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_the_dependency_chain():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "upward_import", "contract"),
    [
        ("catalog/_probe.py", "import approvals.selectors", "Apps import only the apps"),
        ("risk/_probe.py", "from approvals import services", "Apps import only the apps"),
        ("monitoring/_probe.py", "from documents import charts", "Apps import only the apps"),
        ("usage/_probe.py", "from documents import services", "Apps import only the apps"),
        ("monitoring/_probe.py", "import usage.selectors", "Apps import only the apps"),
        ("audit/_probe.py", "import accounts.roles", "The audit log imports no app"),
        ("portal/_probe.py", "import governance.migrations", "Nothing imports governance"),
    ],
)
def test_an_import_back_up_the_chain_breaks_the_lint(tree_copy, module, upward_import, contract):
    (tree_copy / module).write_text(f'"""Probe."""\n\n{upward_import}  # noqa\n')
    result = _lint(tree_copy)
    assert result.returncode != 0, result.stdout
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
