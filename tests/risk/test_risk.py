"""The classifier, table-driven (pure: no database). Every result names the deciding article."""

import pytest

from risk import ruleset as rs
from risk.rules import classify

RULES = rs.current()
BASE = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
}


def run(**answers):
    cleaned, errors = rs.validate(RULES, {**BASE, **answers}, complete=True)
    assert errors == {}, errors
    return classify(RULES, cleaned)


@pytest.mark.parametrize("practice", [p["id"] for p in RULES.data["prohibited_practices"]])
def test_each_art5_practice_is_prohibited(practice):
    result = run(
        prohibited_practices=[practice], annex_iii_use="5b_credit_scoring", profiles_persons=True
    )
    assert result.tier == "prohibited"
    article = RULES.item("prohibited_practices", practice)["article"]
    assert result.decided_by.article == article and article.startswith("Art. 5(1)(")
    assert [o.code for o in result.obligations] == ["art4_ai_literacy"]


@pytest.mark.parametrize("use", list(RULES.annex_iii_uses()))
def test_each_annex_iii_use_is_high_risk(use):
    result = run(annex_iii_use=use, profiles_persons=False)
    assert result.tier == "high"
    assert result.decided_by.article == f"Art. 6(2), {RULES.annex_iii_uses()[use]['article']}"
    assert "art9_risk_management" in {o.code for o in result.obligations}


def test_every_annex_iii_area_is_covered():
    areas = {u["area"] for u in RULES.annex_iii_uses().values()}
    assert areas == {str(n) for n in range(1, 9)}


@pytest.mark.parametrize("condition", [c["id"] for c in RULES.data["derogation_conditions"]])
def test_each_art6_3_condition_lifts_an_annex_iii_use(condition):
    result = run(
        annex_iii_use="4b_work_decisions",
        profiles_persons=False,
        derogation_conditions=[condition],
        derogation_no_significant_risk=True,
    )
    assert result.tier == "minimal" and result.derogation_applied
    assert RULES.item("derogation_conditions", condition)["article"] in {
        r.article for r in result.reasons
    }
    assert "art6_4_documentation" in {o.code for o in result.obligations}


def test_derogation_without_the_no_significant_risk_assessment_stays_high():
    result = run(
        annex_iii_use="4b_work_decisions",
        profiles_persons=False,
        derogation_conditions=["6_3_a"],
        derogation_no_significant_risk=False,
    )
    assert result.tier == "high"


def test_profiling_overrides_the_derogation():
    # The derogation question is hidden when profiling, and answers to it are dropped.
    result = run(
        annex_iii_use="5b_credit_scoring",
        profiles_persons=True,
        derogation_conditions=["6_3_a"],
        derogation_no_significant_risk=True,
    )
    assert result.tier == "high" and not result.derogation_applied
    assert result.decided_by.article == "Art. 6(3), last subparagraph"


@pytest.mark.parametrize("trigger", [t["id"] for t in RULES.data["art50_triggers"]])
def test_each_art50_trigger_is_limited_risk(trigger):
    result = run(transparency_triggers=[trigger])
    assert result.tier == "limited"
    article = RULES.item("art50_triggers", trigger)["article"]
    assert result.decided_by.article == article
    assert trigger in {o.code for o in result.obligations}


def test_high_risk_also_reports_art50_duties():
    result = run(
        annex_iii_use="4a_recruitment",
        profiles_persons=True,
        transparency_triggers=["50_1_interaction"],
    )
    assert result.tier == "high"
    assert [d.article for d in result.transparency_duties] == ["Art. 50(1)"]
    assert "50_1_interaction" in {o.code for o in result.obligations}


@pytest.mark.parametrize("product", [p["id"] for p in RULES.data["annex_i"]])
def test_annex_i_products_needing_third_party_assessment_are_high(product):
    result = run(annex_i_product=product, annex_i_third_party_assessment=True)
    assert result.tier == "high"
    assert result.decided_by.article.startswith("Art. 6(1), Annex I")
    assert all(
        o.applies_from == RULES.data["effective_from"]["annex_i"]
        for o in result.obligations
        if o.code == "art9_risk_management"
    )


def test_annex_i_product_without_third_party_assessment_is_not_high():
    assert run(annex_i_product="toys", annex_i_third_party_assessment=False).tier == "minimal"


def test_nothing_applies_is_minimal_with_art95():
    result = run()
    assert result.tier == "minimal" and result.decided_by.article == "Art. 95"
    assert {o.code for o in result.obligations} == {"art4_ai_literacy", "art95_reasoning"}


def test_deployer_gets_deployer_obligations_and_fria_only_where_it_applies():
    credit = run(role="deployer", annex_iii_use="5b_credit_scoring", profiles_persons=True)
    hiring = run(role="deployer", annex_iii_use="4a_recruitment", profiles_persons=True)
    assert "art27_fria" in {o.code for o in credit.obligations}
    assert "art27_fria" not in {o.code for o in hiring.obligations}
    assert "art9_risk_management" not in {o.code for o in credit.obligations}


def test_gpai_is_a_flag_not_a_tier():
    result = run(gpai=True, gpai_systemic_risk=True)
    assert result.tier == "minimal" and result.gpai and result.gpai_systemic_risk
    assert {"art53_gpai", "art55_systemic"} <= {o.code for o in result.obligations}


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
