"""The model card of one model version (Mitchell et al. sections, plus an EU AI Act block).

``card_data(version)`` gathers what the card shows from the catalog and governance records: it
is the builder's ``compose`` (hashed into the document's ``inputs_hash``), the data of the web
page and the source of the Model Card Toolkit and Hugging Face exports
(``documents/print/model_card_formats.py``). It must stay JSON-serialisable and
deterministic: lists are sorted, times are UTC strings, nothing depends on "now" or on who asks.

Every value from users or registries stays plain text here; templates escape it and the exports
encode it. The metrics chart is geometry only (numbers and label strings), drawn as SVG by
``templates/documents/print/_model_card_chart.html`` for both the PDF and the web page.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import DeploymentRequest
from catalog.models import ModelService, ModelVersion
from documents import model_card_formats
from documents.kinds.model_card_approvals import approvals_section
from documents.kinds.model_card_metrics import (  # noqa: F401  (re-exported for tests)
    MAX_CHART_BARS,
    _is_number,
    bar_chart,
    format_number,
    metric_rows,
)
from documents.kinds.text import date_text as _day
from documents.kinds.text import localized_result
from documents.kinds.text import person_or_blank as _person
from documents.kinds.text import time_text as _when
from documents.models import GeneratedDocument
from documents.registry import Builder, register
from documents.rendering import (
    EmbeddedFile,
    inputs_hash,  # noqa: F401
)
from risk.models import Obligation, RiskAssessment
from risk.ruleset import localized_text

KIND = GeneratedDocument.Kind.MODEL_CARD
TEMPLATE_VERSION = "model-card/1"
CARD_FORMAT = "attest.model-card/1"

SECTIONS = [
    ["model-details", gettext_lazy("Model details")],
    ["intended-use", gettext_lazy("Intended use")],
    ["factors", gettext_lazy("Factors")],
    ["metrics", gettext_lazy("Metrics and evaluation data")],
    ["training-data", gettext_lazy("Training data")],
    ["quantitative-analysis", gettext_lazy("Quantitative analysis")],
    ["considerations", gettext_lazy("Ethical considerations, caveats and recommendations")],
    ["eu-ai-act", gettext_lazy("EU AI Act")],
    ["obligations", gettext_lazy("Obligations")],
    ["approvals", gettext_lazy("Approvals and deployments")],
]

# Obligation codes (rule set) answering "is there human oversight / post-market monitoring?",
# provider side first, then the deployer-side equivalent.
HUMAN_OVERSIGHT_CODES = ("art14_human_oversight", "art26_oversight")
POST_MARKET_CODES = ("art72_post_market", "art26_monitoring")
DATA_GOVERNANCE_CODES = ("art10_data_governance", "art26_input_data")


# --- Small pure helpers ---------------------------------------------------------------------
# --- Composition ----------------------------------------------------------------------------
def _license(version: ModelVersion, model: ModelService) -> str:
    for tags in (version.tags or {}, model.registry_tags or {}):
        for key in ("license", "licence"):
            if str(tags.get(key) or "").strip():
                return str(tags[key]).strip()[:200]
    for tag in model.tags or []:
        if isinstance(tag, str) and tag.lower().startswith("license:"):
            return tag.split(":", 1)[1].strip()[:200]
    return ""


def _contacts(model: ModelService) -> list[dict]:
    """The owning team and its people (service accounts excluded), for questions and incidents."""
    team = model.owner_team
    if team is None:
        return []
    people = sorted(
        (u for u in team.members.filter(is_active=True, is_service_account=False)),
        key=lambda u: u.username,
    )
    return [{"name": team.name, "role": _("Owning team"), "contact": ""}] + [
        {"name": _person(u), "role": _("Team member"), "contact": u.email or ""} for u in people
    ]


def _choice_label(ruleset, qid: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    question = ruleset.question(qid)
    has_choices = question is not None and ("choices" in question or "choices_from" in question)
    options = dict(ruleset.options(question)) if has_choices else {}
    if isinstance(value, list):
        return "; ".join(options.get(v, str(v)) for v in value)
    return options.get(value, str(value))


def _obligation_row(o: Obligation) -> dict:
    return {
        "code": o.code,
        # stored in English (the rule set's words); shown in the card's language
        "article": localized_text(o.article),
        "title": localized_text(o.title),
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "done": o.status in Obligation.DONE,
        "owner": _person(o.owner),
        "due": o.due_date.isoformat() if o.due_date else "",
        "applies_from": o.applies_from.isoformat() if o.applies_from else "",
        "justification": o.justification,
        "evidence": len(o.evidence.all()),
    }


def _article_key(row: dict) -> tuple:
    """Articles sorted by their numbers ("Art. 9" before "Art. 10"), then by code."""
    parts = re.split(r"(\d+)", row["article"])
    return (tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts), row["code"])


def _find(rows: list[dict], codes: tuple[str, ...]) -> dict | None:
    return next((r for code in codes for r in rows if r["code"] == code), None)


def _obligations(model: ModelService) -> dict:
    items = sorted(
        (
            _obligation_row(o)
            for o in Obligation.objects.filter(model_service=model, is_current=True)
            .select_related("owner")
            .prefetch_related("evidence")
        ),
        key=_article_key,
    )
    summary = [
        {
            "status": value,
            "label": str(label),
            "count": sum(1 for i in items if i["status"] == value),
        }
        for value, label in Obligation.Status.choices
    ]
    done = sum(1 for i in items if i["done"])
    return {
        "items": items,
        "summary": summary,
        "total": len(items),
        "done": done,
        "completeness": round(100 * done / len(items)) if items else None,
    }


def _eu_ai_act(model: ModelService, obligations: dict, contacts: list[dict]) -> dict:
    from risk import ruleset as rulesets

    assessment = (
        RiskAssessment.objects.filter(model_service=model, status=RiskAssessment.Status.SUBMITTED)
        .select_related("submitted_by")
        .order_by("-revision")
        .first()
    )
    team = model.owner_team.name if model.owner_team_id else ""
    if assessment is None:
        return {
            "assessed": False,
            "tier": ModelService.RiskTier.UNASSESSED.value,
            "tier_label": str(ModelService.RiskTier.UNASSESSED.label),
            "incident_contact": team,
        }
    # as it was answered, worded in the active language
    ruleset = rulesets.for_assessment(assessment.ruleset_version).localized()
    answers = assessment.answers or {}
    result = localized_result(assessment.ruleset_version, answers, assessment.result or {})
    annex_iii = None
    use = answers.get("annex_iii_use")
    if use:
        try:
            item = ruleset.item("annex_iii", use)
            annex_iii = {
                "id": use,
                "area": f"{item['area']}. {item['area_title']}",
                "use": item["text"],
                "article": item["article"],
            }
        except (KeyError, StopIteration):
            annex_iii = {"id": use, "area": "", "use": str(use), "article": ""}
    role = answers.get("role", "provider")
    rows = obligations["items"]
    tier = assessment.tier or ModelService.RiskTier.UNASSESSED.value
    return {
        "assessed": True,
        "tier": tier,
        "tier_label": str(ModelService.RiskTier(tier).label),
        "revision": assessment.revision,
        "ruleset_version": assessment.ruleset_version,
        "submitted": _when(assessment.submitted_at),
        "submitted_by": _person(assessment.submitted_by),
        "internal_rating": assessment.internal_rating,
        "decided_by": {
            "article": (result.get("decided_by") or {}).get("article", ""),
            "text": (result.get("decided_by") or {}).get("text", ""),
        },
        "reasons": [
            {"article": r.get("article", ""), "text": r.get("text", "")}
            for r in result.get("reasons") or []
        ],
        "transparency_duties": [
            {"article": r.get("article", ""), "text": r.get("text", "")}
            for r in result.get("transparency_duties") or []
        ],
        "notes": [str(n) for n in result.get("notes") or []],
        "gpai": bool(result.get("gpai")),
        "gpai_systemic_risk": bool(result.get("gpai_systemic_risk")),
        "derogation_applied": bool(result.get("derogation_applied")),
        "role": role,
        "role_label": _choice_label(ruleset, "role", role),
        "annex_iii": annex_iii,
        "autonomy": answers.get("autonomy", ""),
        "autonomy_label": _choice_label(ruleset, "autonomy", answers.get("autonomy")),
        "human_oversight": _find(rows, HUMAN_OVERSIGHT_CODES),
        "post_market": _find(rows, POST_MARKET_CODES),
        "incident_contact": team,
        "incident_contacts": [c for c in contacts if c["contact"]],
        # Art. 73 clocks run from awareness; shown where they apply (high-risk providers).
        "incident_clocks": tier == "high" and role == "provider",
        "answers": {
            "affected_people": _choice_label(
                ruleset, "affected_people", answers.get("affected_people")
            ),
            "data_sensitivity": _choice_label(
                ruleset, "data_sensitivity", answers.get("data_sensitivity")
            ),
            "profiles_persons": answers.get("profiles_persons"),
            "affected_people_value": answers.get("affected_people", ""),
            "data_sensitivity_value": answers.get("data_sensitivity", ""),
        },
    }


def _ethics(eu: dict, obligations: dict) -> list[dict]:
    """Risks the assessment answers point at, each with the measure the records show."""
    if not eu.get("assessed"):
        return []
    rows = obligations["items"]

    def status(codes, fallback: str) -> str:
        row = _find(rows, codes)
        if row is None:
            return fallback
        return _("%(article)s %(title)s: %(status)s.") % {
            "article": row["article"],
            "title": row["title"],
            "status": row["status_label"].lower(),
        }

    oversight = status(HUMAN_OVERSIGHT_CODES, _("No human-oversight obligation for this tier."))
    answers = eu["answers"]
    risks = []
    if answers["data_sensitivity_value"] in ("personal", "special"):
        risks.append(
            {
                "name": (
                    _("Processes special categories of personal data")
                    if answers["data_sensitivity_value"] == "special"
                    else _("Processes personal data")
                ),
                "mitigation": status(
                    DATA_GOVERNANCE_CODES, _("Data protection under the GDPR; no AI Act duty.")
                ),
            }
        )
    if answers["profiles_persons"]:
        risks.append(
            {
                "name": _("Profiles natural persons (automated evaluation of personal aspects)"),
                "mitigation": oversight,
            }
        )
    if answers["affected_people_value"] == "vulnerable":
        risks.append({"name": _("Outputs affect vulnerable people"), "mitigation": oversight})
    if eu.get("autonomy") == "automated":
        risks.append({"name": _("Decisions are fully automated"), "mitigation": oversight})
    for duty in eu.get("transparency_duties") or []:
        risks.append(
            {
                "name": _("Transparency duty (%(article)s)") % {"article": duty["article"]},
                "mitigation": duty["text"],
            }
        )
    return risks


def _evaluation(version: ModelVersion) -> dict | None:
    """What CI submitted with the latest deployment request that carried metrics."""
    request = (
        DeploymentRequest.objects.filter(model_version=version)
        .exclude(metrics={})
        .order_by("-created_at", "pk")
        .first()
    )
    if request is None:
        return None
    return {
        "environment": request.environment,
        "state_label": str(request.get_state_display()),
        "submitted": _when(request.submitted_at or request.created_at),
        "justification": request.justification,
        "metrics": metric_rows(request.metrics),
        "links": sorted(str(link) for link in request.links or []),
    }


def card_data(version: ModelVersion) -> dict:
    """Everything the model card of ``version`` shows (see the module docstring)."""
    model = ModelService.objects.select_related("owner_team", "registry_source").get(
        pk=version.model_service_id
    )
    contacts = _contacts(model)
    obligations = _obligations(model)
    eu = _eu_ai_act(model, obligations, contacts)
    metrics = metric_rows(version.metrics)
    evaluation = _evaluation(version)
    references = sorted(
        ({version.source_uri} | set(evaluation["links"] if evaluation else [])) - {""}
    )
    return {
        "card_format": CARD_FORMAT,
        # The language the card is worded in (the active one): part of a PDF's inputs hash.
        "language": (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0],
        "sections": [[anchor, str(heading)] for anchor, heading in SECTIONS],
        "model": {
            "id": str(model.pk),
            "name": model.name,
            "team": model.owner_team.name if model.owner_team_id else "",
            "description": model.description,
            "purpose": model.purpose,
            "lifecycle": model.lifecycle_status,
            "lifecycle_label": str(model.get_lifecycle_status_display()),
            "tags": sorted(str(t) for t in model.tags or []),
            "registry": str(model.registry_source) if model.registry_source_id else "",
            "registry_name": model.registry_name,
            "stakeholders": model.stakeholders,
            "parameters": model.parameters,
            "reproduction": model.reproduction,
            "results": model.results,
        },
        "version": {
            "name": version.version,
            "description": version.description,
            "status": version.status,
            "status_label": str(version.get_status_display()),
            "registered": _when(version.registry_created_at),
            "registered_date": _day(version.registry_created_at),
            "updated": _when(version.registry_updated_at),
            "source_uri": version.source_uri,
            "run_id": version.run_id,
            "aliases": sorted(str(a) for a in version.aliases or []),
            "tags": [[str(k), str(v)] for k, v in sorted((version.tags or {}).items())],
            "license": _license(version, model),
        },
        "contacts": contacts,
        "intended_use": {
            "intended_use": model.intended_use,
            "intended_users": model.intended_users,
            "out_of_scope_use": model.out_of_scope_use,
        },
        "factors": {
            "input_features": model.input_features,
            "stakeholders": model.stakeholders,
            "affected_people": (eu.get("answers") or {}).get("affected_people", ""),
            "data_sensitivity": (eu.get("answers") or {}).get("data_sensitivity", ""),
            "profiles_persons": (eu.get("answers") or {}).get("profiles_persons"),
        },
        "metrics": metrics,
        "evaluation": evaluation,
        "training_data": model.training_data,
        "chart": bar_chart(
            metrics, title=_("Metrics of version %(version)s") % {"version": version.version}
        ),
        "considerations": {
            "limitations": model.limitations,
            "ethical": _ethics(eu, obligations),
        },
        "eu_ai_act": eu,
        "obligations": obligations,
        "approvals": approvals_section(version),
        "references": references,
    }


def compose(document: GeneratedDocument) -> dict:
    return card_data(document.model_version)


def title(document: GeneratedDocument) -> str:
    version = document.model_version
    return _("Model card: %(name)s v%(version)s") % {
        "name": version.model_service.name,
        "version": version.version,
    }


def machine_readable(data: dict) -> tuple[EmbeddedFile, ...]:
    """The machine-readable card inside the PDF: the Model Card Toolkit JSON that
    ``GET .../model-card?format=json`` answers for the same data."""
    card = model_card_formats.to_model_card_toolkit(data)
    body = json.dumps(card, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode()
    description = (
        f"Model card, Model Card Toolkit JSON (schema v{model_card_formats.MCT_SCHEMA_VERSION})"
    )
    return (EmbeddedFile("model-card.json", body, description),)


register(
    Builder(
        kind=KIND,
        template="documents/print/model_card.html",
        template_version=TEMPLATE_VERSION,
        compose=compose,
        title=title,
        machine_readable=machine_readable,
    )
)
