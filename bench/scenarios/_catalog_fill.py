"""Attest's side of the catalog benchmark data, bulk-inserted (bench/dataset.py: same names,
teams, tiers and versions as the MLflow peer gets).

Teams, the benchmark user and its token go through the services (a few audited rows); the
10,000 models, 100,000 versions and the owning teams' object permissions go in with
``bulk_create``, as tests/catalog/test_scale.py does: the rows the services would have written,
without 100,000 audit events nobody reads here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

from accounts import services as account_services
from accounts.models import Team, User
from accounts.roles import Role
from bench import dataset
from catalog.models import ModelService, ModelServiceGroupPermission, ModelVersion
from catalog.services import TEAM_PERMISSIONS, _permissions, registry_source_create

TEAMS = 50
USER_TEAMS = 3  # the benchmark user's teams: sees 3/50 of the catalog


@dataclass
class AttestCatalog:
    user: User
    token: str
    visible: list[tuple[str, str]]  # (model id, name) of some models the user sees


def _ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _teams() -> list[Team]:
    return [
        account_services.team_create(
            actor=None, name=f"Bench team {i:02d}", slug=dataset.team_slug(i)
        )
        for i in range(TEAMS)
    ]


def _reader(teams: list[Team]) -> tuple[User, str]:
    user = User.objects.create_user("bench-reader", email="bench-reader@example.com")
    account_services.user_role_grant(actor=None, user=user, role=Role.MODEL_OWNER)
    for team in teams[:USER_TEAMS]:
        account_services.team_member_add(actor=None, team=team, user=user)
    _, token = account_services.api_token_create(
        actor=None, user=user, name="bench", scopes=["catalog:read"], expires_in_days=1
    )
    return user, token


def fill(models: list[dataset.CatalogModel], registry_url: str, progress) -> AttestCatalog:
    """Build the catalog: teams, reader, registry source, models, versions, permissions."""
    teams = _teams()
    user, token = _reader(teams)
    source = registry_source_create(
        actor=None,
        kind="mlflow",
        slug="bench-catalog",
        base_url=registry_url,
        secret=secrets.token_urlsafe(24),
    )
    rows = ModelService.objects.bulk_create(
        (
            ModelService(
                name=m.name,
                owner_team=teams[m.team],
                description=m.description,
                risk_tier=m.risk_tier,
                lifecycle_status=ModelService.Lifecycle.PRODUCTION,
                registry_source=source,
                registry_name=m.name,
                registry_description=m.description,
                registry_tags={"risk_tier": m.risk_tier, "team": dataset.team_slug(m.team)},
                registry_created_at=_ms(dataset.BASE_TIME_MS + m.index * 60_000),
                registry_updated_at=_ms(dataset.BASE_TIME_MS + m.index * 60_000),
            )
            for m in models
        ),
        batch_size=2000,
    )
    progress(f"attest: {len(rows):,} models inserted")
    by_name = {row.name: row for row in rows}
    total = 0
    for start in range(0, len(models), 2000):
        chunk = [
            ModelVersion(
                model_service=by_name[m.name],
                version=str(v.version),
                version_number=v.version,
                source_uri=v.source,
                run_id=v.run_id,
                tags={"framework": "sklearn"},
                registry_created_at=_ms(v.created_ms),
                registry_updated_at=_ms(v.created_ms),
            )
            for m in models[start : start + 2000]
            for v in dataset.catalog_versions(m)
        ]
        ModelVersion.objects.bulk_create(chunk, batch_size=5000)
        total += len(chunk)
    progress(f"attest: {total:,} versions inserted")
    permissions = _permissions(TEAM_PERMISSIONS)
    ModelServiceGroupPermission.objects.bulk_create(
        (
            ModelServiceGroupPermission(
                group_id=teams[m.team].group_id, permission=p, content_object=by_name[m.name]
            )
            for m in models
            for p in permissions
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    visible = [(str(by_name[m.name].pk), m.name) for m in models if m.team < USER_TEAMS]
    progress(f"attest: permissions granted; the reader sees {len(visible):,} models")
    return AttestCatalog(user=user, token=token, visible=visible)
