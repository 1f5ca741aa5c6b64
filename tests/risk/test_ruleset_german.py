"""The rule sets in German (issue 21): every text people read has a German version, with the
terms and article citations of the official German text of Regulation (EU) 2024/1689, and the
rule set files (and so every recorded classification) stay what they were."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from risk import ruleset as rs
from risk.rules import classify
from tests.german import english_afterwards, german_catalogue  # noqa: F401
from tests.risk.test_risk import BASE

VERSIONS = sorted(rs.available())
# Texts German writes the same way: a bare article number ("Art. 9").
SAME_IN_GERMAN = re.compile(r"^Art\. \d+$")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_text_of_every_shipped_rule_set_has_a_german_text(version):
    ruleset = rs.get(version)
    catalogue = rs.translations("de")
    texts = rs.translatable_texts(ruleset)
    assert len(texts) > 150  # questions, help, choices, items, exceptions, obligations
    missing = [t for t in texts if t not in catalogue]
    assert not missing, f"{version}: no German text for {missing[:5]}"
    untranslated = [t for t in texts if catalogue[t] == t and not SAME_IN_GERMAN.match(t)]
    assert not untranslated, untranslated[:5]
    german = ruleset.localized("de")
    assert set(rs.translatable_texts(german)) <= set(catalogue.values())


def test_the_catalogue_has_no_entry_for_a_text_no_rule_set_uses():
    used = {t for v in VERSIONS for t in rs.translatable_texts(rs.get(v))}
    assert set(rs.translations("de")) - used == set()


def test_article_references_are_cited_as_the_german_text_writes_them():
    catalogue = rs.translations("de")
    assert catalogue["Annex III, point 5(b)"] == "Anhang III Nummer 5 Buchstabe b"
    assert catalogue["Art. 5(1)(h)"] == "Art. 5 Abs. 1 Buchstabe h"
    assert catalogue["Annex I, Section A, point 2"] == "Anhang I Abschnitt A Nummer 2"
    for english, german in catalogue.items():
        if re.match(r"^(Art\.|Annex)", english):
            assert "(" not in german.split(" (")[0], (english, german)  # no "6(3)" left
            assert "Annex" not in german and "point" not in german, german


def test_the_official_terms_are_used():
    german = " ".join(rs.translations("de").values())
    for term in (
        "Anbieter",
        "Betreiber",
        "Hochrisiko-KI-System",
        "Verbotene Praktiken im KI-Bereich",
        "Transparenzpflichten",
        "Konformitätsbewertung",
        "Technische Dokumentation",
        "schwerwiegender Vorfälle",
        "KI-Kompetenz",
        "Grundrechte-Folgenabschätzung",
        "Beobachtung nach dem Inverkehrbringen",
        "KI-Modell mit allgemeinem Verwendungszweck",
        "Sicherheitsbauteil",
        "Emotionserkennung",
    ):
        assert term in german, term


def test_the_2026_amendment_items_use_the_terms_the_german_act_uses():
    """The items of Regulation (EU) 2026/1744 (the new Art. 5 ban, the Art. 50(2) transition)
    are worded with the terms of the German text of 2024/1689 and of the EU's German texts on
    child sexual abuse, as the catalogue's note records with its sources."""
    catalogue = rs.translations("de")
    ban = [de for en, de in catalogue.items() if "sexual abuse" in en or "CSAM" in en]
    assert len(ban) >= 4
    for german in ban:
        assert "Darstellungen sexuellen Missbrauchs von Kindern" in german, german
        assert "Kindesmissbrauchs" not in german and "Kinderpornografie" not in german
    media = [de for en, de in catalogue.items() if "images, video or audio" in en]
    assert media and all("Bild-, Video- oder Audioinhalte" in de for de in media)
    assert not [de for de in catalogue.values() if "gültig ab" in de]  # the Act says "gilt ab"
    data = json.loads((settings.BASE_DIR / "risk/rulesets/translations/de.json").read_text())
    assert "2026/1744" in data["note"] and "COM(2024) 60" in data["note"]
    assert any("Omnibus" in source["title"] for source in data["sources"])


@pytest.mark.parametrize("version", VERSIONS)
def test_a_localized_rule_set_classifies_the_same_and_only_the_words_change(version):
    ruleset = rs.get(version)
    before = json.dumps(ruleset.data, sort_keys=True)
    answers = {**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True}
    english = classify(ruleset, answers)
    german = classify(ruleset.localized("de"), answers)
    assert json.dumps(ruleset.data, sort_keys=True) == before  # the file's data is untouched
    assert german.tier == english.tier == "high"
    assert [r.rule for r in german.reasons] == [r.rule for r in english.reasons]
    assert [o.code for o in german.obligations] == [o.code for o in english.obligations]
    assert [o.applies_from for o in german.obligations] == [
        o.applies_from for o in english.obligations
    ]
    titles = {o.code: o.title for o in german.obligations}
    assert titles["art9_risk_management"] == "Risikomanagementsystem"
    assert rs.get(version) is ruleset and ruleset.localized("en") is ruleset


