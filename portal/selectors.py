"""The portfolio at a glance (the dashboard, the home page): one permission-scoped read per figure,
across every domain."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from approvals import selectors as approvals
from approvals.policy import REVIEW_SLA
from audit.models import AuditEvent
from catalog.models import ModelService
from catalog.selectors import model_service_visible
from documents import charts
from monitoring import selectors
from monitoring.models import Alert

TIER_ORDER = ("prohibited", "high", "limited", "minimal", "unassessed")
TIER_COLORS = {
    "prohibited": "#b91c1c",
    "high": "#b45309",
    "limited": "#1d4ed8",
    "minimal": "#15803d",
    "unassessed": "#94a3b8",
}


def dashboard_data(*, user) -> dict:
    visible = model_service_visible(user=user)
    by_tier = dict(visible.order_by().values_list("risk_tier").annotate(n=Count("pk")))
    labels = dict(ModelService.RiskTier.choices)
    tier_items = [
        (labels.get(t, _("Not assessed")), by_tier.get(t, 0), TIER_COLORS[t]) for t in TIER_ORDER
    ]
    active = selectors.alert_visible(user=user).filter(state__in=Alert.ACTIVE_STATES)
    counts = selectors.alert_counts_by_kind(user=user)
    # The same selectors as the pages each tile leads to, so a tile counts what its page lists.
    overdue_cutoff = timezone.now() - REVIEW_SLA
    catalog = reverse("catalog:model-list")
    # Each bar leads to the catalog filtered on its tier: the list of what the bar counts.
    tier_links = [
        (
            f"{catalog}?{urlencode({'risk_tier': t})}",
            ngettext("%(tier)s: %(n)s model", "%(tier)s: %(n)s models", n)
            % {"tier": label, "n": n},
        )
        for t, (label, n, _c) in zip(TIER_ORDER, tier_items, strict=True)
    ]
    return {
        "models": sum(by_tier.values()),
        "tier_chart": charts.bar_chart(
            [(label, n) for label, n, _ in tier_items],
            title=_("Models by EU AI Act risk tier"),
            colors=[c for *_, c in tier_items],
            links=tier_links,
            width=400,  # narrow enough to stay legible on a 390 px phone
        ),
        "tier_links": [
            (label, n, href)
            for (label, n, _c), (href, _name) in zip(tier_items, tier_links, strict=True)
        ],
        "tier_items": tier_items,
        "inbox": approvals.inbox(user=user).count(),
        "pending": approvals.pending(user=user).count(),
        "pending_overdue": approvals.pending(user=user, submitted_before=overdue_cutoff).count(),
        "review_sla_days": REVIEW_SLA.days,
        "alerts": active.count(),
        "alerts_recent": list(active.order_by("-last_seen_at")[:6]),
        "stale_deployments": counts.get(Alert.Kind.STALE_IN_PRODUCTION, 0),
        "overdue_reviews": counts.get(Alert.Kind.REVIEW_OVERDUE, 0),
        "overdue_incidents": counts.get(Alert.Kind.INCIDENT_OVERDUE, 0),
        "incidents_open": selectors.incident_open(user=user).count(),
        "drift": approvals.drift_open(user=user).count(),
        "activity": list(
            AuditEvent.objects.filter(subject_id__in=visible.values("pk")).order_by("-seq")[:10]
        ),
    }
