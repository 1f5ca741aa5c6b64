"""The German catalogue entries of the catalog, risk, monitoring and usage areas.

``area_msgids`` extracts the messages of those areas' own files the way ``makemessages`` does
(templates through Django's ``templatize``, then GNU ``xgettext`` with Django's keywords), so a
test can hold ``locale/de/LC_MESSAGES/django.po`` to a complete, checked German translation of
exactly these areas, whatever other areas still lack.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"

TEMPLATE_DIRS = ("templates/catalog", "templates/risk", "templates/usage", "templates/monitoring")
APPS = ("catalog", "risk", "monitoring", "usage")
# risk/rulesets/ and risk/frameworks/ are data files another part of issue 21 translates.
EXCLUDED = ("risk/rulesets/", "risk/frameworks/", "/migrations/")

# The keywords makemessages passes to xgettext (django/core/management/commands/makemessages.py).
KEYWORDS = (
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
)


def area_files() -> list[Path]:
    files = [p for d in TEMPLATE_DIRS for p in sorted((ROOT / d).glob("*.html"))]
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if not any(part in rel for part in EXCLUDED):
                files.append(path)
    return files


def area_msgids() -> dict[tuple[str | None, str], str]:
    """``{(msgctxt, msgid): file}`` for every translatable message of the areas."""
    found: dict[tuple[str | None, str], str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for i, path in enumerate(area_files()):
            if path.suffix == ".html":
                target = Path(tmp) / f"t{i}.py"
                target.write_text(templatize(path.read_text(), origin=str(path)))
            else:
                target = path
            sources.append((target, path))
        out = Path(tmp) / "area.pot"
        for target, path in sources:
            subprocess.run(
                [
                    "xgettext",
                    "--language=Python",
                    "--from-code=UTF-8",
                    "--no-wrap",
                    *(f"--keyword={k}" for k in KEYWORDS),
                    "--output",
                    str(out),
                    str(target),
                ],
                check=True,
            )
            if out.exists():
                for entry in polib.pofile(str(out)):
                    found.setdefault(
                        (entry.msgctxt, entry.msgid), path.relative_to(ROOT).as_posix()
                    )
                out.unlink()
    return found


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_FILE))


# --- Rendering pages in German and reading what a person sees -------------------------------
@pytest.fixture(scope="session")
def german_catalogue():
    """Compile the catalogues (as the install steps do) and drop every catalogue Django has
    already loaded, so the pages are rendered from the ``.po`` file of this checkout."""
    call_command("compilemessages", locale=["de"], ignore_patterns=[".venv", "node_modules"])
    trans_real._translations = {}
    trans_real._default = None
    translation.activate("en")
    yield PO_FILE.with_suffix(".mo")
    translation.deactivate()


def german_client(client):
    """``client`` asking for German the way a browser does."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9,en;q=0.5"
    return client


# Words of the English UI that are not German words; any of them in a German page is an
# untranslated string. (Words both languages write alike, such as Team, Status, Version,
# Monitoring, Registry, Filter, Link, Name, Minimum, Kind or Last, cannot tell the two apart
# and are left out.)
ENGLISH = frozenset(
    """the and of to with for from is are not yet this your you by on at or no No None Yes Model
    Models Approve Save Cancel Add Edit Delete Search Catalog Alert Alerts Threshold Thresholds
    Incident Incidents Risk Obligation Obligations Evidence Request Requests Usage Cost Month
    Errors Latest Updated days since Open Owner Purpose Intended Limitations Training Versions
    version Registered Assessment Rule Due overdue stale Running running Resolve Acknowledge
    History Register Submit Draft Apply Clear Timeline Ownership Inbox Reconcile Disable
    Enable Deliveries Received Retry never none active retired Answers Result Reasons
    Frameworks Coverage Question Move Decline Accept Withdraw Why Comment Description Asked
    Offered Waiting Nothing Metric Metrics Occurrences Opened Resolved Severity Report
    Recertification Review Environment every Every  Largest Remove watching
    questionnaire Questionnaire Revision's Revisions Justification Note Proposed Confirm Return
    Unmatched""".split()  # noqa: SIM905
)

