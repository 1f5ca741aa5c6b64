"""Fixtures shared with the catalog tests: a real MLflow server, its registry source, and
signed webhook deliveries (tests/catalog/conftest.py); the portfolio report's world."""

from tests.catalog.conftest import deliver, mlflow_server, registry  # noqa: F401
from tests.documents.portfolio_world import portfolio_world  # noqa: F401
