"""EU AI Act technical documentation (Art. 11, Annex IV) for one version of a high-risk model.

Annex IV asks for nine sections. Each required item below names where Attest keeps it: a
catalog field the owning team maintains, the registry's record of the version, the risk
assessment, or the evidence attached to one obligation of the checklist (documents Attest does
not author, such as the declaration of conformity, live there). An item with nothing behind it
is marked MISSING in its section and in the completeness checklist, with the place to fill it
in — the document never pads a gap with boilerplate.

An obligation-backed item counts as present when the obligation is met *and* has evidence, or
is justified not applicable; "met" without evidence is a claim, not documentation.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from approvals.models import Deployment, DeploymentRequest, DriftFinding
from catalog.models import ModelService, ModelVersion
from documents import charts
from documents.kinds.annex_iv_items import ITEMS, Item  # noqa: F401
from documents.kinds.monitoring_rows import incident_row, threshold_row
from documents.kinds.text import (
    article_number,
    date_text,
    localized_result,
    metric_text,
    person,
    shown_name,
    time_text,
)
from documents.kinds.usage_rows import annex_iv_usage
from documents.models import GeneratedDocument
from documents.registry import Builder, register
from monitoring import selectors as monitoring_selectors
from monitoring.models import Incident
from risk.models import Obligation, RiskAssessment
from risk.ruleset import localized_text

# 2: point 9 shows the monitoring plan (thresholds) and the incident register.
TEMPLATE_VERSION = "annex-iv/3"  # 3: usage and cost in point 9

# The nine sections of Annex IV (reference/eu-ai-act.md), then the checklist.
SECTIONS = [
    ("s1", gettext_lazy("General description of the AI system")),
    ("s2", gettext_lazy("Elements of the system and its development process")),
    ("s3", gettext_lazy("Monitoring, functioning and control")),
    ("s4", gettext_lazy("Appropriateness of the performance metrics")),
    ("s5", gettext_lazy("Risk management system (Art. 9)")),
    ("s6", gettext_lazy("Relevant changes over the lifecycle")),
    ("s7", gettext_lazy("Harmonised standards and other solutions applied")),
    ("s8", gettext_lazy("EU declaration of conformity")),
    ("s9", gettext_lazy("Post-market monitoring system and plan (Art. 72)")),
    ("completeness", gettext_lazy("Completeness checklist")),
]
INLINE_SECTIONS = {"s4", "s6", "s7", "s8"}
SECTION_SCOPE = {
    "s1": gettext_lazy(
        "Intended purpose, provider, version and its relation to earlier versions, the "
        "software it is delivered as, its users, and the instructions for use (Annex IV point 1)."
    ),
    "s2": gettext_lazy(
        "Development methods, design specification, data requirements and datasheets, "
        "validation and testing, cybersecurity (Annex IV point 2)."
    ),
    "s3": gettext_lazy(
        "Capabilities and limitations, accuracy overall and for specific groups, foreseeable "
        "unintended outcomes, human oversight, input-data specifications (Annex IV point 3)."
    ),
    "s4": gettext_lazy(
        "Why the performance metrics used are appropriate for this system (Annex IV point 4)."
    ),
    "s5": gettext_lazy(
        "The risk management system of Art. 9, with the classification that makes the system "
        "high-risk and the state of its obligations (Annex IV point 5)."
    ),
    "s6": gettext_lazy(
        "Relevant changes made through the lifecycle: versions, re-assessments, approvals and "
        "deployments (Annex IV point 6)."
    ),
    "s7": gettext_lazy(
        "Harmonised standards applied, or a description of the other solutions used to meet "
        "Chapter III, Section 2 (Annex IV point 7)."
    ),
    "s8": gettext_lazy("A copy of the EU declaration of conformity of Art. 47 (Annex IV point 8)."),
    "s9": gettext_lazy(
        "The system that evaluates performance after placing on the market, with the "
        "post-market monitoring plan of Art. 72(3) (Annex IV point 9)."
    ),
}


def _evidence(obligation: Obligation) -> list[dict]:
    return [
        {
            "kind": "file" if e.file_name else "link",
            # shown as text, never as a link: a hostile URL must not become clickable
            "name": e.file_name or e.link,
            "sha256": e.sha256,
            "description": e.description,
            "added": date_text(e.created_at),
            "by": person(e.uploaded_by),
        }
        for e in sorted(obligation.evidence.all(), key=lambda e: (e.created_at, e.pk))
    ]


def _obligation(o: Obligation) -> dict:
    evidence = _evidence(o)
    if o.status == Obligation.Status.MET:
        documented = bool(evidence)
        gap = "" if documented else _("Marked met, but no evidence is attached.")
    elif o.status == Obligation.Status.NOT_APPLICABLE:
        documented = bool(o.justification.strip())
        gap = "" if documented else _("Marked not applicable without a justification.")
    else:
        documented = False
        status = o.get_status_display().lower()
        gap = (
            _("The obligation is %(status)s and has %(count)s evidence item(s).")
            % {"status": status, "count": len(evidence)}
            if evidence
            else _("The obligation is %(status)s with no evidence.") % {"status": status}
        )
    return {
        "code": o.code,
        # stored in English (the rule set's words); shown in the document's language
        "article": localized_text(o.article),
        "title": localized_text(o.title),
        "status": o.status,
        "status_label": o.get_status_display(),
        "owner": person(o.owner) if o.owner_id else "",
        "due": date_text(o.due_date),
        "applies_from": date_text(o.applies_from),
        "justification": o.justification,
        "evidence": evidence,
        "documented": documented,
        "gap": gap,
    }


def _versions(model: ModelService, version: ModelVersion) -> list[dict]:
    rows = ModelVersion.objects.filter(model_service=model).order_by(
        "-version_number", "-created_at"
    )
    return [
        {
            "version": v.version,
            "this": v.pk == version.pk,
            "registered": date_text(v.registry_created_at or v.created_at),
            "status": v.get_status_display(),
            "aliases": list(v.aliases or []),
            "run_id": v.run_id,
            "deleted": bool(v.registry_deleted_at),
        }
        for v in rows[:50]
    ]


def _assessments(model: ModelService) -> list[RiskAssessment]:
    return list(
        RiskAssessment.objects.filter(model_service=model, status=RiskAssessment.Status.SUBMITTED)
        .select_related("submitted_by")
        .order_by("-revision")
    )


def _assessment(a: RiskAssessment | None) -> dict | None:
    if a is None:
        return None
    result = localized_result(a.ruleset_version, a.answers, a.result or {})
    return {
        "revision": a.revision,
        "tier": a.tier,
        "tier_label": a.get_tier_display(),
        "ruleset": a.ruleset_version,
        "submitted_at": time_text(a.submitted_at),
        "submitted_by": person(a.submitted_by),
        "internal_rating": a.internal_rating,
        "decided_by": result.get("decided_by") or {},
        "reasons": [
            {"article": r.get("article", ""), "text": r.get("text", "")}
            for r in result.get("reasons") or []
        ],
        "transparency": [
            {"article": r.get("article", ""), "text": r.get("text", "")}
            for r in result.get("transparency_duties") or []
        ],
        "notes": list(result.get("notes") or []),
        "derogation": bool(result.get("derogation_applied")),
    }


def _requests(version: ModelVersion) -> list[dict]:
    rows = (
        DeploymentRequest.objects.filter(model_version=version)
        .select_related("requested_by")
        .prefetch_related("decisions__approver")
        .order_by("created_at")
    )
    return [
        {
            "environment": r.environment,
            "state": r.state,
            "state_label": r.get_state_display(),
            "requested_by": person(r.requested_by),
            "requested": date_text(r.submitted_at or r.created_at),
            "decided": date_text(r.decided_at),
            "expires": date_text(r.expires_at),
            "justification": r.justification,
            "metrics": [[k, metric_text(v)] for k, v in sorted((r.metrics or {}).items())],
            "decisions": [
                {
                    "approver": person(d.approver),
                    "verdict": d.get_verdict_display(),
                    "as_compliance": d.as_compliance,
                    "when": date_text(d.created_at),
                    "comment": d.comment,
                }
                for d in sorted(r.decisions.all(), key=lambda d: (d.created_at, d.pk))
            ],
            "closed_reason": r.closed_reason,
        }
        for r in rows
    ]


def _special(check: str, ctx: dict) -> tuple[bool, list[tuple[str, str]]]:
    """(present, fields shown) for the items that are not a plain field or obligation."""
    model, version = ctx["model"], ctx["version"]
    metrics = ctx["metrics"]
    if check == "provider":
        team = model.owner_team.name if model.owner_team_id else ""
        return bool(team), [(_("Owner team"), team)]
    if check == "versions":
        earlier = [v["version"] for v in ctx["versions"] if not v["this"]]
        relation = (
            _("Earlier versions: %(versions)s.")
            % {"versions": ", ".join("v" + e for e in earlier[:20])}
            if earlier
            else _("This is the only registered version.")
        )
        return True, [
            (_("This version"), f"v{version.version}"),
            (_("Earlier versions"), relation),
        ]
    if check == "artefact":
        return bool(version.source_uri or version.run_id), [
            (_("Artefact"), version.source_uri),
            (_("Training run"), version.run_id),
            (_("Registry"), str(model.registry_source or "")),
        ]
    if check == "metrics":
        shown = ", ".join(f"{k} = {v}" for k, v in metrics)
        return bool(metrics), [(_("Metrics"), shown)]
    if check == "metrics_rationale":
        shown = ", ".join(f"{k} = {v}" for k, v in metrics)
        return bool(metrics and model.results.strip()), [
            (_("Metrics"), shown),
            (_("Why they fit (results)"), model.results),
        ]
    if check == "assessment":
        a = ctx["assessment"]
        return a is not None, []
    if check == "history":
        return bool(ctx["assessments"]), []
    if check == "thresholds":
        rules = ctx["thresholds"]
        watched = ", ".join(
            f"{t['metric']} ({t['environment'] or _('every environment')})" for t in rules
        )
        return bool(rules), [(_("Metrics watched"), watched)]
    raise ValueError(f"unknown check {check!r}")


_POINT = re.compile(r"^(\d+)(?:\(([a-z])\))?$")


def annex_ref(ref: str) -> str:
    """An Annex IV reference as the document's language cites it: "1(a)" in English,
    "Nummer 1 Buchstabe a" in German (each part of "1(b), 1(c)" alike)."""
    parts = []
    for part in ref.split(", "):
        match = _POINT.match(part)
        if match is None:
            parts.append(part)
        elif match.group(2):
            parts.append(
                pgettext("Annex IV point and letter", "%(number)s(%(letter)s)")
                % {"number": match.group(1), "letter": match.group(2)}
            )
        else:
            parts.append(pgettext("Annex IV point", "%(number)s") % {"number": match.group(1)})
    return ", ".join(parts)


def _items(ctx: dict) -> list[dict]:
    model, obligations = ctx["model"], ctx["obligations"]
    out = []
    for item in ITEMS:
        row = {
            "section": item.section,
            "ref": annex_ref(item.ref),
            # str(): some are lazy translations; the data is hashed as JSON
            "title": str(item.title),
            "source": str(item.source),
            "fields": [],
            "obligation": None,
            "fix": str(item.fix),
        }
        if item.fields:
            row["fields"] = [
                [str(label), getattr(model, attr) or ""] for attr, label in item.fields
            ]
            row["present"] = bool((getattr(model, item.fields[0][0]) or "").strip())
        elif item.obligation:
            o = obligations.get(item.obligation)
            row["obligation"] = o
            row["present"] = bool(o and o["documented"])
            row["fix"] = (
                _(
                    "%(gap)s Attach the document as evidence to %(article)s (%(title)s) or "
                    "justify it as not applicable."
                )
                % {"gap": o["gap"], "article": o["article"], "title": o["title"]}
                if o
                else _("The checklist has no %(obligation)s item: re-assess the model.")
                % {"obligation": item.obligation_label()}
            )
        else:
            present, fields = _special(item.check, ctx)
            row["present"], row["fields"] = present, [[k, v] for k, v in fields]
        out.append(row)
    return out


def compose(document: GeneratedDocument) -> dict:
    version = ModelVersion.objects.select_related(
        "model_service__owner_team", "model_service__registry_source"
    ).get(pk=document.model_version_id)
    model = version.model_service
    assessments = _assessments(model)
    obligation_rows = sorted(
        Obligation.objects.filter(model_service=model, is_current=True)
        .select_related("owner")
        .prefetch_related("evidence__uploaded_by"),
        key=lambda o: (article_number(o.article), o.article, o.code),
    )
    obligations = {o.code: _obligation(o) for o in obligation_rows}
    requests = _requests(version)
    metrics = [[k, metric_text(v)] for k, v in sorted((version.metrics or {}).items())]
    if not metrics:  # CI may have sent them with the deployment request instead
        seen = {}
        for r in requests:
            seen.update(dict(r["metrics"]))
        metrics = sorted([k, v] for k, v in seen.items())
    # Point 9 (Art. 72, 73). Whoever may see this document sees the model, and so its
    # monitoring data (monitoring.selectors): no further filtering by requester.
    thresholds = [threshold_row(t) for t in monitoring_selectors.thresholds_for_model(model)]
    incidents = [
        incident_row(i, version)
        for i in monitoring_selectors.incidents_for_model(model).order_by("-aware_at", "pk")
    ]
    ctx = {
        "model": model,
        "version": version,
        "versions": _versions(model, version),
        "assessments": assessments,
        "assessment": _assessment(assessments[0] if assessments else None),
        "obligations": obligations,
        "metrics": metrics,
        "thresholds": thresholds,
    }
    items = _items(ctx)
    present = sum(1 for i in items if i["present"])
    percent = (100 * present) // len(items)
    deployments = (
        Deployment.objects.filter(model_version=version)
        .select_related("deployed_by")
        .order_by("deployed_at")
    )
    drift = DriftFinding.objects.filter(model_service=model).order_by("created_at")
    return {
        "sections": [[anchor, str(heading)] for anchor, heading in SECTIONS],
        "chapters": [
            {
                "anchor": anchor,
                # short sections follow on the same page; the long ones start a new page
                "inline": anchor in INLINE_SECTIONS,
                "number": n,
                "title": str(title),
                "scope": str(SECTION_SCOPE[anchor]),
                "items": [i for i in items if i["section"] == anchor],
            }
            for n, (anchor, title) in enumerate(SECTIONS[:9], start=1)
        ],
        "model": {
            "id": str(model.pk),
            "name": shown_name(model.name),
            "team": shown_name(model.owner_team.name) if model.owner_team_id else "",
            "lifecycle": model.get_lifecycle_status_display(),
            "tier": model.risk_tier,
            "tier_label": model.get_risk_tier_display(),
            "registry": str(model.registry_source or ""),
            "registry_name": model.registry_name,
            "tags": list(model.tags or []),
            "obligations_completeness": model.obligations_completeness,
        },
        "version": {
            "version": version.version,
            "registered": date_text(version.registry_created_at or version.created_at),
            "status": version.get_status_display(),
            "source_uri": version.source_uri,
            "run_id": version.run_id,
            "aliases": list(version.aliases or []),
            "tags": [[k, str(v)] for k, v in sorted((version.tags or {}).items())],
            "description": version.description,
        },
        "metrics": metrics,
        "versions": ctx["versions"],
        "assessment": ctx["assessment"],
        "assessment_history": [
            {
                "revision": a.revision,
                "tier_label": a.get_tier_display(),
                "ruleset": a.ruleset_version,
                "submitted_at": time_text(a.submitted_at),
                "submitted_by": person(a.submitted_by),
            }
            for a in assessments
        ],
        "obligations": [obligations[o.code] for o in obligation_rows],
        "requests": requests,
        "deployments": [
            {
                "environment": d.environment,
                "when": time_text(d.deployed_at),
                "by": person(d.deployed_by),
                "reference": d.reference,
            }
            for d in deployments
        ],
        "drift": [
            {
                "environment": f.environment,
                "alias": f.alias,
                "detail": f.detail,
                "raised": date_text(f.created_at),
                "resolved": date_text(f.resolved_at),
                "resolution": f.resolution,
            }
            for f in drift
        ],
        "thresholds": thresholds,
        "usage": annex_iv_usage(model, version),
        "incidents": incidents,
        "incident_counts": {
            "total": len(incidents),
            "open": sum(1 for i in incidents if i["status"] == Incident.Status.OPEN),
            "serious": sum(1 for i in incidents if i["serious"]),
        },
        "items": items,
        "completeness": {
            "present": present,
            "required": len(items),
            "missing": len(items) - present,
            "percent": percent,
            "chart": charts.donut_chart(
                [(_("Present"), present), (_("Missing"), len(items) - present)],
                title=_("%(present)s of %(required)s required items present")
                % {"present": present, "required": len(items)},
                center=f"{percent}%",
                colors=["#16a34a", "#dc2626"],
            ),
        },
    }


def title(document: GeneratedDocument) -> str:
    return _("Technical documentation — %(name)s v%(version)s") % {
        "name": shown_name(document.model_service.name),
        "version": document.model_version.version,
    }


BUILDER: Builder = register(
    Builder(
        kind=GeneratedDocument.Kind.ANNEX_IV,
        template="documents/print/annex_iv.html",
        template_version=TEMPLATE_VERSION,
        compose=compose,
        title=title,
    )
)
