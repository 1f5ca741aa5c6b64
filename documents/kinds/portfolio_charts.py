"""The portfolio report's SVG charts (governance.documents.charts), from figures the report's
``compose`` has already counted."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import ModelService
from documents import charts as svg

TIER_ORDER = ("prohibited", "high", "limited", "minimal", "unassessed")
TIER_LABELS = dict(ModelService.RiskTier.choices)
# Per environment: label, key in the approval counts, colour.
APPROVAL_SERIES = (
    (gettext_noop("Approved"), "approved", "#16a34a"),
    (gettext_noop("Awaiting review"), "pending", "#d97706"),
    (gettext_noop("Rejected, expired or revoked"), "closed", "#dc2626"),
    (gettext_noop("Never requested"), "none", "#cbd5e1"),
)
COMPLETENESS_COLORS = ["#16a34a", "#65a30d", "#d97706", "#ea580c", "#dc2626", "#94a3b8"]


def charts(*, tiers, environments, approval_counts, buckets, open_by_article) -> dict:
    """``tiers``: (tier, models) in TIER_ORDER; ``approval_counts``: environment → Counter of
    approved / pending / closed / none; ``buckets``: (label, models); ``open_by_article``:
    rows with ``article`` and ``n``."""
    return {
        "tiers": svg.bar_chart(
            [(str(TIER_LABELS[t]), n) for t, n in tiers],
            title=_("Models by risk tier"),
            colors=[svg.TIER_COLORS[t] for t in TIER_ORDER],
        ),
        "approvals": svg.stacked_bar_chart(
            environments,
            [
                (_(label), [approval_counts[e].get(key, 0) for e in environments], color)
                for label, key, color in APPROVAL_SERIES
            ],
            title=_("Approval status per environment (models)"),
        ),
        "completeness": svg.bar_chart(
            buckets, title=_("Models by obligations completeness"), colors=COMPLETENESS_COLORS
        ),
        "open_by_article": svg.bar_chart(
            [(o["article"], o["n"]) for o in open_by_article],
            title=_("Open obligations by article"),
            colors=["#1d4ed8"] * len(open_by_article),
        ),
    }
