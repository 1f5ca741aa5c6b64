"""The 2026 rule set (Regulation (EU) 2024/1689 as amended by Regulation (EU) 2026/1744) beside
v1: which one is current, what changed in the data, that the classifier takes one code path for
both (only data differs), and that an assessment answered under v1 stays readable."""

import ast
import re
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from risk import rules, services
from risk import ruleset as rs
from risk.demo import ANSWERS as DEMO
from risk.demo import BASE as DEMO_BASE
from risk.models import Obligation
from risk.selectors import review_reasons
from tests.risk.test_risk import BASE

V1, V2 = "2024-1689.v1", "2024-1689+2026-1744.v2"


# -- which rule set ------------------------------------------------------------------------


def test_both_versions_stay_on_disk_and_get_loads_each():
    assert set(rs.available()) == {V1, V2}
    assert rs.get(V1).version == V1 and rs.get(V2).version == V2
    assert rs.path_for(V2).name == "eu-ai-act-2024-1689+2026-1744.v2.json"


def test_current_is_the_newest_rule_set_unless_the_setting_names_one(settings):
    settings.ATTEST_RULESET = ""
    assert rs.current().version == V2 == rs.newest_version()
    settings.ATTEST_RULESET = V1
    assert rs.current().version == V1
    assert rs.load().version == V1  # the default path follows the setting too


def test_an_unknown_version_is_a_clear_error():
    with pytest.raises(rs.UnknownRuleSet, match="No rule set 'eu-ai-act-1999.v9'.*known:"):
        rs.get("eu-ai-act-1999.v9")


def test_an_assessment_is_read_with_its_own_rule_set_where_that_file_exists():
    assert rs.for_assessment(V1).version == V1
    assert rs.for_assessment(V2).version == V2
    assert rs.for_assessment("bench").version == rs.current().version


# -- what the 2026 file says ---------------------------------------------------------------


def test_the_2026_rule_set_cites_the_amending_regulation_and_its_sources():
    data = rs.get(V2).data
    assert data["supersedes"] == V1
    assert "Regulation (EU) 2026/1744" in data["title"]
    assert "2026/1744" in data["amended_by"]["act"]
    assert data["amended_by"]["political_agreement"] == "2026-05-07"
    assert data["amended_by"]["parliament_adopted"] == "2026-06-16"
    assert data["amended_by"]["council_adopted"] == "2026-06-29"
    assert len(data["sources"]) >= 10
    assert all(
        s["url"].startswith("https://") and s["title"] and s["says"] for s in data["sources"]
    )
    # What could not be verified is said in the file, not hidden.
    assert any("Not verified" in n and "2026/1744" in n for n in data["notes"])


@pytest.mark.parametrize(
    ("key", "v1", "v2"),
    [
        ("prohibitions", "2025-02-02", "2025-02-02"),
        ("prohibition_ncii_csam", None, "2026-12-02"),
        ("ai_literacy", "2025-02-02", "2025-02-02"),
        ("gpai", "2025-08-02", "2025-08-02"),
        ("art50", "2026-08-02", "2026-08-02"),
        ("art50_2_transition", None, "2026-12-02"),
        ("annex_iii", "2026-08-02", "2027-12-02"),
        ("annex_i", "2027-08-02", "2028-08-02"),
        ("general", "2026-08-02", "2026-08-02"),
    ],
)
def test_application_dates_per_version(key, v1, v2):
    assert rs.get(V1).data["effective_from"].get(key) == v1
    assert rs.get(V2).data["effective_from"].get(key) == v2


def test_the_new_prohibition_carries_its_own_date():
    practice = rs.get(V2).item("prohibited_practices", "5_1_ncii_csam")
    assert practice["effective"] == "prohibition_ncii_csam"
    assert "child sexual abuse material" in practice["text"]
    assert "2026/1744" in practice["article"]


