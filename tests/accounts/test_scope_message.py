"""A token without the scope an endpoint needs gets a 403 that names the scope (issue 20,
point 7): the pipeline's owner adds exactly that scope."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "url", "scope"),
    [
        ("post", "/api/v1/metrics/", "metrics:write"),
        ("get", "/api/v1/gate/?model=x&version=1&environment=production", "gate:read"),
    ],
)
def test_the_403_names_the_missing_scope(api_token, personas, method, url, scope):
    token = api_token(scopes=["catalog:read"], user=personas.owner)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = getattr(client, method)(url, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"This token lacks the scope this endpoint needs: {scope}."
    )
