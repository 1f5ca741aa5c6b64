"""The German catalogue, compiled for the tests that render German.

`make install` / `make install-test` compile it (compilemessages); a test run straight after
editing the .po (or on a fresh clone without `make`) compiles it here, so a German page never
silently falls back to English because a stale or missing .mo was loaded.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def ensure_compiled() -> None:
    """(Re)build django.mo when it is older than django.po, and forget loaded catalogues."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            ["msgfmt", "--check-format", "-o", str(MO), str(PO)],  # noqa: S607
            check=True,
            capture_output=True,
        )
        trans_real._translations = {}
        trans_real._default = None
