"""Identity-provider groups → Attest roles and teams. Pure: no ORM, no settings at import.

The mapping is JSON (``ATTEST_SSO_GROUP_MAP``), one entry per provider group::

    {"attest-admins": {"roles": ["admin"]},
     "ml-credit-risk": {"roles": ["model-owner"], "teams": ["credit-risk"]},
     "credit-model-reviewers": {"roles": ["reviewer"], "reviews": ["credit-risk"]}}

``reviews`` puts the user in those teams' reviewer pools (they see the team's models and
decide on its requests). Groups not in the mapping grant nothing. The result replaces the
user's roles and teams on every sign-in, so removing a group at the provider removes what it
granted; reviewer pools are replaced the same way once any group of the mapping has
``reviews`` (until then pools stay as administrators set them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from accounts.roles import Role


class GroupMapError(ValueError):
    """The mapping is not valid JSON of the documented shape."""


@dataclass(frozen=True)
class Grants:
    roles: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)
    reviews: frozenset[str] = field(default_factory=frozenset)  # teams whose pool


def parse_group_map(raw: str) -> dict[str, Grants]:
    """Parse and validate the mapping; raise ``GroupMapError`` naming what is wrong."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GroupMapError(f"ATTEST_SSO_GROUP_MAP is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise GroupMapError("ATTEST_SSO_GROUP_MAP must be a JSON object of group → grants.")
    parsed: dict[str, Grants] = {}
    for group, grants in data.items():
        if not isinstance(grants, dict) or set(grants) - {"roles", "teams", "reviews"}:
            raise GroupMapError(
                f"Group {group!r}: give an object with 'roles', 'teams' and/or 'reviews'."
            )
        roles, teams = grants.get("roles", []), grants.get("teams", [])
        reviews = grants.get("reviews", [])
        lists = (roles, teams, reviews)
        if not all(isinstance(x, list) for x in lists) or not all(
            isinstance(x, str) for x in [*roles, *teams, *reviews]
        ):
            raise GroupMapError(f"Group {group!r}: roles, teams and reviews are lists of strings.")
        unknown = sorted(set(roles) - set(Role.values))
        if unknown:
            raise GroupMapError(f"Group {group!r}: unknown role(s) {unknown}; use {Role.values}.")
        parsed[group] = Grants(
            roles=frozenset(roles), teams=frozenset(teams), reviews=frozenset(reviews)
        )
    return parsed


def grants_for(groups: list[str] | str | None, group_map: dict[str, Grants]) -> Grants:
    """Union of the grants of every mapped group the user belongs to."""
    if isinstance(groups, str):
        groups = [groups]
    roles: set[str] = set()
    teams: set[str] = set()
    reviews: set[str] = set()
    for group in groups or []:
        grants = group_map.get(str(group))
        if grants:
            roles |= grants.roles
            teams |= grants.teams
            reviews |= grants.reviews
    return Grants(roles=frozenset(roles), teams=frozenset(teams), reviews=frozenset(reviews))


def manages_reviewer_pools(group_map: dict[str, Grants]) -> bool:
    """Whether the mapping decides reviewer pools (some group grants ``reviews``)."""
    return any(grants.reviews for grants in group_map.values())
