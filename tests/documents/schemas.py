"""The official validators the exports are checked with, read from the published packages
(installed by ``make install-test``), never from a hand-kept copy.

- Model Card Toolkit: ``model_card_toolkit/schema/v0.0.2/model_card.schema.json`` from the
  ``model-card-toolkit`` wheel (installed with ``--no-deps``: its TensorFlow dependencies are
  not needed to read a JSON file). Located through the distribution's file list
  (``importlib.metadata``) because importing the package would import TensorFlow.
- CycloneDX 1.6: cyclonedx-python-lib's ``JsonStrictValidator`` and its bundled schema.
- SPDX 3.0.1: the SPDX project's bindings generated from the spec's model (spdx-python-model),
  whose deserializer rejects unknown types, unknown enum values and wrongly typed values, and
  whose serializer rejects missing required properties; plus the AIPackage restrictions the
  bindings do not carry (spdx-3-model, model/AI/Classes/AIPackage.md, "External properties
  restrictions").
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import metadata

MCT_SCHEMA_PATH = "model_card_toolkit/schema/v0.0.2/model_card.schema.json"
_BLANK = re.compile(r'"_:[^"]*"')
AI_PACKAGE_REQUIRED = (
    "suppliedBy",
    "software_downloadLocation",
    "software_packageVersion",
    "software_primaryPurpose",
    "releaseTime",
)


@cache
def model_card_toolkit_schema() -> dict:
    dist = metadata.distribution("model-card-toolkit")
    (path,) = [f for f in dist.files or [] if str(f) == MCT_SCHEMA_PATH]
    return json.loads(path.read_text(encoding="utf-8"))


def cyclonedx_errors(document: dict) -> str | None:
    """None when ``document`` is a valid CycloneDX 1.6 BOM, else the validator's message."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    return None if error is None else str(error)


def spdx_errors(document: dict) -> str | None:
    """None when ``document`` is valid SPDX 3.0.1 JSON-LD, else what is wrong."""
    import spdx_python_model
    from spdx_python_model import v3_0_1 as model

    try:
        _, objects = spdx_python_model.load_data(json.loads(json.dumps(document)))
        missing = objects.link()
        if missing:
            return f"references to elements that are not in the document: {sorted(missing)}"
        again = model.JSONLDSerializer().serialize_data(objects)  # checks min/max counts
    except Exception as exc:  # the bindings raise TypeError/ValueError/KeyError/LoadError
        return f"{type(exc).__name__}: {exc}"
    packages = [o for o in objects.foreach_type(model.ai_AIPackage)]
    if not packages:
        return "no ai_AIPackage"
    for node in document.get("@graph", []):
        if node.get("type") == "ai_AIPackage":
            absent = [p for p in AI_PACKAGE_REQUIRED if not node.get(p)]
            if absent:
                return f"ai_AIPackage lacks {absent} (AIPackage.md: minCount 1)"
    lost = set(_canonical(document)) - set(_canonical(again))
    if lost:
        return f"not read back as written (unknown to the SPDX 3.0.1 model?): {sorted(lost)}"
    return None


def _canonical(document: dict) -> list:
    """The graph's nodes as sorted JSON, blank-node names ("_:…") made equal: the serializer
    renames them."""
    graph = document.get("@graph", [document])
    return sorted(_BLANK.sub('"_:"', json.dumps(node, sort_keys=True)) for node in graph)
