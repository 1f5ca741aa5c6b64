"""Who may do what with outgoing events: administrators manage every endpoint."""

from __future__ import annotations

from accounts.roles import is_admin


def can_manage_webhooks(user) -> bool:
    """Endpoints receive every team's governance events: administrators only."""
    return bool(getattr(user, "is_authenticated", False)) and is_admin(user)
