"""The German catalogue compiled for tests that render German (issue 21).

``.mo`` files are build output (never committed): the session fixture compiles
``locale/de/LC_MESSAGES/django.po`` with Django's ``compilemessages`` and drops Django's cached
catalogues, so ``translation.override("de")`` reads the fresh one. Import the fixture into a test
module (``from tests.german import german_catalogue  # noqa: F401``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import reloader


@pytest.fixture(scope="session")
def german_catalogue():
    call_command("compilemessages", locale=["de"], ignore=[".venv", "node_modules"], verbosity=0)
    reloader.translation_file_changed(sender=None, file_path=Path("django.mo"))
    return "de"


@pytest.fixture
def english_afterwards():
    """A German page request leaves German active in the thread (LocaleMiddleware activates
    and never resets it); later tests expect the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
