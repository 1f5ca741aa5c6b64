"""Fixtures of the hostile-input tests."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken

EVERY_SCOPE = list(ApiToken.Scope.values)


@pytest.fixture
def api(api_token, personas, owned_model):
    """The owning team's model owner with a token of every scope."""
    token = api_token(scopes=EVERY_SCOPE, user=personas.owner)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")
