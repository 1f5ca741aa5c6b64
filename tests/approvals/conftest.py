"""Fixtures shared with the catalog tests: a real MLflow server, its registry source, and
signed webhook deliveries (tests/catalog/conftest.py)."""

from tests.catalog.conftest import deliver, mlflow_server, registry  # noqa: F401
