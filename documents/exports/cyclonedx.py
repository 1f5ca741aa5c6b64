"""A model version as a CycloneDX 1.6 ML-BOM (JSON). Pure: takes ``card_data``.

Field names and shapes follow the CycloneDX 1.6 JSON schema as cyclonedx-python-lib bundles it
(``cyclonedx/schema/_res/bom-1.6.SNAPSHOT.schema.json``; the tests validate every export with
its ``JsonStrictValidator(SchemaVersion.V1_6)``):

- the model is a component of ``type: "machine-learning-model"`` (``metadata.component``, what
  the BOM describes) with a ``modelCard`` (``modelParameters``, ``quantitativeAnalysis.
  performanceMetrics`` whose ``value`` is a string, ``considerations`` with ``users``,
  ``useCases``, ``technicalLimitations`` and ``ethicalConsiderations`` of ``{name,
  mitigationStrategy}``);
- the training and evaluation data the card describes are components of ``type: "data"``
  holding ``data: [{type: "dataset", name, description}]`` (``componentData``), referenced from
  ``modelParameters.datasets`` by ``{ref}`` and from ``dependencies``.

The dict is written here rather than with cyclonedx-python-lib's model classes because those
have no ``modelCard`` yet (cyclonedx-python-lib 11.x: ``Component.model_card`` is a TODO,
upstream issue CycloneDX/cyclonedx-python-lib#912), so the library could not emit one.

The EU AI Act classification has no field of its own: it is an ``ethicalConsiderations`` entry
(as in the Model Card Toolkit export) and ``attest:eu-ai-act:*`` properties.
"""

from __future__ import annotations

import re
import uuid
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

SPEC_VERSION = "1.6"
MEDIA_TYPE = "application/vnd.cyclonedx+json"
# Only plain web links become externalReferences (their url is format "iri-reference");
# anything else the registry stored (models:/…, s3://…, free text) stays a property.
_WEB_LINK = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def _properties(pairs: list[tuple[str, Any]]) -> list[dict]:
    return [{"name": name, "value": text(value)} for name, value in pairs if text(value)]


def _dataset(ref: str, name: str, description: str) -> dict:
    return {
        "type": "data",
        "bom-ref": ref,
        "name": name,
        "data": [{"type": "dataset", "name": name, "description": description}],
    }


def to_cyclonedx(data: dict, *, created: datetime, serial: uuid.UUID | None = None) -> dict:
    """The card's record as a CycloneDX 1.6 BOM whose subject is the model version."""
    model, version, eu = data["model"], data["version"], data["eu_ai_act"]
    model_ref = f"attest:model:{model['id']}:version:{version['name']}"

    datasets = []
    if text(data["training_data"]):
        datasets.append(
            _dataset(f"{model_ref}:training-data", "Training data", data["training_data"])
        )
    evaluation = data.get("evaluation")
    if evaluation:
        datasets.append(
            _dataset(
                f"{model_ref}:evaluation-data",
                "Evaluation data",
                f"Evaluation submitted with the {evaluation['environment']} deployment "
                f"request of {evaluation['submitted']}.",
            )
        )

    parameters: dict[str, Any] = {}
    if text(model["parameters"]):
        parameters["modelArchitecture"] = text(model["parameters"])
    if datasets:
        parameters["datasets"] = [{"ref": d["bom-ref"]} for d in datasets]

    metrics = []
    for row, slice_ in all_metrics(data):
        metric = {"type": row["name"], "value": metric_value(row)}
        if slice_:
            metric["slice"] = slice_
        metrics.append(metric)

    ethical = [
        {"name": r["name"], "mitigationStrategy": r["mitigation"]}
        for r in data["considerations"]["ethical"]
    ]
    if eu.get("assessed"):
        ethical.insert(
            0,
            {
                "name": f"EU AI Act risk tier: {eu['tier_label']} ({eu['decided_by']['article']})",
                "mitigationStrategy": eu_ai_act_summary(data),
            },
        )
    considerations: dict[str, Any] = {}
    users = [text(data["intended_use"]["intended_users"])]
    for key, values in (
        ("users", users),
        ("useCases", use_cases(data)),
        ("technicalLimitations", [text(data["considerations"]["limitations"])]),
    ):
        if [v for v in values if v]:
            considerations[key] = [v for v in values if v]
    if ethical:
        considerations["ethicalConsiderations"] = ethical

    model_card: dict[str, Any] = {"bom-ref": f"{model_ref}:model-card"}
    if parameters:
        model_card["modelParameters"] = parameters
    if metrics:
        model_card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    if considerations:
        model_card["considerations"] = considerations
    annex = eu.get("annex_iii") or {}
    card_properties = _properties(
        [
            ("attest:eu-ai-act:risk-tier", eu["tier"]),
            ("attest:eu-ai-act:decided-by", (eu.get("decided_by") or {}).get("article")),
            ("attest:eu-ai-act:role", eu.get("role")),
            ("attest:eu-ai-act:annex-iii", annex.get("article")),
            ("attest:eu-ai-act:ruleset", eu.get("ruleset_version")),
            ("attest:input-features", data["factors"]["input_features"]),
            (
                "attest:obligations-met",
                f"{data['obligations']['done']}/{data['obligations']['total']}"
                if data["obligations"]["total"]
                else "",
            ),
        ]
    )
    if card_properties:
        model_card["properties"] = card_properties

    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": model_ref,
        "name": model["name"],
        "version": version["name"],
    }
    if text(model["description"]):
        component["description"] = text(model["description"])
    if model["team"]:
        component["supplier"] = {"name": model["team"]}
    if version["license"]:
        # A name, not an SPDX id: registries hold free text ("proprietary"), and only ids from
        # the SPDX list are valid in license.id.
        component["licenses"] = [{"license": {"name": version["license"]}}]
    links = [ref for ref in data["references"] if _WEB_LINK.match(ref)]
    if links:
        component["externalReferences"] = [{"type": "documentation", "url": u} for u in links]
    component["modelCard"] = model_card
    component_properties = _properties(
        [
            ("attest:source-uri", version["source_uri"]),
            ("attest:run-id", version["run_id"]),
            ("attest:lifecycle", model["lifecycle"]),
            ("attest:registry", model["registry"]),
        ]
        + [("attest:tag", tag) for tag in model["tags"]]
        + [("attest:alias", alias) for alias in version["aliases"]]
        + [(f"attest:registry-tag:{k}", v) for k, v in version["tags"]]
        + [("attest:reference", ref) for ref in data["references"] if not _WEB_LINK.match(ref)]
    )
    if component_properties:
        component["properties"] = component_properties

    registered = card_time(version["registered"])
    metadata: dict[str, Any] = {
        "timestamp": iso_z(created),
        "tools": {"components": [{"type": "application", "name": "Attest"}]},
        "component": component,
    }
    if registered is not None:
        metadata["properties"] = [{"name": "attest:registered", "value": iso_z(registered)}]
    bom: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": (serial or uuid.uuid4()).urn,
        "version": 1,
        "metadata": metadata,
    }
    if datasets:
        bom["components"] = datasets
        bom["dependencies"] = [
            {"ref": model_ref, "dependsOn": [d["bom-ref"] for d in datasets]},
            *({"ref": d["bom-ref"]} for d in datasets),
        ]
    return bom
