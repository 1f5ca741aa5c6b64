"""Portfolio compliance report: every model the requester may see (optionally one team's), with
its risk tier, approval status per environment, pending and overdue reviews, obligations
completeness, governance drift, incidents from the incident register (Art. 73), expiring
approvals, and the decisions and deployments since a date.

Scope is the requester's own view of the catalog (``model_service_visible``), so a model owner's
report never shows another team's models while a compliance officer's covers the portfolio.
It is built for large portfolios: a fixed number of queries (about ten) whatever the number of
models, with counts done in the database and no per-model queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from approvals import configuration
from approvals.models import Deployment, DeploymentRequest, DriftFinding
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_service_visible
from documents.kinds import portfolio_charts
from documents.kinds.portfolio_charts import TIER_LABELS, TIER_ORDER
from documents.kinds.portfolio_incidents import incidents_in_scope
from documents.kinds.text import article_number, date_text, person, shown_name, time_text
from documents.kinds.usage_rows import portfolio_usage
from documents.models import GeneratedDocument
from documents.registry import Builder, register
from risk.models import Obligation
from usage.selectors import month_add

# 2: chapter 7 lists the incident register instead of saying it does not exist.
TEMPLATE_VERSION = "portfolio/3"  # 3: the usage and cost chapter
# Same threshold as the reviewers' inbox highlight (governance/approval_views.py).
REVIEW_SLA = timedelta(days=2)
EVENTS_SHOWN = 200
State = DeploymentRequest.State
CLOSED = (State.REJECTED, State.REVOKED, State.EXPIRED, State.STALE)

SECTIONS = [
    ("summary", gettext_lazy("Portfolio at a glance")),
    ("tiers", gettext_lazy("Models by risk tier")),
    ("reviews", gettext_lazy("Pending and overdue reviews")),
    ("expiring", gettext_lazy("Approvals expiring soon")),
    ("obligations", gettext_lazy("Obligations completeness")),
    ("drift", gettext_lazy("Governance drift findings")),
    ("incidents", gettext_lazy("Incidents")),
    ("events", gettext_lazy("Decisions and deployments")),
    ("register", gettext_lazy("Model register: approvals and obligations per model")),
    ("usage", gettext_lazy("Usage and cost")),
]
COMPLETENESS_BUCKETS = (
    ("100%", 100, 100),
    ("75–99%", 75, 99),
    ("50–74%", 50, 74),
    ("25–49%", 25, 49),
    ("0–24%", 0, 24),
)


def clean_parameters(raw) -> dict:
    """Validate ``{"team": slug or "", "since": "YYYY-MM-DD" or ""}``; raises ValidationError
    naming the field. Pages and the API both go through here."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"non_field_errors": ["Send an object with `team` and `since`."]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - {"team", "since"})
    if unknown:
        errors["non_field_errors"] = [f"Unknown field(s): {', '.join(map(str, unknown))}."]
    team = raw.get("team") or ""
    since = raw.get("since") or ""
    if not isinstance(team, str) or len(team) > 60:
        errors["team"] = ["A team slug, e.g. credit-risk."]
    elif team and not Team.objects.filter(slug=team).exists():
        errors["team"] = [f"No team with the slug {team!r}."]
    if not isinstance(since, str):
        errors["since"] = ["A date as YYYY-MM-DD."]
    elif since:
        try:
            parsed = date.fromisoformat(since)
        except ValueError:
            errors["since"] = [f"{since!r} is not a date as YYYY-MM-DD."]
        else:
            if len(since) != 10:
                errors["since"] = ["A date as YYYY-MM-DD."]
            elif parsed > timezone.now().date():
                errors["since"] = ["The date is in the future."]
    if errors:
        raise ValidationError(errors)
    return {"team": team, "since": since}


def _count(queryset) -> Coalesce:
    """A correlated COUNT subquery (several plain Counts over different joins would multiply)."""
    counted = queryset.order_by().values("model_service").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _models(user, team: str):
    if user is None:
        return ModelService.objects.none()
    rows = model_service_visible(user=user)
    if team:
        rows = rows.filter(owner_team__slug=team)
    return rows


def _bucket(percent) -> str:
    if percent is None:
        return "No checklist"
    return next(label for label, low, high in COMPLETENESS_BUCKETS if low <= percent <= high)