def test_the_ai_literacy_duty_is_reworded_not_moved():
    (old,) = rs.get(V1).data["obligations"]["all"]
    (new,) = rs.get(V2).data["obligations"]["all"]
    assert old["id"] == new["id"] == "art4_ai_literacy" and old["effective"] == new["effective"]
    assert "support the development of AI literacy" in new["title"]
    assert old["title"] != new["title"]


def test_art50_duties_are_split_by_role_only_in_2026_data():
    answers = {**BASE, "role": "deployer", "transparency_triggers": ["50_1_interaction"]}
    under = {v: rules.classify(rs.get(v), rs.validate(rs.get(v), answers, complete=True)[0])
             for v in (V1, V2)}  # fmt: skip
    assert [d.article for d in under[V1].transparency_duties] == ["Art. 50(1)"]
    assert under[V2].transparency_duties == []  # Art. 50(1) rests on the provider
    assert under[V1].tier == under[V2].tier == "limited"


# -- one structure, one code path ----------------------------------------------------------


@pytest.mark.parametrize("version", [V1, V2])
def test_both_rule_sets_validate_against_the_same_structure(version):
    assert rs.check(rs.get(version)) == []


def test_the_structure_check_finds_broken_references():
    data = {**rs.get(V2).data}
    data["exceptions"] = [
        {**data["exceptions"][0], "applies_to": "annex_iii:9z_unknown", "when": {"nope": True}}
    ]
    data["effective_from"] = {**data["effective_from"], "annex_iii": "2 December 2027"}
    problems = rs.check(rs.RuleSet(data))
    assert any("unknown annex_iii item '9z_unknown'" in p for p in problems)
    assert any("unknown or later question 'nope'" in p for p in problems)
    assert any("effective_from.annex_iii is not an ISO date" in p for p in problems)


def test_v2_keeps_every_v1_question_and_choice_so_old_answers_mean_the_same():
    old, new = rs.get(V1), rs.get(V2)
    for q in old.questions:
        n = new.question(q["id"])
        assert n is not None and n["type"] == q["type"], q["id"]
        if q["type"] in ("choice", "multi"):
            assert {v for v, _ in old.options(q)} <= {v for v, _ in new.options(n)}, q["id"]
    added = [q for q in new.questions if old.question(q["id"]) is None]
    assert added and not any(q.get("required") for q in added)  # v1 answers stay complete


RULES_PY = Path(rules.__file__)


