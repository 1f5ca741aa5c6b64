"""The usage and cost pages in German (issue 21): a model's usage and cost, and the portfolio
report, with ``Accept-Language: de``; amounts with the German decimal comma. Plus the check
that the German catalogue translates every message of the catalog, risk, monitoring and usage
areas (templates and Python), with no fuzzy entry left."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.i18n.german_areas import (  # noqa: F401
    area_msgids,
    assert_german,
    catalogue,
    german_catalogue,
    german_client,
    localized_svg_numbers,
)
from tests.usage.test_report import month_of_data  # noqa: F401

DATA = ("Credit Risk", "Fraud", "credit-scoring", "churn", "production", "owner")


@pytest.fixture
def de(client_for):
    return lambda user: german_client(client_for(user))


@pytest.mark.django_db
@pytest.mark.usefixtures("german_catalogue")
def test_model_usage_page_in_german(personas, month_of_data, de, time_machine):  # noqa: F811
    time_machine.move_to("2026-11-15T12:00:00Z")
    response = de(personas.owner).get(reverse("usage:model-usage", args=[month_of_data.pk]))
    assert localized_svg_numbers(response.content.decode()) == []
    assert_german(
        response,
        "Nutzung und Kosten: credit-scoring",
        "Woher die Nutzungsdaten kommen",
        "Monat für Monat",
        "Kosten je 1.000 Vorhersagen",
        "12,01 EUR",  # the German decimal comma
        "1,50 USD",
        "3,00 EUR",  # per 1,000 predictions
        "1,00 %",  # the error rate
        "Anfragen je Monat",
        data=DATA,
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("german_catalogue")
def test_usage_report_in_german(personas, month_of_data, de):  # noqa: F811
    text = assert_german(
        de(personas.compliance).get(reverse("usage:report"), {"month": "2026-10"}),
        "Nutzung und Kosten, Oktober 2026",
        "CSV herunterladen",
        "Modelle mit den höchsten Kosten (EUR)",
        "Meistgenutzte Modelle",
        "Hochrisiko-Modelle nach Nutzung",
        "Nicht zugeordnete Kosten",
        "3,33 EUR",
        data=(*DATA, "compliance"),
    )
    assert "4000 Anfragen" in text


@pytest.mark.django_db
@pytest.mark.usefixtures("german_catalogue")
def test_usage_report_error_in_german(personas, de):
    response = de(personas.compliance).get(reverse("usage:report"), {"month": "Oktober"})
    assert "Geben Sie den Monat als JJJJ-MM an, z. B. 2026-10." in response.content.decode()


def test_every_message_of_these_areas_has_a_checked_german_translation():
    """Every msgid extracted from the catalog, risk, monitoring and usage templates and
    Python files is in django.po, translated (each plural form) and not fuzzy."""
    wanted = area_msgids()
    assert len(wanted) > 900  # the extraction found the areas' messages at all
    entries = {(e.msgctxt, e.msgid): e for e in catalogue()}
    missing = sorted(f"{path}: {key[1]!r}" for key, path in wanted.items() if key not in entries)
    assert not missing, "not in django.po (run makemessages):\n" + "\n".join(missing)
    bad = sorted(
        f"{path}: {key[1]!r}"
        for key, path in wanted.items()
        if "fuzzy" in entries[key].flags
        or not entries[key].translated()
        or (entries[key].msgid_plural and not all(entries[key].msgstr_plural.values()))
    )
    assert not bad, "untranslated or fuzzy in django.po:\n" + "\n".join(bad)


def test_translations_keep_their_placeholders():
    """A translation names the same %(name)s placeholders as its English text, so that
    Django never raises KeyError while rendering a German page."""
    import re

    wanted = area_msgids()
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for entry in catalogue():
        if (entry.msgctxt, entry.msgid) not in wanted:
            continue
        english = set(placeholder.findall(entry.msgid))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in forms:
            german = set(placeholder.findall(text))
            # a singular may say "1" instead of naming the count; nothing else may be missing
            if german - english or (english - german) - {"n", "count"}:
                wrong.append(f"{entry.msgid!r} → {text!r}")
    assert not wrong, "\n".join(wrong)
