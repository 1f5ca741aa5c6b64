"""ISO/IEC 42001 Annex A and NIST AI RMF 1.0 as data, the crosswalk from AI Act obligations,
and a model's coverage page and exports (issue 17 part 4)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from risk import framework_selectors
from risk import services as risk_services
from risk.frameworks import frameworks
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model

RULESETS = Path(__file__).resolve().parents[2] / "risk" / "rulesets"
RULESET_FILES = sorted(RULESETS.glob("*.json"))


def _codes(node) -> set[str]:
    if isinstance(node, dict) and "id" in node and "article" in node:
        return {node["id"]}
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return set().union(*(_codes(v) for v in values)) if values else set()


def _ruleset(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _high_tier_codes(path: Path) -> set[str]:
    data = _ruleset(path)["obligations"]
    return _codes(data["high"]) | _codes(data["all"])


# --- The data (pure) -----------------------------------------------------------------------
def test_iso42001_lists_38_annex_a_controls_in_9_groups():
    iso = frameworks.get("iso42001")
    assert len(iso.items) == 38
    assert len({i.id for i in iso.items}) == 38
    assert len({i.group_id for i in iso.items}) == 9
    assert iso.items[0].id == "A.2.2" and iso.items[-1].id == "A.10.4"
    assert iso.sources


def test_nist_ai_rmf_lists_72_subcategories_from_govern_1_1_to_manage_4_3():
    nist = frameworks.get("nist-ai-rmf")
    ids = [i.id for i in nist.items]
    assert len(ids) == 72 == len(set(ids))
    assert ids[0] == "GOVERN 1.1" and ids[-1] == "MANAGE 4.3"
    per_function = {f: sum(i.startswith(f + " ") for i in ids) for f in
                    ("GOVERN", "MAP", "MEASURE", "MANAGE")}  # fmt: skip
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert nist.sources


@pytest.mark.parametrize("path", RULESET_FILES, ids=[p.name for p in RULESET_FILES])
def test_every_high_tier_obligation_maps_to_an_iso_control_and_a_nist_subcategory(path):
    codes = _high_tier_codes(path)
    assert "art9_risk_management" in codes
    for code in sorted(codes):
        assert frameworks.items_for(code, "iso42001"), f"{code} maps to no ISO 42001 control"
        assert frameworks.items_for(code, "nist-ai-rmf"), f"{code} maps to no AI RMF subcategory"


@pytest.mark.parametrize("path", RULESET_FILES, ids=[p.name for p in RULESET_FILES])
def test_every_obligation_and_transparency_duty_of_each_rule_set_is_in_the_crosswalk(path):
    data = _ruleset(path)
    codes = _codes(data["obligations"]) | {t["id"] for t in data["art50_triggers"]}
    assert not codes - set(frameworks.crosswalk()), sorted(codes - set(frameworks.crosswalk()))


def test_crosswalk_names_only_identifiers_the_frameworks_have():
    known = {fw: {i.id for i in frameworks.get(fw).items} for fw in frameworks.KNOWN}
    for code, targets in frameworks.crosswalk().items():
        assert set(targets) == set(frameworks.KNOWN), code
        for fw, ids in targets.items():
            assert set(ids) <= known[fw], (code, fw, set(ids) - known[fw])


def test_reverse_crosswalk_lists_each_obligation_under_every_item_it_maps_to():
    reverse = frameworks.obligations_for("iso42001")
    for item_id in frameworks.items_for("art12_logging", "iso42001"):
        assert "art12_logging" in reverse[item_id]
    assert "art26_logs" in reverse["A.6.2.8"]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, frameworks.UNMAPPED),
        ({"art12_logging": ("open", 0, "")}, frameworks.OPEN),
        ({"art12_logging": ("met", 0, "")}, frameworks.OPEN),  # met needs evidence
        ({"art12_logging": ("met", 1, "")}, frameworks.COVERED),
        ({"art12_logging": ("not_applicable", 0, " ")}, frameworks.OPEN),  # needs a reason
        ({"art12_logging": ("not_applicable", 0, "No logs: batch only.")}, frameworks.COVERED),
        ({"art12_logging": ("met", 1, ""), "art26_logs": ("in_progress", 0, "")}, frameworks.OPEN),
    ],
)
def test_a_control_is_covered_only_when_every_mapped_obligation_is_done(facts, expected):
    obligations = {
        code: frameworks.ObligationFacts(code, status, count, reason)
        for code, (status, count, reason) in facts.items()
    }
    rows = frameworks.coverage(frameworks.get("iso42001"), obligations)
    assert {r.item.id: r.status for r in rows}["A.6.2.8"] == expected


def test_enabled_frameworks_follow_the_setting_and_ignore_unknown_names():
    assert [f.id for f in frameworks.enabled(["nist-ai-rmf", "sox", "iso42001"])] == [
        "nist-ai-rmf",
        "iso42001",
    ]
    assert frameworks.enabled([]) == []


# --- A model's coverage --------------------------------------------------------------------
def _row(coverage, item_id):
    return next(r for r in coverage.rows if r.item.id == item_id)


@pytest.mark.django_db
def test_evidence_added_to_an_obligation_appears_under_each_mapped_control(personas):
    model = assessed_model(personas, "high")
    obligation = Obligation.objects.get(
        model_service=model, is_current=True, code="art9_risk_management"
    )
    evidence = risk_services.evidence_add(
        actor=personas.owner, obligation=obligation, link="https://wiki.example/risk-plan"
    )
    _, coverages = framework_selectors.model_frameworks(user=personas.owner, model_id=model.pk)
    by_id = {c.framework.id: c for c in coverages}
    for fw in ("iso42001", "nist-ai-rmf"):
        mapped = frameworks.items_for("art9_risk_management", fw)
        assert len(mapped) >= 2
        for item_id in mapped:
            assert evidence in _row(by_id[fw], item_id).evidence, (fw, item_id)
    others = [r for r in by_id["iso42001"].rows if r.item.id not in
              frameworks.items_for("art9_risk_management", "iso42001")]  # fmt: skip
    assert all(evidence not in r.evidence for r in others)


@pytest.mark.django_db
def test_a_control_turns_covered_when_its_obligations_are_met_with_evidence(personas):
    model = assessed_model(personas, "high")
    iso = framework_selectors.framework_enabled_get("iso42001")
    assert _row(framework_selectors.framework_coverage(model, iso), "A.6.2.8").status == "open"
    for code in ("art12_logging", "art19_logs_kept"):
        obligation = Obligation.objects.get(model_service=model, is_current=True, code=code)
        risk_services.evidence_add(
            actor=personas.owner, obligation=obligation, link=f"https://wiki.example/{code}"
        )
        risk_services.obligation_update(
            actor=personas.compliance, obligation=obligation, status=Obligation.Status.MET
        )
    row = _row(framework_selectors.framework_coverage(model, iso), "A.6.2.8")
    # art26_logs maps here too, but a provider-only model does not carry it: it holds nothing open
    assert {o.code for o in row.obligations} == {"art12_logging", "art19_logs_kept"}
    assert row.status == "covered"


# --- Pages and exports ---------------------------------------------------------------------
@pytest.mark.django_db
def test_frameworks_page_renders_for_the_owner_and_is_404_for_an_outsider(personas, client):
    model = assessed_model(personas, "high")
    url = reverse("risk:model-frameworks", args=[model.pk])
    client.force_login(personas.owner)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "A.10.4" in body and "MANAGE 4.3" in body and "Art. 9" in body
    assert "Not covered by AI Act obligations" in body
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("risk:model-soa-export", args=[model.pk])).status_code == 404
    assert client.get(reverse("risk:model-nist-profile-export", args=[model.pk])).status_code == 404


@pytest.mark.django_db
def test_frameworks_switched_off_hide_the_page_and_exports(personas, client, settings):
    model = assessed_model(personas, "high")
    client.force_login(personas.owner)
    settings.ATTEST_FRAMEWORKS = []
    assert client.get(reverse("risk:model-frameworks", args=[model.pk])).status_code == 404
    assert client.get(reverse("risk:model-soa-export", args=[model.pk])).status_code == 404
    settings.ATTEST_FRAMEWORKS = ["nist-ai-rmf"]
    page = client.get(reverse("risk:model-frameworks", args=[model.pk]))
    assert page.status_code == 200 and "MANAGE 4.3" in page.content.decode()
    assert "A.10.4" not in page.content.decode()
    assert client.get(reverse("risk:model-soa-export", args=[model.pk])).status_code == 404
    nist = client.get(reverse("risk:model-nist-profile-export", args=[model.pk]))
    assert nist.status_code == 200


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.django_db
def test_statement_of_applicability_lists_every_annex_a_control_once(personas, client):
    model = assessed_model(personas, "high")
    obligation = Obligation.objects.get(model_service=model, is_current=True, code="art12_logging")
    risk_services.evidence_add(
        actor=personas.owner, obligation=obligation, link="https://logs.example/retention"
    )
    client.force_login(personas.owner)
    response = client.get(reverse("risk:model-soa-export", args=[model.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert [r["control"] for r in rows] == [i.id for i in frameworks.get("iso42001").items]
    assert len(rows) == 38
    by_id = {r["control"]: r for r in rows}
    assert by_id["A.6.2.8"]["applicable"] == "yes"
    assert "https://logs.example/retention" in by_id["A.6.2.8"]["evidence"]
    assert "art12_logging" in by_id["A.6.2.8"]["obligations"]
    assert by_id["A.10.4"]["applicable"] == "yes"
    assert by_id["A.10.4"]["justification"] == framework_selectors.NO_OBLIGATION_JUSTIFICATION
    assert by_id["A.10.4"]["status"] == "unmapped"


@pytest.mark.django_db
def test_a_control_whose_obligations_are_all_justified_not_applicable_is_not_applicable(
    personas, client
):
    model = assessed_model(personas, "high")
    for code in frameworks.obligations_for("iso42001")["A.8.4"]:
        obligation = Obligation.objects.filter(model_service=model, is_current=True, code=code)
        for o in obligation:
            risk_services.obligation_update(
                actor=personas.compliance,
                obligation=o,
                status=Obligation.Status.NOT_APPLICABLE,
                justification="=cmd|' /C calc'!A0 no incidents possible",
            )
    client.force_login(personas.owner)
    rows = {r["control"]: r for r in _csv_rows(
        client.get(reverse("risk:model-soa-export", args=[model.pk])))}  # fmt: skip
    assert rows["A.8.4"]["applicable"] == "no"
    assert rows["A.8.4"]["status"] == "covered"
    assert "no incidents possible" in rows["A.8.4"]["justification"]
    # justifications people typed are neutralised against formula injection
    assert not rows["A.8.4"]["justification"].startswith(("=", "+", "-", "@"))


@pytest.mark.django_db
def test_nist_profile_lists_every_subcategory_with_its_function(personas, client):
    model = assessed_model(personas, "high")
    client.force_login(personas.owner)
    response = client.get(reverse("risk:model-nist-profile-export", args=[model.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert [r["subcategory"] for r in rows] == [i.id for i in frameworks.get("nist-ai-rmf").items]
    by_id = {r["subcategory"]: r for r in rows}
    assert by_id["GOVERN 1.1"]["function"] == "GOVERN"
    assert by_id["MANAGE 4.3"]["category"] == "MANAGE 4"
    assert "art73_incidents" in by_id["MANAGE 4.3"]["obligations"]
    assert by_id["MEASURE 2.12"]["status"] == "unmapped"