# Product, standard and technical names the German text keeps; removed before looking.
ALLOWED = (
    "Amazon SageMaker Model Registry",
    "Kubeflow Model Registry",
    "Vertex AI Model Registry",
    "SageMaker Model Package State Change",
    "Model Package Group",
    "Model Registries",
    "Model Registry",
    "Standard Webhooks",
    "Kubeflow Pipelines",
    "Vertex AI",
    "SageMaker",
    "Kubeflow",
    "MLflow",
    "Attest",
    "FOCUS",
    "CSV",
    "API key",
    "Basic Auth",
    "Custom Properties",
    "Application Default Credentials",
)

SKIPPED_TAGS = {"script", "style", "code", "pre", "kbd", "samp"}
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _VisibleText(HTMLParser):
    """The text of ``<main>`` a person reads or hears: text nodes and the labelling
    attributes, without code samples and without elements of ``skip_classes``."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr", "circle", "rect", "line", "path"}  # fmt: skip

    def __init__(self, skip_classes=()):
        super().__init__(convert_charrefs=True)
        self.skip_classes = set(skip_classes)
        self.in_main = False
        self.stack: list[tuple[str, bool]] = []  # open elements: does one hide its content?
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        classes = set((attrs.get("class") or "").split())
        hides = tag in SKIPPED_TAGS or bool(classes & self.skip_classes)
        if self.in_main and not self._hidden() and not hides:
            self.parts.extend(attrs[a] for a in ATTRIBUTES if attrs.get(a))
        if tag not in self.VOID:
            self.stack.append((tag, hides))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        # Close up to the matching element (HTML lets <p>, <li>... close implicitly).
        if any(open_tag == tag for open_tag, _hides in self.stack):
            while self.stack:
                if self.stack.pop()[0] == tag:
                    break

    def handle_data(self, data):
        if self.in_main and not self._hidden():
            self.parts.append(data)


def visible_text(html: str, *, skip_classes=()) -> str:
    """What a person reads in the page's ``<main>``, as one line."""
    parser = _VisibleText(skip_classes)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def interface_text(text: str, data=()) -> str:
    """``text`` without ``data`` (names of teams, people and models the test made: content,
    not the interface) and without the allowed product names."""
    for value in sorted({*data, *ALLOWED}, key=len, reverse=True):  # longest first
        text = text.replace(value, " ")
    return text


def localized_svg_numbers(html: str) -> list[str]:
    """SVG geometry written with a decimal comma (``x="56,0"``): browsers drop it, and the
    chart falls apart. Coordinates must stay numbers whatever the language."""
    return re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height)="-?\d+,\d+"', html)


def iso_dates(text: str) -> list[str]:
    """Dates written the English pages' way (2026-12-07) in a page's visible text: a German
    reader gets 07.12.2026 (config/formats/de). Machine values (``datetime`` attributes, form
    inputs, links) are not visible text and may stay ISO."""
    return re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)


def english_words(text: str) -> list[str]:
    # Whole words, compounds kept whole: "Versions-Alias" is German, "Versions" is not.
    return sorted({w.strip("-'") for w in re.findall(r"[^\W\d_][\w'-]*", text)} & ENGLISH)


def assert_german(response, *expected: str, status=200, skip_classes=(), data=()):
    """The page rendered, speaks German (``Content-Language: de``), shows ``expected`` and
    holds none of the English interface words."""
    assert response.status_code == status, response.status_code
    assert response.headers.get("Content-Language") == "de"
    html = response.content.decode()
    text = visible_text(html, skip_classes=skip_classes)
    rest = interface_text(text, data)
    found = english_words(rest)
    assert not found, f"English on the German page: {found}\n\n{rest}"
    dates = iso_dates(rest)
    assert not dates, f"ISO dates on the German page (07.12.2026 is German): {dates}\n\n{rest}"
    for phrase in expected:
        assert phrase in text, f"{phrase!r} missing from the German page:\n\n{text}"
    return text
