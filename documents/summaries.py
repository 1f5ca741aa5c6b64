"""What the document page says about a document's content without opening it: the Annex IV
completeness (items present and missing) and the portfolio report's scope (teams, models,
period). Taken from the composed data when the document is rendered — the same data the
inputs hash is over and the PDF embeds as document-data.json — and stored with the document,
so the page shows what this revision holds, not what the records say today.
Pure module: no ORM."""

from __future__ import annotations

ANNEX_IV = "annex_iv"
PORTFOLIO = "portfolio"


def summary(kind: str, data: dict) -> dict:
    """The page's summary of one document's composed ``data`` (empty for other kinds)."""
    if kind == ANNEX_IV:
        completeness = data["completeness"]
        return {
            "annex_iv": {
                "present": completeness["present"],
                "required": completeness["required"],
                "missing": completeness["missing"],
                "percent": completeness["percent"],
                "missing_items": [
                    {"ref": item["ref"], "title": item["title"]}
                    for item in data["items"]
                    if not item["present"]
                ],
            }
        }
    if kind == PORTFOLIO:
        scope, totals = data["scope"], data["totals"]
        return {
            "portfolio": {
                "team": scope["team_name"] or "",
                "since": scope["since"] or "",
                "as_of": scope["as_of"],
                "models": totals["models"],
                "teams": [team["name"] for team in data["teams"]],
            }
        }
    return {}
