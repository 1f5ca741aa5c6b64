"""The classifier, table-driven (pure: no database). Every row names the provision that must
decide, so a change in the rule set's data that moves a decision fails here.

The tables follow the current rule set (Regulation (EU) 2024/1689 as amended by Regulation
(EU) 2026/1744); each table is checked against the rule set so it cannot fall behind the data.
"""

import pytest

from risk import ruleset as rs
from risk.rules import classify

V2 = "2024-1689+2026-1744.v2"
RULES = rs.get(V2)
NEW5 = "Art. 5(1) (new point inserted by Reg. (EU) 2026/1744)"
BASE = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
}


def run(rules=RULES, **answers):
    cleaned, errors = rs.validate(rules, {**BASE, **answers}, complete=True)
    assert errors == {}, errors
    return classify(rules, cleaned)


def codes(result) -> dict[str, str]:
    return {o.code: o.applies_from for o in result.obligations}


def test_the_tables_follow_the_current_rule_set():
    assert rs.current().version == V2


# -- Art. 5 --------------------------------------------------------------------------------

ART5 = [
    ("5_1_a", "Art. 5(1)(a)", "2025-02-02"),
    ("5_1_b", "Art. 5(1)(b)", "2025-02-02"),
    ("5_1_c", "Art. 5(1)(c)", "2025-02-02"),
    ("5_1_d", "Art. 5(1)(d)", "2025-02-02"),
    ("5_1_e", "Art. 5(1)(e)", "2025-02-02"),
    ("5_1_f", "Art. 5(1)(f)", "2025-02-02"),
    ("5_1_g", "Art. 5(1)(g)", "2025-02-02"),
    ("5_1_h", "Art. 5(1)(h)", "2025-02-02"),
    ("5_1_ncii_csam", NEW5, "2026-12-02"),  # the practice added by Regulation (EU) 2026/1744
]


def test_the_art5_table_has_every_practice():
    assert [p for p, _, _ in ART5] == [p["id"] for p in RULES.data["prohibited_practices"]]


@pytest.mark.parametrize(("practice", "article", "applies_from"), ART5)
def test_each_art5_practice_is_prohibited(practice, article, applies_from):
    # Even an Annex III use with profiling does not matter once a practice is prohibited.
    result = run(
        prohibited_practices=[practice], annex_iii_use="5b_credit_scoring", profiles_persons=True
    )
    assert result.tier == "prohibited"
    assert result.decided_by.article == article
    assert f"{article} applies from {applies_from}." in result.notes
    assert [o.code for o in result.obligations] == ["art4_ai_literacy"]


ART5_EXCEPTIONS = [
    # practice, the answers claiming the exception, the provision that then decides
    ("5_1_d", {"art5_1_d_objective_facts": True}, "Art. 5(1)(d)", "objective and verifiable"),
    ("5_1_f", {"art5_1_f_medical_safety": True}, "Art. 5(1)(f)", "medical or safety reasons"),
    ("5_1_g", {"art5_1_g_dataset_labelling": True}, "Art. 5(1)(g)", "lawfully acquired"),
    (
        "5_1_h",
        {"art5_1_h_objective": "victims", "art5_1_h_authorised": True},
        "Art. 5(1)(h), 5(2)-(7)",
        "authorised in advance",
    ),
    ("5_1_ncii_csam", {"art5_ncii_provider_safeguards": True}, NEW5, "adequate safeguards"),
]


def test_the_art5_exception_table_has_every_exception():
    assert {p for p, *_ in ART5_EXCEPTIONS} == {
        e["applies_to"].split(":")[1]
        for e in RULES.data["exceptions"]
        if e["applies_to"].startswith("prohibited_practices:")
    }


@pytest.mark.parametrize(("practice", "claim", "article", "fragment"), ART5_EXCEPTIONS)
def test_an_art5_exception_lifts_the_prohibition_and_decides(practice, claim, article, fragment):
    result = run(prohibited_practices=[practice], **claim)
    assert result.tier == "minimal"
    assert result.decided_by.article == article and fragment in result.decided_by.text
    assert "art95_reasoning" in codes(result)


@pytest.mark.parametrize(("practice", "claim", "article", "fragment"), ART5_EXCEPTIONS)
def test_an_art5_exception_answered_no_leaves_the_prohibition(practice, claim, article, fragment):
    denied = {qid: False for qid in claim if isinstance(claim[qid], bool)}
    result = run(prohibited_practices=[practice], **{**claim, **denied})
    assert result.tier == "prohibited"
    assert result.decided_by.article == next(a for p, a, _ in ART5 if p == practice)


def test_real_time_biometric_identification_needs_the_objective_and_the_authorisation():
    without_authorisation = run(
        prohibited_practices=["5_1_h"], art5_1_h_objective="threat", art5_1_h_authorised=False
    )
    no_objective = run(prohibited_practices=["5_1_h"])
    assert without_authorisation.tier == no_objective.tier == "prohibited"
    assert without_authorisation.decided_by.article == "Art. 5(1)(h)"


