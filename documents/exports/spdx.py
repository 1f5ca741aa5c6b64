"""A model version as an SPDX 3.0.1 document with the AI profile (JSON-LD). Takes ``card_data``
(and reads the assessment's rule set file to turn an answer's label back into its code).

Names follow the SPDX 3.0.1 model (spdx/spdx-3-model, ``model/AI/Classes/AIPackage.md`` and
``model/Core``), in the compact JSON-LD form of ``https://spdx.org/rdf/3.0.1/spdx-context.jsonld``
(``ai_``/``software_`` prefixes for profile properties). The tests load every export with the
SPDX project's generated bindings (spdx-python-model, ``v3_0_1``) and check the AIPackage's
required properties.

- ``CreationInfo`` (a blank node every element points to), the ``Organization`` that supplies
  the model (the owning team, else the deploying organisation "Attest"), the ``Tool`` Attest,
  the ``ai_AIPackage`` and an ``SpdxDocument`` whose ``rootElement`` is the package; a
  ``Relationship`` ``describes`` from the document to the package.
- AIPackage's external restrictions (spec: ``suppliedBy``, ``software_downloadLocation``,
  ``software_packageVersion``, ``software_primaryPurpose``, ``releaseTime``, minCount 1) are
  always written: download location is the registry's source URI when it is a URI, else the
  version's page in Attest; release time is the registry's creation time, else when Attest first
  recorded the version.
- Only what the record holds is written. Not recorded anywhere in Attest, so left out:
  ``ai_energyConsumption``, ``ai_hyperparameter`` (the card has free-text parameters, written
  as ``ai_typeOfModel``), ``ai_metricDecisionThreshold``, ``ai_modelExplainability``.

EU AI Act tier to ``ai_safetyRiskAssessment``: SPDX's four values come from the EU general
risk assessment methodology (Article 20 of Regulation (EC) No 765/2008: "serious", "high",
"medium", "low"), not from the AI Act, whose tiers are prohibited / high / limited / minimal.
Attest maps the tiers by rank (``SAFETY_RISK``) and writes the AI Act tier itself, with its
article, in the package's ``comment``; an unassessed model has no ``ai_safetyRiskAssessment``.
``ai_standardCompliance`` names Regulation (EU) 2024/1689 only when the model has been assessed
and every obligation of its tier is met or justified.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from documents.exports.common import (
    all_metrics,
    card_time,
    eu_ai_act_summary,
    iso_z,
    metric_value,
    text,
    use_cases,
)
from risk import ruleset as rulesets

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
# SPDX 3 JSON is "a strict subset of JSON-LD" with the global context at the top and every
# Element a top-level node of @graph (spdx/spdx-spec docs/serializations.md, which also suggests
# the file name *.spdx3.json). The spec names no media type; application/spdx+json is the one
# registered for SPDX documents (IANA), served here rather than the generic ld+json.
MEDIA_TYPE = "application/spdx+json"
AI_ACT = "Regulation (EU) 2024/1689 (Artificial Intelligence Act)"
# By rank (see the module docstring). "unassessed" has none.
SAFETY_RISK = {"prohibited": "serious", "high": "high", "limited": "medium", "minimal": "low"}
# The rule set's "How autonomous are its decisions?" (risk/rulesets/*.json, question
# "autonomy") to ai_autonomyType (Core/PresenceType): "Indicates whether the system can perform
# a decision or action without human involvement or guidance".
AUTONOMY = {"automated": "yes", "advisory": "no", "human_in_loop": "no"}
# "data_sensitivity" to ai_useSensitivePersonalInformation: the spec counts "biometric data,
# addresses or other data that can be used to infer a person's identity", so any personal data.
SENSITIVE = {"non_personal": "no", "personal": "yes", "special": "yes"}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


def _sensitivity(eu: dict) -> str:
    """The "data_sensitivity" answer's code: the card holds its label, the rule set the
    assessment was answered under maps it back."""
    if not eu.get("assessed"):
        return "noAssertion"
    ruleset = rulesets.for_assessment(eu.get("ruleset_version"))
    question = ruleset.question("data_sensitivity")
    label = (eu.get("answers") or {}).get("data_sensitivity", "")
    codes = {lbl: code for code, lbl in ruleset.options(question)} if question else {}
    return SENSITIVE.get(codes.get(label, ""), "noAssertion")


def to_spdx(
    data: dict, *, namespace: str, page_url: str, created: datetime, recorded: datetime
) -> dict:
    """The card's record as SPDX 3.0.1 JSON-LD. ``namespace``: an absolute URI the element
    ids are made from; ``page_url``: the version's page (download location fallback);
    ``recorded``: when Attest first stored the version (release time fallback)."""
    model, version, eu = data["model"], data["version"], data["eu_ai_act"]
    ids = {
        name: f"{namespace}#{name}"
        for name in ("document", "package", "supplier", "tool", "describes")
    }
    info = "_:creationinfo"
    creation = {
        "type": "CreationInfo",
        "@id": info,
        "specVersion": SPEC_VERSION,
        "created": iso_z(created),
        "createdBy": [ids["supplier"]],
        "createdUsing": [ids["tool"]],
    }
    supplier = {
        "type": "Organization",
        "spdxId": ids["supplier"],
        "creationInfo": info,
        "name": model["team"] or "Attest",
    }
    tool = {"type": "Tool", "spdxId": ids["tool"], "creationInfo": info, "name": "Attest"}

    package: dict[str, Any] = {
        "type": "ai_AIPackage",
        "spdxId": ids["package"],
        "creationInfo": info,
        "name": model["name"],
        "software_packageVersion": version["name"],
        "software_downloadLocation": (
            version["source_uri"] if _URI.match(version["source_uri"] or "") else page_url
        ),
        "software_primaryPurpose": "model",
        "suppliedBy": ids["supplier"],
        "releaseTime": iso_z(card_time(version["registered"]) or recorded),
    }
    if text(model["description"]):
        package["description"] = text(model["description"])
    if text(model["purpose"]):
        package["summary"] = text(model["purpose"])
    package["comment"] = eu_ai_act_summary(data)
    package["ai_autonomyType"] = AUTONOMY.get(eu.get("autonomy", ""), "noAssertion")
    annex = eu.get("annex_iii")
    if annex and text(annex.get("area")):
        package["ai_domain"] = [f"{annex['area']}: {annex['use']} ({annex['article']})"]
    if text(data["training_data"]):
        package["ai_informationAboutTraining"] = text(data["training_data"])
    application = use_cases(data)
    if text(data["intended_use"]["intended_users"]):
        application.append("Intended users: " + text(data["intended_use"]["intended_users"]))
    if application:
        package["ai_informationAboutApplication"] = "\n".join(application)
    if text(data["considerations"]["limitations"]):
        package["ai_limitation"] = text(data["considerations"]["limitations"])
    metrics = [
        {
            "type": "DictionaryEntry",
            "key": row["name"] if not slice_ else f"{row['name']} ({slice_})",
            "value": metric_value(row),
        }
        for row, slice_ in all_metrics(data)
    ]
    if metrics:
        package["ai_metric"] = metrics
    if eu["tier"] in SAFETY_RISK:
        package["ai_safetyRiskAssessment"] = SAFETY_RISK[eu["tier"]]
    obligations = data["obligations"]
    if eu.get("assessed") and obligations["total"] and obligations["done"] == obligations["total"]:
        package["ai_standardCompliance"] = [AI_ACT]
    if text(model["parameters"]):
        package["ai_typeOfModel"] = [text(model["parameters"])]
    package["ai_useSensitivePersonalInformation"] = _sensitivity(eu)

    describes = {
        "type": "Relationship",
        "spdxId": ids["describes"],
        "creationInfo": info,
        "from": ids["document"],
        "relationshipType": "describes",
        "to": [ids["package"]],
    }
    document = {
        "type": "SpdxDocument",
        "spdxId": ids["document"],
        "creationInfo": info,
        "name": f"{model['name']} version {version['name']}",
        "profileConformance": ["core", "software", "ai"],
        "rootElement": [ids["package"]],
        "element": [ids["supplier"], ids["tool"], ids["package"], ids["describes"]],
    }
    return {
        "@context": CONTEXT,
        "@graph": [creation, supplier, tool, package, describes, document],
    }
