"""Done-when 3: editing the rule set's data changes classification, with no code change, and
the change report names the affected models."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from risk import ruleset as rs
from risk.rules import classify
from tests.risk.test_risk import BASE

V1 = "2024-1689.v1"  # the edit below is the Digital Omnibus's Annex III date, applied to v1


@pytest.fixture
def edited_ruleset(tmp_path):
    data = json.loads(rs.path_for(V1).read_text())
    data["version"] = "2024-1689.v2-test"
    area5 = next(a for a in data["annex_iii"] if a["area"] == "5")
    area5["uses"].append(
        {
            "id": "5e_dynamic_pricing",
            "text": "Personalised pricing of essential services",
            "article": "Annex III, point 5(e)",
        }
    )
    data["effective_from"]["annex_iii"] = "2027-12-02"  # e.g. the Digital Omnibus
    path = tmp_path / "eu-ai-act-v2.json"
    path.write_text(json.dumps(data))
    return path


def test_a_new_annex_iii_use_classifies_without_code_changes(edited_ruleset):
    new = rs.load(edited_ruleset)
    answers = {**BASE, "annex_iii_use": "5e_dynamic_pricing", "profiles_persons": True}
    _, errors = rs.validate(rs.current(), answers, complete=True)
    assert "annex_iii_use" in errors  # unknown to the current rule set
    cleaned, errors = rs.validate(new, answers, complete=True)
    assert errors == {}
    result = classify(new, cleaned)
    assert result.tier == "high"
    assert "Annex III, point 5(e)" in " ".join(r.article for r in result.reasons)
    assert {o.applies_from for o in result.obligations if o.code == "art9_risk_management"} == {
        "2027-12-02"
    }


@pytest.mark.django_db
def test_the_change_report_names_the_models_whose_obligations_move(edited_ruleset, settings):
    settings.ATTEST_RULESET = V1  # the demo assessed under v1, before the amendment
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    out = StringIO()
    call_command("ruleset_report", str(edited_ruleset), stdout=out)
    text = out.getvalue()
    # Annex III models get new dates; Art. 50 / minimal / prohibited ones do not change.
    for name in ("credit-scoring-retail", "cv-screening-ranker", "sme-loan-default"):
        assert f"- {name}: stays high" in text
    assert "~ art9_risk_management: 2026-08-02 → 2027-12-02" in text
    assert "+ 5e_dynamic_pricing" not in text  # a new use nobody answered adds nothing
    assert "support-chatbot" not in text and "demand-forecasting" not in text
    assert "attrition-risk" in text  # its Art. 6(4) documentation duty moves too


@pytest.mark.django_db
def test_an_unchanged_rule_set_changes_nothing(settings):
    settings.ATTEST_RULESET = V1  # every demo model assessed under v1, compared with v1
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    out = StringIO()
    call_command("ruleset_report", str(rs.path_for(V1)), stdout=out)
    assert "no model's tier or obligations change" in out.getvalue()
