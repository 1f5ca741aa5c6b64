"""Who may read which generated document: every permission predicate of documents, written once.

Documents about a model follow the model's visibility (catalog/access.py); portfolio reports are
for their requester and the portfolio roles."""

from __future__ import annotations

from accounts.roles import PORTFOLIO_ROLES, has_role


def can_read_every_portfolio_report(user) -> bool:
    """The portfolio roles read every portfolio report; others only their own."""
    return has_role(user, *PORTFOLIO_ROLES)
