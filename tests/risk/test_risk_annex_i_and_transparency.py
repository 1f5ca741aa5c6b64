"""The classifier, table-driven (continued from test_risk.py): Annex I products (Art. 6(1)),
Art. 50 transparency per role, the remaining rules, the internal rating and answer validation.
Each test names the provision expected to decide."""

import pytest

from risk import ruleset as rs
from tests.risk.test_risk import BASE, NEW5, RULES, V2, codes, run  # noqa: F401

ANNEX_I = [
    ("machinery", "Annex I, Section B"),  # moved from Section A by Regulation (EU) 2026/1744
    ("toys", "Annex I, Section A, point 2"),
    ("recreational_craft", "Annex I, Section A, point 3"),
    ("lifts", "Annex I, Section A, point 4"),
    ("atex", "Annex I, Section A, point 5"),
    ("radio_equipment", "Annex I, Section A, point 6"),
    ("pressure_equipment", "Annex I, Section A, point 7"),
    ("cableways", "Annex I, Section A, point 8"),
    ("ppe", "Annex I, Section A, point 9"),
    ("gas_appliances", "Annex I, Section A, point 10"),
    ("medical_devices", "Annex I, Section A, point 11"),
    ("ivd", "Annex I, Section A, point 12"),
    ("civil_aviation", "Annex I, Section B"),
    ("vehicles", "Annex I, Section B"),
    ("marine_equipment", "Annex I, Section B"),
    ("rail", "Annex I, Section B"),
]


def test_the_annex_i_table_has_every_product():
    assert [p for p, _ in ANNEX_I] == [p["id"] for p in RULES.data["annex_i"]]


@pytest.mark.parametrize(("product", "point"), ANNEX_I)
def test_annex_i_products_needing_third_party_assessment_are_high_from_2_august_2028(
    product, point
):
    result = run(annex_i_product=product, annex_i_third_party_assessment=True)
    assert result.tier == "high"
    assert result.decided_by.article == f"Art. 6(1), {point}"
    assert codes(result)["art9_risk_management"] == "2028-08-02"


def test_annex_i_product_without_third_party_assessment_is_not_high():
    result = run(annex_i_product="toys", annex_i_third_party_assessment=False)
    assert result.tier == "minimal" and result.decided_by.article == "Art. 95"


def test_an_ai_function_that_is_not_a_safety_component_is_not_high_under_art6_1():
    result = run(
        annex_i_product="lifts",
        annex_i_third_party_assessment=True,
        annex_i_not_safety_component=True,
    )
    assert result.tier == "minimal"
    assert result.decided_by.article == "Art. 3(14), Art. 6(1) (as amended by Reg. (EU) 2026/1744)"


def test_annex_i_comes_before_annex_iii():
    result = run(
        annex_i_product="medical_devices",
        annex_i_third_party_assessment=True,
        annex_iii_use="5d_emergency_triage",
        profiles_persons=False,
    )
    assert result.decided_by.article == "Art. 6(1), Annex I, Section A, point 11"


# -- Art. 50 per role ----------------------------------------------------------------------

ART50 = [
    # role, trigger, the provision that decides (limited), whether this role carries the duty
    ("provider", "50_1_interaction", "Art. 50(1)", True),
    ("deployer", "50_1_interaction", "Art. 50(1)", False),
    ("provider", "50_2_synthetic_content", "Art. 50(2)", True),
    ("deployer", "50_2_synthetic_content", "Art. 50(2)", False),
    ("provider", "50_3_emotion_biometric", "Art. 50(3)", False),
    ("deployer", "50_3_emotion_biometric", "Art. 50(3)", True),
    ("provider", "50_4_deep_fake", "Art. 50(4)", False),
    ("deployer", "50_4_deep_fake", "Art. 50(4)", True),
]


def test_the_art50_table_has_every_trigger_for_both_roles():
    assert {(r, t) for r, t, *_ in ART50} == {
        (r, t["id"]) for r in ("provider", "deployer") for t in RULES.data["art50_triggers"]
    }


@pytest.mark.parametrize(("role", "trigger", "article", "carries"), ART50)
def test_each_art50_trigger_is_limited_risk_and_the_duty_goes_to_its_role(
    role, trigger, article, carries
):
    result = run(role=role, transparency_triggers=[trigger])
    assert result.tier == "limited" and result.decided_by.article == article
    assert (trigger in codes(result)) is carries
    assert [d.article for d in result.transparency_duties] == ([article] if carries else [])
    if carries:
        assert codes(result)[trigger] == "2026-08-02"
    else:
        assert "the duty rests on the" in result.decided_by.text