def test_a_german_reason_cites_annex_iii_point_5_b():
    """The fraud-detection carve-out decides; its reason, worded from the German rule set,
    cites the point as the German text does."""
    answers = {**BASE, "annex_iii_use": "5b_credit_scoring", "annex_iii_5b_fraud_detection": True}
    ruleset = rs.get("2024-1689+2026-1744.v2")
    with translation.override("de"):
        result = classify(ruleset.localized(), answers)
    assert result.tier == "minimal"
    assert result.decided_by.article == "Anhang III Nummer 5 Buchstabe b"
    assert "Kreditwürdigkeitsprüfung zur Aufdeckung von Finanzbetrug" in result.decided_by.text
    english = classify(ruleset, answers)
    assert english.decided_by.article == "Annex III, point 5(b)"


def test_the_active_language_picks_the_text_and_english_is_the_fallback():
    ruleset = rs.current()
    with translation.override("de"):
        assert (
            ruleset.localized().question("role")["text"]
            == "Welche Rolle haben Sie bei diesem System?"
        )
        assert rs.localized_text("Art. 26(1)") == "Art. 26 Abs. 1"
        assert rs.localized_text("Not in the catalogue") == "Not in the catalogue"
    with translation.override("de-at"):
        austrian = ruleset.localized()
        assert austrian.options(austrian.question("role")) == [
            ("provider", "Anbieter"),
            ("deployer", "Betreiber"),
        ]
    with translation.override("en"):
        assert ruleset.localized() is ruleset
    assert ruleset.localized("fr") is ruleset  # no French catalogue: English
    assert rs.check(ruleset.localized("de")) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("german_catalogue", "english_afterwards")
def test_the_questionnaire_page_in_german_shows_german_questions(client_for, personas, owned_model):
    client = client_for(personas.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    page = client.get(reverse("risk:assessment-edit", args=[owned_model.pk])).content.decode()
    assert "Welche Rolle haben Sie bei diesem System?" in page
    assert "Verbotene Praktiken im KI-Bereich (Art. 5)" in page
    assert "Kreditwürdigkeitsprüfung und Bonitätsbewertung natürlicher Personen" in page
    assert "Anhang III Nummer 5 Buchstabe b" in page
    assert "What is your role for this system?" not in page
    assert 'value="5b_credit_scoring"' in page  # the values stay the rule set's ids


@pytest.mark.usefixtures("german_catalogue")
def test_german_reasons_are_worded_in_german_and_the_record_stays_english():
    """The code's part of a reason comes from the catalogue, the rule set's part from its German
    text; classifying with the rule set as loaded stays English whatever language is active."""
    answers = {**BASE, "annex_iii_use": "5b_credit_scoring"}
    ruleset = rs.get("2024-1689+2026-1744.v2")
    german = classify(ruleset.localized("de"), answers)
    assert german.decided_by.article == "Art. 6 Abs. 2, Anhang III Nummer 5 Buchstabe b"
    assert german.decided_by.text == (
        "Zweckbestimmung in Anhang III Nummer 5 (Grundlegende private und öffentliche Dienste "
        "und Leistungen): Kreditwürdigkeitsprüfung und Bonitätsbewertung natürlicher Personen."
    )
    with translation.override("de"):
        recorded = classify(ruleset, answers)
    assert recorded.decided_by.article == "Art. 6(2), Annex III, point 5(b)"
    assert recorded.decided_by.text.startswith("Intended use in Annex III area 5")


@pytest.mark.parametrize("framework_id", ["iso42001", "nist-ai-rmf"])
def test_every_framework_title_has_a_german_text_and_the_ids_stay(framework_id):
    from risk.frameworks import frameworks

    english, german = frameworks.get(framework_id, "en"), frameworks.get(framework_id, "de")
    catalogue = frameworks.translations("de")
    texts = [english.title, english.note] + [
        t for i in english.items for t in (i.title, i.group_title)
    ]
    assert [t for t in texts if t not in catalogue] == []
    assert [i.id for i in german.items] == [i.id for i in english.items]
    assert all(g.title != e.title for g, e in zip(german.items, english.items, strict=True))
    with translation.override("de"):
        assert frameworks.get(framework_id) == german
    with translation.override("en"):
        assert frameworks.get(framework_id) == english
    if framework_id == "iso42001":
        assert german.item("A.6.2.7").title == (
            "Technische Dokumentation für diejenigen bereithalten, die sie benötigen"
        )


def test_a_recorded_classification_is_shown_in_the_readers_language():
    from risk.rules import localized_result

    answers = {**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True}
    version = "2024-1689+2026-1744.v2"
    recorded = classify(rs.get(version), answers).as_dict()
    with translation.override("en"):
        assert localized_result(version, answers, recorded) is recorded
    with translation.override("de"):
        shown = localized_result(version, answers, recorded)
    assert shown["tier"] == recorded["tier"] == "high"
    assert [r["rule"] for r in shown["reasons"]] == [r["rule"] for r in recorded["reasons"]]
    assert shown["reasons"][0]["article"] == "Art. 6 Abs. 2, Anhang III Nummer 5 Buchstabe b"
    with translation.override("de"):  # answers the rule set cannot read: the record as it is
        assert localized_result(version, {"annex_iii_use": "no-such-use"}, recorded) is recorded