def test_the_intimate_content_safeguards_exception_is_only_for_providers():
    # A deployer using a system to create such content is always prohibited: the safeguards
    # question is not asked, and an answer to it is dropped.
    result = run(
        role="deployer", prohibited_practices=["5_1_ncii_csam"], art5_ncii_provider_safeguards=True
    )
    assert result.tier == "prohibited" and result.decided_by.article == NEW5


def test_an_exception_is_only_asked_for_the_practice_it_belongs_to():
    cleaned, errors = rs.validate(
        RULES,
        {**BASE, "prohibited_practices": ["5_1_a"], "art5_1_f_medical_safety": True},
        complete=True,
    )
    assert errors == {} and "art5_1_f_medical_safety" not in cleaned
    assert classify(RULES, cleaned).decided_by.article == "Art. 5(1)(a)"


def test_an_excepted_practice_can_still_be_high_risk_under_annex_iii():
    # Emotion recognition for medical reasons is not prohibited, but is an Annex III 1(c) use.
    result = run(
        prohibited_practices=["5_1_f"],
        art5_1_f_medical_safety=True,
        annex_iii_use="1c_emotion_recognition",
        profiles_persons=False,
    )
    assert result.tier == "high"
    assert result.decided_by.article == "Art. 6(2), Annex III, point 1(c)"
    assert "Art. 5(1)(f)" in {r.article for r in result.reasons}
    assert any("Annex III, point 1(c)" in n for n in result.notes)


def test_one_prohibited_practice_decides_even_if_another_is_excepted():
    result = run(prohibited_practices=["5_1_c", "5_1_f"], art5_1_f_medical_safety=True)
    assert result.tier == "prohibited" and result.decided_by.article == "Art. 5(1)(c)"


# -- Annex III -----------------------------------------------------------------------------

ANNEX_III = [
    ("1a_remote_biometric_identification", "Annex III, point 1(a)"),
    ("1b_biometric_categorisation", "Annex III, point 1(b)"),
    ("1c_emotion_recognition", "Annex III, point 1(c)"),
    ("2a_critical_infrastructure_safety", "Annex III, point 2"),
    ("3a_admission", "Annex III, point 3(a)"),
    ("3b_learning_outcomes", "Annex III, point 3(b)"),
    ("3c_education_level", "Annex III, point 3(c)"),
    ("3d_exam_cheating", "Annex III, point 3(d)"),
    ("4a_recruitment", "Annex III, point 4(a)"),
    ("4b_work_decisions", "Annex III, point 4(b)"),
    ("5a_public_benefits", "Annex III, point 5(a)"),
    ("5b_credit_scoring", "Annex III, point 5(b)"),
    ("5c_life_health_insurance", "Annex III, point 5(c)"),
    ("5d_emergency_triage", "Annex III, point 5(d)"),
    ("6a_victim_risk", "Annex III, point 6(a)"),
    ("6b_polygraph", "Annex III, point 6(b)"),
    ("6c_evidence_reliability", "Annex III, point 6(c)"),
    ("6d_offending_risk", "Annex III, point 6(d)"),
    ("6e_profiling_investigations", "Annex III, point 6(e)"),
    ("7a_polygraph", "Annex III, point 7(a)"),
    ("7b_migration_risk", "Annex III, point 7(b)"),
    ("7c_applications", "Annex III, point 7(c)"),
    ("7d_identification", "Annex III, point 7(d)"),
    ("8a_judicial", "Annex III, point 8(a)"),
    ("8b_elections", "Annex III, point 8(b)"),
]


def test_the_annex_iii_table_has_every_use_of_all_eight_areas():
    assert [u for u, _ in ANNEX_III] == list(RULES.annex_iii_uses())
    assert {u["area"] for u in RULES.annex_iii_uses().values()} == {str(n) for n in range(1, 9)}


@pytest.mark.parametrize(("use", "point"), ANNEX_III)
def test_each_annex_iii_use_is_high_risk_from_2_december_2027(use, point):
    result = run(annex_iii_use=use, profiles_persons=False)
    assert result.tier == "high"
    assert result.decided_by.article == f"Art. 6(2), {point}"
    assert codes(result)["art9_risk_management"] == "2027-12-02"