def compose(document: GeneratedDocument) -> dict:
    params = document.parameters or {}
    team, since_text = params.get("team") or "", params.get("since") or ""
    now = timezone.now()
    since = (
        datetime.combine(date.fromisoformat(since_text), time.min, tzinfo=UTC)
        if since_text
        else None
    )
    scope = _models(document.requested_by, team)
    in_scope = scope.values("pk")
    current = Obligation.objects.filter(model_service=OuterRef("pk"), is_current=True)
    latest = ModelVersion.objects.filter(model_service=OuterRef("pk")).order_by(
        "-version_number", "-created_at"
    )
    # 1 query: every model in scope with its counts.
    models = list(
        ModelService.objects.filter(pk__in=in_scope)
        .annotate(
            obligations_total=_count(current),
            obligations_open=_count(current.exclude(status__in=Obligation.DONE)),
            latest_version=Subquery(latest.values("version")[:1]),
        )
        .values(
            "pk",
            "name",
            "owner_team__name",
            "risk_tier",
            "lifecycle_status",
            "obligations_completeness",
            "obligations_total",
            "obligations_open",
            "latest_version",
        )
        .order_by("name")
    )
    tier_rank = {t: i for i, t in enumerate(TIER_ORDER)}
    models.sort(key=lambda m: (tier_rank.get(m["risk_tier"], 99), m["name"]))
    environments = configuration.environments()

    # 1 query: open requests and valid approvals, with approvals counted in the database.
    open_rows = list(
        DeploymentRequest.objects.filter(
            model_service__in=in_scope, state__in=[State.SUBMITTED, State.APPROVED]
        )
        .annotate(approvals=Count("decisions", filter=Q(decisions__verdict="approve")))
        .values(
            "pk",
            "model_service_id",
            "model_service__name",
            "model_service__owner_team__name",
            "model_version__version",
            "environment",
            "state",
            "risk_tier",
            "requirement",
            "submitted_at",
            "expires_at",
            "decided_at",
            "requested_by__username",
            "approvals",
        )
        .order_by("submitted_at", "pk")
    )
    # 1 query: the latest closed request per model and environment (rejected, expired...).
    closed_latest: dict[tuple, dict] = {}
    for row in (
        DeploymentRequest.objects.filter(model_service__in=in_scope, state__in=CLOSED)
        .values("model_service_id", "environment", "state", "model_version__version", "closed_at")
        .order_by("-created_at")
    ):
        closed_latest.setdefault((row["model_service_id"], row["environment"]), row)

    status: dict[tuple, dict] = defaultdict(lambda: {"approved": [], "pending": []})
    for r in open_rows:
        key = (r["model_service_id"], r["environment"])
        status[key]["approved" if r["state"] == State.APPROVED else "pending"].append(r)
        if r["environment"] not in environments:
            environments.append(r["environment"])

    def cell(model_pk, env) -> dict:
        s = status.get((model_pk, env))
        if s and s["approved"]:
            a = max(s["approved"], key=lambda r: r["decided_at"] or now)
            text = f"approved v{a['model_version__version']}"
            detail = f"until {date_text(a['expires_at'])}"
            if s["pending"]:
                detail += f"; v{s['pending'][0]['model_version__version']} awaiting review"
            return {"state": "approved", "text": text, "detail": detail}
        if s and s["pending"]:
            p = s["pending"][0]
            return {
                "state": "pending",
                "text": f"v{p['model_version__version']} awaiting review",
                "detail": f"since {date_text(p['submitted_at'])}",
            }
        c = closed_latest.get((model_pk, env))
        if c:
            return {
                "state": "closed",
                "text": f"{State(c['state']).label.lower()} v{c['model_version__version']}",
                "detail": "",
            }
        return {"state": "none", "text": "—", "detail": ""}

    register_rows = []
    tier_counts: Counter = Counter()
    team_tiers: dict[str, Counter] = defaultdict(Counter)
    buckets: Counter = Counter()
    approval_counts = {env: Counter() for env in environments}
    for m in models:
        tier = m["risk_tier"] or "unassessed"
        tier_counts[tier] += 1
        team_tiers[m["owner_team__name"] or "Unassigned"][tier] += 1
        buckets[_bucket(m["obligations_completeness"])] += 1
        cells = [cell(m["pk"], env) for env in environments]
        for env, c in zip(environments, cells, strict=True):
            approval_counts[env][c["state"]] += 1
        register_rows.append(
            {
                "name": shown_name(m["name"]),
                "team": shown_name(m["owner_team__name"]),
                "tier": tier,
                "tier_label": TIER_LABELS.get(tier, tier),
                "lifecycle": m["lifecycle_status"],
                "version": m["latest_version"] or "",
                "completeness": m["obligations_completeness"],
                "obligations_total": m["obligations_total"],
                "obligations_open": m["obligations_open"],
                "cells": cells,
            }
        )

    pending = []
    expiring = []
    horizon = now + timedelta(days=settings.ATTEST_APPROVAL_REMINDER_DAYS)
    for r in open_rows:
        if r["state"] == State.SUBMITTED:
            submitted = r["submitted_at"] or now
            pending.append(
                {
                    "model": shown_name(r["model_service__name"]),
                    "team": shown_name(r["model_service__owner_team__name"]),
                    "version": r["model_version__version"],
                    "environment": r["environment"],
                    "tier": r["risk_tier"] or "unassessed",
                    "tier_label": TIER_LABELS.get(r["risk_tier"], r["risk_tier"]),
                    "requested_by": r["requested_by__username"],
                    "submitted": date_text(r["submitted_at"]),
                    "waiting_days": (now - submitted).days,
                    "overdue": now - submitted > REVIEW_SLA,
                    "approvals": r["approvals"],
                    "needed": (r["requirement"] or {}).get("approvals", 1),
                }
            )
        elif r["expires_at"] and r["expires_at"] <= horizon:
            expiring.append(
                {
                    "model": shown_name(r["model_service__name"]),
                    "team": shown_name(r["model_service__owner_team__name"]),
                    "version": r["model_version__version"],
                    "environment": r["environment"],
                    "expires": date_text(r["expires_at"]),
                    "days_left": max((r["expires_at"] - now).days, 0),
                }
            )
    pending.sort(key=lambda p: (not p["overdue"], -p["waiting_days"], p["model"]))
    expiring.sort(key=lambda e: (e["expires"], e["model"]))

    # 1 query: open obligations by article across the scope.
    open_by_article = sorted(
        Obligation.objects.filter(model_service__in=in_scope, is_current=True)
        .exclude(status__in=Obligation.DONE)
        .values("article")
        .annotate(n=Count("pk"))
        .order_by(),
        key=lambda o: (-o["n"], article_number(o["article"]), o["article"]),
    )[:12]

    # 1 query: drift that is open, or was raised in the period.
    drift_filter = Q(resolved_at__isnull=True)
    if since:
        drift_filter |= Q(created_at__gte=since)
    drift = [
        {
            "model": shown_name(d["model_service__name"]),
            "version": d["model_version__version"] or "",
            "environment": d["environment"],
            "alias": d["alias"],
            "detail": d["detail"],
            "raised": date_text(d["created_at"]),
            "resolved": date_text(d["resolved_at"]),
        }
        for d in DriftFinding.objects.filter(drift_filter, model_service__in=in_scope)
        .values(
            "model_service__name",
            "model_version__version",
            "environment",
            "alias",
            "detail",
            "created_at",
            "resolved_at",
        )
        .order_by("-created_at")[:EVENTS_SHOWN]
    ]

    incidents, incidents_more, incident_models = incidents_in_scope(
        document.requested_by, in_scope, since, now
    )

    # 2 queries: decisions and deployments in the period (the latest EVENTS_SHOWN of each).
    decided = DeploymentRequest.objects.filter(model_service__in=in_scope, decided_at__isnull=False)
    deployed = Deployment.objects.filter(model_service__in=in_scope)
    if since:
        decided = decided.filter(decided_at__gte=since)
        deployed = deployed.filter(deployed_at__gte=since)
    decisions = [
        {
            "model": shown_name(d["model_service__name"]),
            "version": d["model_version__version"],
            "environment": d["environment"],
            "state": State(d["state"]).label,
            "when": time_text(d["decided_at"]),
        }
        for d in decided.values(
            "model_service__name", "model_version__version", "environment", "state", "decided_at"
        ).order_by("-decided_at")[: EVENTS_SHOWN + 1]
    ]
    deployments = [
        {
            "model": shown_name(d["model_service__name"]),
            "version": d["model_version__version"],
            "environment": d["environment"],
            "when": time_text(d["deployed_at"]),
            "by": d["deployed_by__username"],
            "reference": d["reference"],
        }
        for d in deployed.values(
            "model_service__name",
            "model_version__version",
            "environment",
            "deployed_at",
            "deployed_by__username",
            "reference",
        ).order_by("-deployed_at")[: EVENTS_SHOWN + 1]
    ]

    tiers = [(t, tier_counts.get(t, 0)) for t in TIER_ORDER]
    total = len(models)
    known = [
        m["obligations_completeness"] for m in models if m["obligations_completeness"] is not None
    ]
    teams = sorted(team_tiers)
    return {
        "sections": [[anchor, str(heading)] for anchor, heading in SECTIONS],
        "scope": {
            "team": team,
            "team_name": _team_name(team),
            "since": since_text,
            "prepared_for": person(document.requested_by) if document.requested_by else "",
            "as_of": date_text(now),
            "environments": environments,
            "review_sla_days": REVIEW_SLA.days,
            "expiry_horizon_days": settings.ATTEST_APPROVAL_REMINDER_DAYS,
        },
        "totals": {
            "models": total,
            "high": tier_counts.get("high", 0),
            "prohibited": tier_counts.get("prohibited", 0),
            "unassessed": tier_counts.get("unassessed", 0),
            "pending": len(pending),
            "overdue": sum(1 for p in pending if p["overdue"]),
            "expiring": len(expiring),
            "drift_open": sum(1 for d in drift if not d["resolved"]),
            "incidents": sum(m["total"] for m in incident_models),
            "incidents_open": sum(m["open"] for m in incident_models),
            "incidents_serious": sum(m["serious"] for m in incident_models),
            "incidents_serious_open": sum(m["serious_open"] for m in incident_models),
            "incidents_overdue": sum(m["overdue"] for m in incident_models),
            "average_completeness": round(sum(known) / len(known)) if known else None,
            "complete": buckets.get("100%", 0),
        },
        "tiers": [
            {
                "tier": t,
                "label": TIER_LABELS[t],
                "count": n,
                "share": round(100 * n / total) if total else 0,
            }
            for t, n in tiers
        ],
        "teams": [
            {
                "name": shown_name(name),
                "counts": [team_tiers[name].get(t, 0) for t in TIER_ORDER],
            }
            for name in teams
        ],
        "tier_labels": [TIER_LABELS[t] for t in TIER_ORDER],
        "approval_summary": [
            {"environment": env, **{k: approval_counts[env].get(k, 0) for k in _STATES}}
            for env in environments
        ],
        "pending": pending,
        "expiring": expiring,
        "buckets": [[label, buckets.get(label, 0)] for label in _BUCKET_LABELS],
        "open_by_article": [[o["article"], o["n"]] for o in open_by_article],
        "drift": drift,
        "incidents": incidents,
        "incidents_more": incidents_more,
        "incident_models": incident_models,
        # The last whole calendar month before the report (imported costs come by month).
        "usage": portfolio_usage(in_scope, month_add(now.date().replace(day=1), -1)),
        "decisions": decisions[:EVENTS_SHOWN],
        "decisions_more": len(decisions) > EVENTS_SHOWN,
        "deployments": deployments[:EVENTS_SHOWN],
        "deployments_more": len(deployments) > EVENTS_SHOWN,
        "register": register_rows,
        "charts": portfolio_charts.charts(
            tiers=tiers,
            environments=environments,
            approval_counts=approval_counts,
            buckets=[(label, buckets.get(label, 0)) for label in _BUCKET_LABELS],
            open_by_article=open_by_article,
        ),
    }


_STATES = ("approved", "pending", "closed", "none")
_BUCKET_LABELS = [label for label, _, _ in COMPLETENESS_BUCKETS] + ["No checklist"]


def _team_name(slug: str) -> str:
    if not slug:
        return ""
    return Team.objects.filter(slug=slug).values_list("name", flat=True).first() or slug


def title(document: GeneratedDocument) -> str:
    team = (document.parameters or {}).get("team") or ""
    return _("Portfolio compliance report — %(scope)s") % {
        "scope": shown_name(_team_name(team)) if team else _("all teams")
    }


BUILDER: Builder = register(
    Builder(
        kind=GeneratedDocument.Kind.PORTFOLIO,
        template="documents/print/portfolio.html",
        template_version=TEMPLATE_VERSION,
        compose=compose,
        title=title,
    )
)
