"""The catalog both sides of the catalog benchmark hold: same names, teams, tiers, versions.

Fixed seed, so every run (and both Attest and the MLflow peer) gets exactly the same data.
Model ``i`` belongs to team ``i % teams``: a user in 3 of 50 teams sees 3/50 of the catalog.
Names read like a company's models (``fraud-detection-emea-00042``), so a name search hits
one domain in ``len(DOMAINS)``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

SEED = 20240610
DOMAINS = (
    "credit-scoring", "fraud-detection", "churn", "demand-forecast", "pricing",
    "recommendation", "search-ranking", "anomaly", "claims-triage", "document-ocr",
    "sentiment", "lead-scoring", "inventory", "route-planning", "credit-limit",
    "kyc-screening", "spam-filter", "image-qc", "speech-intent", "ltv",
)  # fmt: skip
REGIONS = ("emea", "amer", "apac", "global")
TIERS = ("minimal", "limited", "high", "unassessed")
TIER_WEIGHTS = (50, 25, 15, 10)
SEARCH_TERM = "fraud"  # one domain of 20: about 5 % of the catalog matches
FILTER_TIER = "high"
VERSIONS_PER_MODEL = 10
BASE_TIME_MS = 1_700_000_000_000  # registry clocks of the bulk-loaded data (Nov 2023)


@dataclass(frozen=True)
class CatalogModel:
    index: int
    name: str
    team: int
    risk_tier: str
    description: str


@dataclass(frozen=True)
class CatalogVersion:
    model: str
    version: int
    source: str
    run_id: str
    created_ms: int


def team_slug(team: int) -> str:
    return f"bench-team-{team:02d}"


def catalog_models(count: int, teams: int = 50) -> list[CatalogModel]:
    """``count`` models, deterministic for a given count."""
    rng = random.Random(SEED)  # noqa: S311 - benchmark data, not security
    models = []
    for i in range(count):
        domain, region = rng.choice(DOMAINS), rng.choice(REGIONS)
        tier = rng.choices(TIERS, weights=TIER_WEIGHTS)[0]
        models.append(
            CatalogModel(
                index=i,
                name=f"{domain}-{region}-{i:05d}",
                team=i % teams,
                risk_tier=tier,
                description=f"{domain.replace('-', ' ').capitalize()} model for {region}.",
            )
        )
    return models


def catalog_versions(model: CatalogModel, count: int = VERSIONS_PER_MODEL) -> list[CatalogVersion]:
    """Versions 1..count of one model, with deterministic run ids and registry clocks."""
    return [
        CatalogVersion(
            model=model.name,
            version=v,
            source=f"s3://bench-models/{model.name}/{v}",
            run_id=hashlib.md5(f"{model.name}/{v}".encode(), usedforsecurity=False).hexdigest(),
            created_ms=BASE_TIME_MS + model.index * 60_000 + v * 1_000,
        )
        for v in range(1, count + 1)
    ]