CARVE_OUTS = [
    # use, the carve-out question, the provision that decides, what it says
    (
        "1a_remote_biometric_identification",
        "annex_iii_1a_verification_only",
        "Annex III, point 1(a)",
        "Biometric verification whose sole purpose is to confirm that a specific person is the "
        "person they claim to be is excepted.",
    ),
    (
        "5b_credit_scoring",
        "annex_iii_5b_fraud_detection",
        "Annex III, point 5(b)",
        "Evaluating creditworthiness for the purpose of detecting financial fraud is excepted.",
    ),
    (
        "7d_identification",
        "annex_iii_7d_travel_documents",
        "Annex III, point 7(d)",
        "Verifying travel documents is excepted from detecting, recognising or identifying "
        "persons.",
    ),
    (
        "8b_elections",
        "annex_iii_8b_not_exposed",
        "Annex III, point 8(b)",
        "Tools whose output people are not directly exposed to, such as organising, optimising "
        "or structuring political campaigns administratively or logistically, are excepted.",
    ),
]


def test_the_carve_out_table_has_every_annex_iii_carve_out():
    assert {u for u, *_ in CARVE_OUTS} == {
        e["applies_to"].split(":")[1]
        for e in RULES.data["exceptions"]
        if e["applies_to"].startswith("annex_iii:")
    }


@pytest.mark.parametrize(("use", "question", "point", "text"), CARVE_OUTS)
@pytest.mark.parametrize("profiles", [False, True])
def test_a_carve_out_takes_the_use_out_of_annex_iii_and_decides(
    use, question, point, text, profiles
):
    # The profiling rule is about systems in Annex III; a carved-out system is not one.
    result = run(annex_iii_use=use, profiles_persons=profiles, **{question: True})
    assert result.tier == "minimal" and not result.derogation_applied
    assert (result.decided_by.article, result.decided_by.text) == (point, text)
    assert "art9_risk_management" not in codes(result)


@pytest.mark.parametrize(("use", "question", "point", "text"), CARVE_OUTS)
def test_outside_the_carve_out_the_use_stays_high(use, question, point, text):
    result = run(annex_iii_use=use, profiles_persons=False, **{question: False})
    assert result.tier == "high" and result.decided_by.article == f"Art. 6(2), {point}"


@pytest.mark.parametrize(("use", "question", "point", "text"), CARVE_OUTS)
def test_a_carved_out_system_with_a_transparency_trigger_is_limited(use, question, point, text):
    result = run(
        annex_iii_use=use,
        profiles_persons=False,
        transparency_triggers=["50_1_interaction"],
        **{question: True},
    )
    assert result.tier == "limited" and result.decided_by.article == "Art. 50(1)"
    assert point in {r.article for r in result.reasons}


def test_a_carve_out_question_is_only_asked_for_its_use():
    cleaned, _ = rs.validate(
        RULES,
        {**BASE, "annex_iii_use": "4a_recruitment", "profiles_persons": True}
        | {"annex_iii_5b_fraud_detection": True},
        complete=True,
    )
    assert "annex_iii_5b_fraud_detection" not in cleaned
    assert classify(RULES, cleaned).tier == "high"


# -- Art. 6(3) -----------------------------------------------------------------------------

ART6_3 = [
    ("6_3_a", "Art. 6(3)(a)"),
    ("6_3_b", "Art. 6(3)(b)"),
    ("6_3_c", "Art. 6(3)(c)"),
    ("6_3_d", "Art. 6(3)(d)"),
]


def test_the_art6_3_table_has_every_condition():
    assert [c for c, _ in ART6_3] == [c["id"] for c in RULES.data["derogation_conditions"]]


@pytest.mark.parametrize(("condition", "article"), ART6_3)
def test_each_art6_3_condition_lifts_an_annex_iii_use_and_decides(condition, article):
    result = run(
        annex_iii_use="4b_work_decisions",
        profiles_persons=False,
        derogation_conditions=[condition],
        derogation_no_significant_risk=True,
    )
    assert result.tier == "minimal" and result.derogation_applied
    assert result.decided_by.article == article
    # The documented assessment and the registration (Art. 6(4), 49(2)) follow the Annex III date.
    assert codes(result)["art6_4_documentation"] == "2027-12-02"


def test_derogation_without_the_no_significant_risk_assessment_stays_high():
    result = run(
        annex_iii_use="4b_work_decisions",
        profiles_persons=False,
        derogation_conditions=["6_3_a"],
        derogation_no_significant_risk=False,
    )
    assert result.tier == "high" and result.decided_by.article == "Art. 6(2), Annex III, point 4(b)"


@pytest.mark.parametrize(("condition", "article"), ART6_3)
def test_profiling_overrides_every_derogation_condition(condition, article):
    # The derogation question is hidden when profiling, and answers to it are dropped.
    result = run(
        annex_iii_use="5b_credit_scoring",
        profiles_persons=True,
        derogation_conditions=[condition],
        derogation_no_significant_risk=True,
    )
    assert result.tier == "high" and not result.derogation_applied
    assert result.decided_by.article == "Art. 6(3), last subparagraph"
    assert article not in {r.article for r in result.reasons}


# -- Annex I -------------------------------------------------------------------------------