def test_the_classifier_code_has_no_version_branch_and_no_dates():
    tree = ast.parse(RULES_PY.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    version_reads = [
        n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "version"
    ]
    # The version is only copied into the result, never compared or branched on.
    assert len(version_reads) == 1
    assert getattr(parents[version_reads[0]], "arg", None) == "ruleset_version"
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert not [s for s in strings if re.search(r"\d{4}-\d{2}-\d{2}|2024-1689|2026-1744|\.v\d", s)]
    assert not [s for s in strings if s in ("version", "supersedes", "amended_by")]


# Checklist items whose wording the 2026 file changes (Art. 4 as amended; the derogation duty
# noting that registration is kept; Art. 50 duties worded for the role that carries them).
REWORDED = {
    "art4_ai_literacy",
    "art6_4_documentation",
    "50_1_interaction",
    "50_2_synthetic_content",
    "50_4_deep_fake",
}


def _lines_run(fn, *args) -> tuple[object, frozenset[int]]:
    seen: set[int] = set()
    target = str(RULES_PY)

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != target:
            return None
        if event == "line":
            seen.add(frame.f_lineno)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn(*args)
    finally:
        sys.settrace(previous)
    return result, frozenset(seen)


@pytest.mark.parametrize(
    "answers",
    [
        {"annex_iii_use": "5b_credit_scoring", "profiles_persons": True,
         "transparency_triggers": ["50_1_interaction"]},
        {"annex_iii_use": "4b_work_decisions", "profiles_persons": False,
         "derogation_conditions": ["6_3_d"], "derogation_no_significant_risk": True},
        {"annex_i_product": "lifts", "annex_i_third_party_assessment": True},
        {"prohibited_practices": ["5_1_c"]},
        {"role": "deployer", "annex_iii_use": "5c_life_health_insurance", "profiles_persons": True},
        {"gpai": True, "gpai_systemic_risk": True},
    ],
)  # fmt: skip
def test_both_versions_run_the_same_classifier_lines_and_differ_only_in_data(answers):
    results, paths = {}, {}
    for version in (V1, V2):
        ruleset = rs.get(version)
        cleaned, errors = rs.validate(ruleset, {**BASE, **answers}, complete=True)
        assert errors == {}
        results[version], paths[version] = _lines_run(rules.classify, ruleset, cleaned)
    assert paths[V1] == paths[V2]
    old, new = results[V1], results[V2]
    assert (old.tier, old.decided_by, old.derogation_applied) == (
        new.tier,
        new.decided_by,
        new.derogation_applied,
    )
    assert [o.code for o in old.obligations] == [o.code for o in new.obligations]
    assert (old.ruleset_version, new.ruleset_version) == (V1, V2)
    # What differs is what the files say: the moved high-risk dates and the reworded titles.
    moved = {("2026-08-02", "2027-12-02"), ("2027-08-02", "2028-08-02")}
    for a, b in zip(old.obligations, new.obligations, strict=True):
        assert a.article == b.article
        assert a.applies_from == b.applies_from or (a.applies_from, b.applies_from) in moved
        assert a.title == b.title or a.code in REWORDED


# -- v1 stays readable ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DEMO))
def test_v1_answers_still_validate_and_classify_under_v1(name):
    v1 = rs.get(V1)
    cleaned, errors = rs.validate(v1, {**DEMO_BASE, **DEMO[name]}, complete=True)
    assert errors == {}
    assert rules.classify(v1, cleaned).ruleset_version == V1


@pytest.mark.django_db
def test_an_assessment_under_v1_stays_readable_after_the_switch(
    settings, personas, owned_model, client_for
):
    settings.ATTEST_RULESET = V1
    answers = {**DEMO_BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True}
    assessment = services.assessment_submit(
        actor=personas.admin, model_service=owned_model, answers=answers
    )
    assert assessment.ruleset_version == V1
    settings.ATTEST_RULESET = ""  # the 2026 rule set becomes current

    assert rs.current().version == V2
    assert rs.get(assessment.ruleset_version).version == V1  # read with its own rule set
    page = client_for(personas.owner).get(reverse("risk:assessment-detail", args=[owned_model.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"rule set {V1}" in html
    assert "Decided by Art. 6(3), last subparagraph" in html
    assert "Applies from 2026-08-02" in html  # the v1 dates it was classified with
    assert f"Assessed under an earlier rule set ({V1}); the current one is {V2}." in (
        review_reasons(owned_model, assessment)
    )
    art9 = Obligation.objects.get(model_service=owned_model, code="art9_risk_management")
    assert art9.applies_from.isoformat() == "2026-08-02"


# -- the questionnaire explains the new questions ------------------------------------------


def test_every_question_new_in_2026_explains_itself_with_its_article():
    old, new = rs.get(V1), rs.get(V2)
    added = [q for q in new.questions if old.question(q["id"]) is None]
    assert len(added) >= 11
    for q in added:
        assert len(q.get("help", "")) > 40 and q.get("article"), q["id"]


@pytest.mark.django_db
def test_the_questionnaire_page_shows_the_explanations_and_the_rule_set(
    personas, owned_model, client_for
):
    page = client_for(personas.owner).get(reverse("risk:assessment-edit", args=[owned_model.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"rule set {V2}" in html
    fraud = rs.get(V2).question("annex_iii_5b_fraud_detection")
    assert fraud["text"] in html and "(Annex III, point 5(b))" in html
    assert 'aria-describedby="help-annex_iii_5b_fraud_detection"' in html
    assert (
        "&quot;contains&quot;: &quot;5_1_f&quot;" in html
    )  # show-if for the Art. 5(1)(f) question
