"""The "Monitoring" card of the catalog's model page. The catalog never imports monitoring in
Python; its template loads this tag, which reads through the monitoring selectors."""

from __future__ import annotations

from django import template
from django.utils import timezone

from monitoring import selectors
from monitoring.charts import decimal_mark

register = template.Library()


@register.inclusion_tag("monitoring/_monitoring_card.html")
def monitoring_card(model):
    """Open alerts, current deployments with their age, and open serious incidents of
    ``model``. The caller has already been allowed to see ``model``."""
    now = timezone.now()
    alerts = list(selectors.alerts_for_model(model)[:3])
    incidents = [
        i
        for i in selectors.incidents_for_model(model).filter(status="open", serious=True)[:20]
        if selectors.incident_clock(i, now=now).state in ("due", "overdue")
    ]
    return {
        "model": model,
        "alert_count": selectors.alerts_for_model(model).count(),
        "alerts": alerts,
        "deployments": selectors.deployment_rows(model, now=now),
        "incidents_due": len(incidents),
    }


@register.filter
def num(value) -> str:
    """A metric value as people read it: 0.75, 0.7316, 12.5, 1.2e-05 (no padding zeros)."""
    if value is None or value == "":
        return "—"
    try:
        return decimal_mark(f"{float(value):.6g}")
    except (TypeError, ValueError):
        return str(value)
