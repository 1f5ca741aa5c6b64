"""S2: with 20,000 models and a user in 3 teams, list query counts do not grow with page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import ModelService, ModelServiceGroupPermission
from catalog.services import TEAM_PERMISSIONS, _permissions
from tests.factories import TeamFactory, UserFactory

MODELS = 20_000


@pytest.fixture
def big_catalog(db):
    teams = [TeamFactory(slug=f"scale-{i}") for i in range(10)]
    models = ModelService.objects.bulk_create(
        ModelService(name=f"m-{i:05d}", owner_team=teams[i % 10]) for i in range(MODELS)
    )
    permissions = _permissions(TEAM_PERMISSIONS)
    ModelServiceGroupPermission.objects.bulk_create(
        (
            ModelServiceGroupPermission(
                group_id=m.owner_team.group_id, permission=p, content_object=m
            )
            for m in models
            for p in permissions
        ),
        batch_size=5000,
    )
    return UserFactory(username="three-teams", roles=["model-owner"], teams=teams[:3])


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_query_count_is_independent_of_page_size_at_20k_models(big_catalog, client):
    api = APIClient()
    api.force_login(big_catalog)
    first = api.get("/api/v1/models/", {"page_size": 10}).json()
    assert first["count"] == 6_000  # 3 of 10 teams
    api_counts = {
        size: count_queries(lambda s=size: api.get("/api/v1/models/", {"page_size": s}))
        for size in (10, 100, 200)
    }
    assert len(set(api_counts.values())) == 1, api_counts

    client.force_login(big_catalog)
    page_counts = {
        size: count_queries(
            lambda s=size: client.get(reverse("catalog:model-list"), {"per_page": s})
        )
        for size in (10, 100)
    }
    assert len(set(page_counts.values())) == 1, page_counts
