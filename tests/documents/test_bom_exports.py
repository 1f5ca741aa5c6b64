"""CycloneDX 1.6 ML-BOM and SPDX 3.0.1 AI exports of a model version: every demo model's
exports pass the official validators (tests/documents/schemas.py), broken documents do not,
the API answers both formats with the model card's permissions, and the Model Card Toolkit
JSON passes the schema read from the published model-card-toolkit package."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import ModelVersion
from documents.exports import cyclonedx, spdx
from documents.kinds import model_card
from tests.documents import schemas

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NS = "https://attest.example/api/v1/models/m/versions/1/model-card"


def exports(version):
    data = model_card.card_data(version)
    return (
        cyclonedx.to_cyclonedx(data, created=NOW),
        spdx.to_spdx(data, namespace=NS, page_url=NS, created=NOW, recorded=version.created_at),
    )


def test_every_demo_model_exports_valid_boms():
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    versions = list(ModelVersion.objects.select_related("model_service"))
    assert len(versions) >= 5
    for version in versions:
        bom, doc = exports(version)
        assert schemas.cyclonedx_errors(bom) is None, (str(version), schemas.cyclonedx_errors(bom))
        assert schemas.spdx_errors(doc) is None, (str(version), schemas.spdx_errors(doc))


# --- The validators are live: broken documents fail -----------------------------------------
def _credit_exports(personas):
    from tests.documents.test_model_card import card_model

    _, version = card_model(personas)
    return exports(version)


def _drop(node: dict, key: str) -> None:
    del node[key]


def _set(node: dict, key: str, value) -> None:
    node[key] = value


def _package(doc: dict) -> dict:
    return next(n for n in doc["@graph"] if n["type"] == "ai_AIPackage")


BROKEN_CYCLONEDX = {
    "unknown component type": lambda b: _set(b["metadata"]["component"], "type", "ml-model"),
    "metric value as a number": lambda b: _set(
        b["metadata"]["component"]["modelCard"]["quantitativeAnalysis"]["performanceMetrics"][0],
        "value",
        0.81,
    ),
    "unknown modelCard field": lambda b: _set(
        b["metadata"]["component"]["modelCard"], "riskTier", "high"
    ),
    "no spec version": lambda b: _drop(b, "specVersion"),
}
BROKEN_SPDX = {
    "safety risk outside the vocabulary": lambda d: _set(
        _package(d), "ai_safetyRiskAssessment", "critical"
    ),
    "autonomy not a PresenceType": lambda d: _set(_package(d), "ai_autonomyType", "sometimes"),
    "property the model does not have": lambda d: _set(_package(d), "ai_riskTier", "high"),
    "metric value not a string": lambda d: _set(_package(d)["ai_metric"][0], "value", 0.81),
    "no creation info": lambda d: _drop(_package(d), "creationInfo"),
    "no release time (AIPackage restriction)": lambda d: _drop(_package(d), "releaseTime"),
    "date without Z": lambda d: _set(_package(d), "releaseTime", "2025-06-02T09:30:00"),
    "unknown type": lambda d: _set(_package(d), "type", "ai_AISystem"),
    "dangling reference": lambda d: _set(_package(d), "suppliedBy", NS + "#nobody"),
}


def test_the_credit_model_exports_validate_and_carry_the_card(personas):
    bom, doc = _credit_exports(personas)
    assert schemas.cyclonedx_errors(bom) is None
    assert schemas.spdx_errors(doc) is None
    component = bom["metadata"]["component"]
    assert component["type"] == "machine-learning-model"
    assert {"type": "auc", "value": "0.8123"} in component["modelCard"]["quantitativeAnalysis"][
        "performanceMetrics"
    ]
    considerations = component["modelCard"]["considerations"]
    assert considerations["users"] == ["Credit officers of the retail bank."]
    assert considerations["ethicalConsiderations"][0]["name"].startswith(
        "EU AI Act risk tier: High"
    )
    package = _package(doc)
    assert package["ai_safetyRiskAssessment"] == "high"
    assert package["ai_standardCompliance"] == [spdx.AI_ACT]  # every obligation met
    assert {"type": "DictionaryEntry", "key": "auc", "value": "0.8123"} in package["ai_metric"]
    assert package["releaseTime"] == "2025-06-02T09:30:00Z"
    assert "Annex III" in package["comment"]


@pytest.mark.parametrize("name", sorted(BROKEN_CYCLONEDX))
def test_the_cyclonedx_validator_rejects_a_broken_bom(personas, name):
    bom, _ = _credit_exports(personas)
    broken = copy.deepcopy(bom)
    BROKEN_CYCLONEDX[name](broken)
    assert schemas.cyclonedx_errors(broken) is not None


@pytest.mark.parametrize("name", sorted(BROKEN_SPDX))
def test_the_spdx_validator_rejects_a_broken_document(personas, name):
    _, doc = _credit_exports(personas)
    broken = copy.deepcopy(doc)
    BROKEN_SPDX[name](broken)
    assert schemas.spdx_errors(broken) is not None


@pytest.mark.parametrize(
    ("tier", "expected"),
    [("prohibited", "serious"), ("high", "high"), ("limited", "medium"), ("minimal", "low")],
)
def test_eu_ai_act_tiers_map_to_spdx_safety_risk_by_rank(tier, expected):
    assert spdx.SAFETY_RISK[tier] == expected
    assert "unassessed" not in spdx.SAFETY_RISK  # no assessment, no claim


# --- Model Card Toolkit: the published schema -----------------------------------------------
def test_the_model_card_toolkit_schema_is_the_published_one_with_string_metric_values(personas):
    import jsonschema

    schema = schemas.model_card_toolkit_schema()
    metric = schema["definitions"]["performance_metric"]["properties"]
    assert metric["value"]["type"] == "string"  # since model-card-toolkit 1.2
    assert "confidence_interval" in metric  # not in the early-2021 file the tests once kept
    from tests.documents.test_model_card import card_model

    _, version = card_model(personas)
    version.metrics = {**version.metrics, "calibration": "good"}
    version.save()
    from documents.model_card_formats import to_model_card_toolkit

    exported = to_model_card_toolkit(model_card.card_data(version))
    jsonschema.validate(exported, schema)
    metrics = exported["quantitative_analysis"]["performance_metrics"]
    assert {"type": "calibration", "value": "good"} in metrics  # text metrics are kept now
    metrics[0]["value"] = 0.8123  # the old export's number fails the published schema
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(exported, schema)


# --- API --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "content_type", "errors", "suffix"),
    [
        ("cyclonedx", "application/vnd.cyclonedx+json", schemas.cyclonedx_errors, ".cdx.json"),
        ("spdx", "application/spdx+json", schemas.spdx_errors, ".spdx3.json"),
    ],
)
def test_api_answers_both_bom_formats(
    personas, client_for, api_token, fmt, content_type, errors, suffix
):
    import json

    from django.urls import reverse

    from tests.documents.test_model_card import card_model

    model, _ = card_model(personas, description="<script>alert(1)</script> & more")
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token()}"
    url = reverse("documents-api:model-card", args=[model.pk, "1"])
    for params, headers in (({"format": fmt}, {}), ({}, {"HTTP_ACCEPT": content_type})):
        response = client.get(url, params, **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert b"<script>" not in response.content  # escaped as in the other JSON answers
        document = json.loads(response.content)
        assert errors(document) is None
    assert "<script>" in json.dumps(document, ensure_ascii=False)  # the data is intact
    if fmt == "spdx":  # element ids live under the endpoint's absolute URL
        assert _package(document)["spdxId"] == f"http://testserver{url}#package"
    response = client.get(url, {"format": fmt, "download": "1"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="credit-scoring-retail-v1{suffix}"'
    )
    # The model card's permissions: another team's owner does not see the model.
    assert client_for(personas.other_owner).get(url, {"format": fmt}).status_code == 404
    assert client_for(personas.auditor).get(url, {"format": fmt}).status_code == 200
    assert client_for(None).get(url, {"format": fmt}).status_code in (401, 403)


def test_openapi_schema_documents_the_bom_formats(client_for, personas):
    import yaml

    response = client_for(personas.auditor).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    (operation,) = [
        op["get"] for path, op in schema["paths"].items() if path.endswith("/model-card")
    ]
    (fmt,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert {"cyclonedx", "spdx"} <= set(fmt["schema"]["enum"])
    content = operation["responses"]["200"]["content"]
    assert "application/vnd.cyclonedx+json" in content and "application/spdx+json" in content
