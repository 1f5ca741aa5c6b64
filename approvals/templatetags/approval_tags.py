"""The "Deployments" card of the catalog's model page. The catalog never imports governance in
Python; its template loads this tag, which reads through the approvals selectors."""

from __future__ import annotations

from django import template

from approvals import configuration, selectors
from approvals.models import DeploymentRequest

register = template.Library()


@register.inclusion_tag("approvals/_deployments_card.html", takes_context=True)
def deployments_card(context, model):
    """Per environment: the open requests and approvals of ``model`` (else its latest closed
    one), open drift findings, and whether the viewer may ask for a deployment. The caller has
    already been allowed to see ``model``."""
    user = context["request"].user
    requests = list(selectors.requests_for_model(model)[:200])
    environments = configuration.environments()
    rows = []
    for env in environments + sorted({r.environment for r in requests} - set(environments)):
        mine = [r for r in requests if r.environment == env]
        open_ = [r for r in mine if r.state in DeploymentRequest.OPEN_STATES]
        rows.append(
            {
                "environment": env,
                "open": open_,
                "last_closed": None if open_ else next(iter(mine), None),
            }
        )
    return {
        "model": model,
        "rows": rows,
        "drift": list(selectors.drift_open(model=model)),
        "can_request": selectors.can_request(user, model),
    }