@pytest.mark.parametrize(
    ("on_market_before", "applies_from"), [(True, "2026-12-02"), (False, "2026-08-02")]
)
def test_art50_2_marking_for_systems_already_on_the_market_applies_from_2_december_2026(
    on_market_before, applies_from
):
    result = run(
        transparency_triggers=["50_2_synthetic_content", "50_1_interaction"],
        art50_2_on_market_before=on_market_before,
    )
    assert codes(result)["50_2_synthetic_content"] == applies_from
    assert codes(result)["50_1_interaction"] == "2026-08-02"  # the transition is only Art. 50(2)


def test_without_the_on_market_answer_marking_applies_from_2_august_2026():
    result = run(transparency_triggers=["50_2_synthetic_content"])
    assert codes(result)["50_2_synthetic_content"] == "2026-08-02"


def test_high_risk_also_reports_art50_duties():
    result = run(
        annex_iii_use="4a_recruitment",
        profiles_persons=True,
        transparency_triggers=["50_1_interaction"],
    )
    assert result.tier == "high"
    assert [d.article for d in result.transparency_duties] == ["Art. 50(1)"]
    assert "50_1_interaction" in codes(result)


# -- everything else -----------------------------------------------------------------------


def test_nothing_applies_is_minimal_with_art95():
    result = run()
    assert result.tier == "minimal" and result.decided_by.article == "Art. 95"
    assert codes(result) == {"art4_ai_literacy": "2025-02-02", "art95_reasoning": "2026-08-02"}


def test_ai_literacy_is_the_amended_effort_obligation_from_2_february_2025():
    (literacy,) = [o for o in run().obligations if o.code == "art4_ai_literacy"]
    assert literacy.article == "Art. 4" and literacy.applies_from == "2025-02-02"
    assert "support the development of AI literacy" in literacy.title


def test_deployer_gets_deployer_obligations_and_fria_only_where_it_applies():
    credit = run(role="deployer", annex_iii_use="5b_credit_scoring", profiles_persons=True)
    hiring = run(role="deployer", annex_iii_use="4a_recruitment", profiles_persons=True)
    assert "art27_fria" in codes(credit)
    assert "art27_fria" not in codes(hiring)
    assert "art9_risk_management" not in codes(credit)
    assert codes(credit)["art26_oversight"] == "2027-12-02"


def test_gpai_is_a_flag_not_a_tier():
    result = run(gpai=True, gpai_systemic_risk=True)
    assert result.tier == "minimal" and result.gpai and result.gpai_systemic_risk
    assert {"art53_gpai", "art55_systemic"} <= set(codes(result))


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {
                "affected_people": "internal",
                "autonomy": "advisory",
                "data_sensitivity": "non_personal",
            },
            "low",
        ),
        (
            {
                "affected_people": "customers",
                "autonomy": "human_in_loop",
                "data_sensitivity": "personal",
            },
            "medium",
        ),
        (
            {
                "affected_people": "vulnerable",
                "autonomy": "automated",
                "data_sensitivity": "special",
            },
            "high",
        ),
    ],
)
def test_internal_rating(answers, expected):
    assert run(**answers).internal_rating == expected


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"bogus": 1}, "bogus", "Unknown question"),
        ({"role": "owner"}, "role", "Choose one of"),
        ({"gpai": "yes"}, "gpai", "true or false"),
        ({"prohibited_practices": "5_1_a"}, "prohibited_practices", "list of choices"),
        ({"prohibited_practices": ["5_1_z"]}, "prohibited_practices", "Unknown choice"),
        ({"role": None}, "role", "needs an answer"),
        ({"annex_iii_use": "4a_recruitment"}, "profiles_persons", "needs an answer"),
        (
            {"annex_iii_use": "5b_credit_scoring", "annex_iii_5b_fraud_detection": "yes"},
            "annex_iii_5b_fraud_detection",
            "true or false",
        ),
        (
            {"prohibited_practices": ["5_1_h"], "art5_1_h_objective": "curiosity"},
            "art5_1_h_objective",
            "Choose one of",
        ),
    ],
)
def test_invalid_answers_are_explained_per_field(answers, field, message):
    _, errors = rs.validate(RULES, {**BASE, **answers}, complete=True)
    assert field in errors and message in errors[field][0]


def test_drafts_may_be_incomplete_but_not_wrong():
    cleaned, errors = rs.validate(RULES, {"role": "provider"}, complete=False)
    assert errors == {} and cleaned == {"role": "provider"}
    _, errors = rs.validate(RULES, {"role": 3}, complete=False)
    assert "role" in errors
