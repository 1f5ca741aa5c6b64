import pytest

from tests.i18n.catalogue import ensure_compiled


@pytest.fixture(autouse=True, scope="session")
def _german_catalogue_compiled():
    ensure_compiled()
