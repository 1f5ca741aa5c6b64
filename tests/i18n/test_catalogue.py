"""The German catalogue is complete: every entry translated, none fuzzy, and it compiles with
msgfmt's format checks (a translation that drops or renames a %(placeholder)s fails here, not
as a KeyError on a German page)."""

from __future__ import annotations

import re
import shutil
import subprocess

import polib
from django.core.management import call_command

from tests.i18n.catalogue import PO, ROOT


def test_german_catalogue_compiles_with_format_checks(tmp_path):
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check-format", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # GNU msgfmt's statistics line: "N translated messages[, N fuzzy translations][, N
    # untranslated messages]." (on stderr).
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


def test_german_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert not po.metadata_is_fuzzy, "the header is still marked fuzzy"
    assert po.metadata.get("Language") == "de"
    plural = [e.msgid for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not plural, f"plural forms missing: {plural[:5]}"


def test_german_translations_keep_every_placeholder():
    """msgfmt checks only entries xgettext flagged python-format; this checks all of them."""
    placeholder = re.compile(r"%\([a-z_]+\)[sdrg]|%\([a-z_]+\)\d*[dX]|%%")
    po = polib.pofile(str(PO))
    wrong = []
    for e in po.translated_entries():
        wanted = sorted(set(placeholder.findall(e.msgid)))
        forms = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for text in forms:
            if sorted(set(placeholder.findall(text))) != wanted:
                wrong.append((e.msgid, text))
    assert not wrong, wrong[:5]


IGNORED = [".venv", "node_modules", "var", "test-output", "tests", "bench", "docs"]


def test_the_catalogue_holds_every_string_the_code_marks(tmp_path, settings, monkeypatch):
    """Extracted afresh from a copy of the templates and the code (makemessages writes into
    the locale directory above the files it reads, so it runs on the copy), every
    translatable string must already be in locale/de: `make messages` was run."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED, ".git", "locale", "*.pyc", "static")
    )
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command(
        "makemessages", locale=["de"], no_location=True, ignore_patterns=IGNORED, verbosity=0
    )
    fresh = polib.pofile(str(copy / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = sorted(e.msgid for e in fresh if e.msgid and (e.msgctxt, e.msgid) not in ours)
    assert fresh.translated_entries() == [] and len(fresh) > 500  # a real extraction
    assert not missing, (
        f"{len(missing)} strings missing from locale/de (make messages): {missing[:8]}"
    )
