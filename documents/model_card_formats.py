"""Model card exports: Model Card Toolkit JSON and a Hugging Face README. Pure: no ORM.

Both take the data of ``governance.documents.kinds.model_card.card_data``.

- ``to_model_card_toolkit`` returns a dict valid against the Model Card Toolkit schema v0.0.2
  as the ``model-card-toolkit`` package ships it (``model_card_toolkit/schema/v0.0.2/
  model_card.schema.json``; the tests read it from the installed wheel). Since release 1.2 a
  performance metric's ``value`` is a string there (the toolkit itself writes
  ``str(value)``), so numbers are written exactly as text and text metrics are kept. The
  schema has no place for the EU AI Act block, so the tier, its reasons and the oversight
  measures become ``ethical_considerations``.
- ``to_huggingface_readme`` returns a README.md: YAML front matter (license, tags,
  ``model-index`` with the metrics) and a Markdown body. Front-matter strings are written as
  JSON strings (valid YAML double-quoted scalars) by a tiny emitter, so no value can break out
  of its line; the body escapes Markdown and HTML, so ``<script>`` in a description stays text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from documents.exports.common import metric_value

MCT_SCHEMA_VERSION = "0.0.2"
CARD_NOTE = "Model Card Toolkit sections, EU AI Act block"
SPDX_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")


def _text(value: Any) -> str:
    return str(value or "").strip()


# --- Model Card Toolkit ---------------------------------------------------------------------
def _described(*texts: str) -> list[dict]:
    return [{"description": t} for t in (_text(x) for x in texts) if t]


def to_model_card_toolkit(data: dict) -> dict:
    """The card as Model Card Toolkit JSON (schema v0.0.2)."""
    model, version, eu = data["model"], data["version"], data["eu_ai_act"]
    details: dict[str, Any] = {"name": model["name"]}
    if _text(model["description"]):
        details["overview"] = _text(model["description"])
    if _text(model["purpose"]):
        details["documentation"] = _text(model["purpose"])
    details["owners"] = [
        {"name": c["name"], "contact": c["contact"] or c["role"]} for c in data["contacts"]
    ]
    details["version"] = {"name": version["name"]}
    if version["registered_date"]:
        details["version"]["date"] = version["registered_date"]
    if _text(version["description"]):
        details["version"]["diff"] = _text(version["description"])
    if version["license"]:
        license_ = version["license"]
        details["licenses"] = [
            {"identifier": license_} if SPDX_LIKE.match(license_) else {"custom_text": license_}
        ]
    if data["references"]:
        details["references"] = [{"reference": ref} for ref in data["references"]]

    parameters: dict[str, Any] = {}
    if _text(model["parameters"]):
        parameters["model_architecture"] = _text(model["parameters"])
    datasets = []
    if _text(data["training_data"]):
        datasets.append({"name": "Training data", "description": _text(data["training_data"])})
    evaluation = data.get("evaluation")
    if evaluation:
        datasets.append(
            {
                "name": "Evaluation data",
                "description": (
                    f"Evaluation submitted with the {evaluation['environment']} deployment "
                    f"request of {evaluation['submitted']}."
                ),
            }
        )
    if datasets:
        parameters["data"] = datasets
    if _text(data["factors"]["input_features"]):
        parameters["input_format"] = _text(data["factors"]["input_features"])

    metrics = [{"type": m["name"], "value": metric_value(m)} for m in data["metrics"]]
    if evaluation:
        metrics += [
            {
                "type": m["name"],
                "value": metric_value(m),
                "slice": f"{evaluation['environment']} deployment request",
            }
            for m in evaluation["metrics"]
        ]
    analysis: dict[str, Any] = {"performance_metrics": metrics}
    if data.get("chart"):
        # The chart is SVG (in the PDF and on the page); the schema wants base64 PNG images.
        analysis["graphics"] = {
            "description": "A bar chart of these metrics is in the PDF model card.",
            "collection": [],
        }

    ethical = [
        {"name": r["name"], "mitigation_strategy": r["mitigation"]}
        for r in data["considerations"]["ethical"]
    ]
    if eu.get("assessed"):
        ethical.insert(
            0,
            {
                "name": f"EU AI Act risk tier: {eu['tier_label']} ({eu['decided_by']['article']})",
                "mitigation_strategy": " ".join(
                    f"{r['article']}: {r['text']}" for r in eu["reasons"]
                )
                + (
                    f" Obligations met or justified: {data['obligations']['done']} of "
                    f"{data['obligations']['total']}."
                    if data["obligations"]["total"]
                    else ""
                ),
            },
        )
    considerations = {
        "users": _described(data["intended_use"]["intended_users"]),
        "use_cases": _described(
            data["intended_use"]["intended_use"],
            (
                "Out of scope: " + _text(data["intended_use"]["out_of_scope_use"])
                if _text(data["intended_use"]["out_of_scope_use"])
                else ""
            ),
        ),
        "limitations": _described(data["considerations"]["limitations"]),
        "tradeoffs": [],
        "ethical_considerations": ethical,
    }
    return {
        "schema_version": MCT_SCHEMA_VERSION,
        "model_details": details,
        "model_parameters": parameters,
        "quantitative_analysis": analysis,
        "considerations": considerations,
    }


# --- YAML front matter ----------------------------------------------------------------------
# Characters a YAML double-quoted scalar may not hold raw (or would fold as line breaks), and
# the HTML-significant ones, so no markup from a field appears raw anywhere in the README.
_YAML_UNSAFE = re.compile("[<>&\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes are YAML's, plus ``\\uXXXX`` for the few
    characters YAML refuses raw and for ``<``, ``>`` and ``&``."""
    encoded = json.dumps(str(value), ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return yaml_string(value)


def yaml_lines(value: Any, indent: int = 0) -> list[str]:
    """Block YAML for dicts and lists of scalars, dicts and lists (keys are plain words)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += yaml_lines(item, indent + (2 if isinstance(item, dict) else 0))
            elif isinstance(item, dict | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_yaml_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = yaml_lines(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    return lines


# --- Markdown -------------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~!])")
# Line starts that open a block: quote, heading or list marker (before a space), a setext
# underline or thematic break (a line of - or =), an ordered-list number.
_MD_BLOCK_MARK = re.compile(r"^(\s*)(>|[#+-](?=\s|$)|[-=](?=[-=\s]*$))")
_MD_ORDERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")


def md(value: Any) -> str:
    """User text as inert Markdown: HTML escaped, Markdown syntax backslash-escaped."""
    text = str(value or "")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line)
        line = _MD_BLOCK_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        line = _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        lines.append(line)
    return "\n".join(lines)


def md_cell(value: Any) -> str:
    """Text for a Markdown table cell: one line."""
    return md(value).replace("\n", " ")


def _para(value: Any, empty: str = "_Not documented._") -> str:
    return md(value) if _text(value) else empty


def _slug(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
    return slug[:60] or "metric"


def _hf_license(license_: str) -> dict:
    if not license_:
        return {"license": "other", "license_name": "not-specified"}
    if SPDX_LIKE.match(license_):
        return {"license": license_.lower()}
    return {"license": "other", "license_name": _slug(license_)}


def to_huggingface_readme(data: dict) -> str:
    """The card as a Hugging Face README.md (YAML front matter + Markdown)."""
    model, version, eu = data["model"], data["version"], data["eu_ai_act"]
    tags = ["attest", f"eu-ai-act-{eu['tier']}"] + [t for t in model["tags"] if _text(t)]
    front: dict[str, Any] = {**_hf_license(version["license"]), "tags": tags}
    numeric = [m for m in data["metrics"] if m["value"] is not None]
    if numeric:
        front["model-index"] = [
            {
                "name": model["name"],
                "results": [
                    {
                        "task": {"type": "other", "name": model["purpose"][:200] or "Model"},
                        "dataset": {
                            "type": "custom",
                            "name": f"Evaluation of version {version['name']}",
                        },
                        "metrics": [
                            {"type": _slug(m["name"]), "value": m["value"], "name": m["name"]}
                            for m in numeric
                        ],
                    }
                ],
            }
        ]
    out = ["---", *yaml_lines(front), "---", ""]
    out += [f"# {md_cell(model['name'])} (version {md_cell(version['name'])})", ""]
    out += [_para(model["description"], "_No description._"), ""]

    out += ["## Model details", ""]
    details = [
        ("Owner team", model["team"]),
        ("Version", version["name"]),
        ("Registered", version["registered"]),
        ("Lifecycle", model["lifecycle_label"]),
        ("Source", version["source_uri"]),
        ("Run", version["run_id"]),
        ("License", version["license"] or "not specified"),
        ("EU AI Act risk tier", eu["tier_label"]),
    ]
    out += [f"- **{label}:** {md_cell(value) or '—'}" for label, value in details]
    contacts = [c for c in data["contacts"] if c["contact"]]
    if contacts:
        out += ["- **Contacts:** " + "; ".join(md_cell(c["contact"]) for c in contacts)]
    out += ["", "### Purpose", "", _para(model["purpose"]), ""]

    uses = data["intended_use"]
    out += ["## Uses", "", "### Intended use", "", _para(uses["intended_use"]), ""]
    out += ["### Intended users", "", _para(uses["intended_users"]), ""]
    out += ["### Out-of-scope use", "", _para(uses["out_of_scope_use"]), ""]

    out += ["## Bias, risks, and limitations", "", _para(data["considerations"]["limitations"])]
    for risk in data["considerations"]["ethical"]:
        out += ["", f"- **{md_cell(risk['name'])}:** {md_cell(risk['mitigation'])}"]
    out += [""]

    out += ["## Training details", "", "### Training data", "", _para(data["training_data"])]
    out += ["", "### Input features", "", _para(data["factors"]["input_features"]), ""]

    out += ["## Evaluation", ""]
    if data["metrics"]:
        out += ["| Metric | Value |", "| --- | ---: |"]
        out += [f"| {md_cell(m['name'])} | {md_cell(m['display'])} |" for m in data["metrics"]]
    else:
        out += ["_No metrics recorded for this version._"]
    evaluation = data.get("evaluation")
    if evaluation:
        out += [
            "",
            f"Submitted with the {md_cell(evaluation['environment'])} deployment request "
            f"({md_cell(evaluation['submitted'])}):",
            "",
            "| Metric | Value |",
            "| --- | ---: |",
        ]
        out += [
            f"| {md_cell(m['name'])} | {md_cell(m['display'])} |" for m in evaluation["metrics"]
        ]
    out += ["", "### Results", "", _para(model["results"]), ""]

    out += ["## EU AI Act", ""]
    if eu.get("assessed"):
        out += [
            f"- **Risk tier:** {md_cell(eu['tier_label'])} "
            f"(assessment revision {eu['revision']}, rule set {md_cell(eu['ruleset_version'])})",
            f"- **Role:** {md_cell(eu['role_label'])}",
        ]
        if eu["annex_iii"]:
            area = eu["annex_iii"]
            out += [
                f"- **Annex III area:** {md_cell(area['area'])} — {md_cell(area['use'])} "
                f"({md_cell(area['article'])})"
            ]
        for label, row in (
            ("Human oversight", eu["human_oversight"]),
            ("Post-market monitoring", eu["post_market"]),
        ):
            if row:
                out += [
                    f"- **{label}:** {md_cell(row['article'])} "
                    f"{md_cell(row['status_label'].lower())}"
                ]
        out += [f"- **Incident contact:** {md_cell(eu['incident_contact']) or '—'}", ""]
        out += ["Reasons:", ""]
        out += [f"- {md_cell(r['article'])}: {md_cell(r['text'])}" for r in eu["reasons"]]
    else:
        out += ["_Not assessed yet._"]
    obligations = data["obligations"]
    if obligations["total"]:
        out += [
            "",
            f"Obligations met or justified: {obligations['done']} of {obligations['total']}.",
        ]
    out += ["", "---", "", f"_Generated by Attest from the portal's records ({CARD_NOTE})._", ""]
    return "\n".join(out)
