"""Personas and shared fixtures.

Personas (STYLE.md): owner and teammate (model owners of the owning team), outsider (a model
owner of another team), reviewer, compliance officer, auditor, viewer, admin, and a CI bot with
an API token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import services as account_services
from accounts.models import ApiToken, Team, User
from tests.factories import ModelServiceFactory, TeamFactory, UserFactory

# Broker-outage fixtures (redis_broker, running_broker).
pytest_plugins = ["tests.brokers"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in
# a thread with a running loop unless told this is fine (it is: the loop belongs to Playwright).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_audit_checkpoints(settings, tmp_path):
    """The checkpoint file lives outside the database: give every test its own."""
    settings.ATTEST_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")


@dataclass
class Personas:
    """Who is who (the team owns ``owned_model``):

    owner, teammate   model owners in the owning team
    other_owner       model owner in another team
    reviewer          reviewer in the owning team's reviewer pool
    other_reviewer    reviewer in no pool
    compliance        compliance officer (sees the whole portfolio)
    auditor           auditor (sees the whole portfolio, read-only)
    viewer            stakeholder with the viewer role and nothing shared yet
    outsider          signed-in user with no role and no team
    admin             admin role
    ci_bot            service account in the owning team (API tokens)
    """

    team: Team
    other_team: Team
    owner: User
    teammate: User
    other_owner: User
    reviewer: User
    other_reviewer: User
    compliance: User
    auditor: User
    viewer: User
    outsider: User
    admin: User
    ci_bot: User


@pytest.fixture
def personas(db) -> Personas:
    team = TeamFactory(name="Credit Risk", slug="credit-risk")
    other = TeamFactory(name="Fraud", slug="fraud")
    reviewer = UserFactory(username="reviewer", roles=["reviewer"])
    team.reviewers.add(reviewer)
    return Personas(
        team=team,
        other_team=other,
        owner=UserFactory(username="owner", roles=["model-owner"], teams=[team]),
        teammate=UserFactory(username="teammate", roles=["model-owner"], teams=[team]),
        other_owner=UserFactory(username="other-owner", roles=["model-owner"], teams=[other]),
        reviewer=reviewer,
        other_reviewer=UserFactory(username="other-reviewer", roles=["reviewer"]),
        compliance=UserFactory(username="compliance", roles=["compliance-officer"]),
        auditor=UserFactory(username="auditor", roles=["auditor"]),
        viewer=UserFactory(username="viewer", roles=["viewer"]),
        outsider=UserFactory(username="outsider"),
        admin=UserFactory(username="admin", roles=["admin"]),
        ci_bot=UserFactory(username="ci-bot", is_service_account=True, teams=[team]),
    )


@pytest.fixture
def owned_model(personas):
    """A catalog entry owned by the personas' team."""
    return ModelServiceFactory(name="credit-scoring", owner_team=personas.team)


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user`` (anonymous for ``None``)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_token(personas):
    """``api_token(scopes=[...], user=...)``: a real token string for the Bearer header."""

    def make(scopes=(ApiToken.Scope.CATALOG_READ,), user=None, days=30) -> str:
        _, token = account_services.api_token_create(
            actor=None,
            user=user or personas.ci_bot,
            name="test",
            scopes=list(scopes),
            expires_in_days=days,
        )
        return token

    return make
