"""The model card's approvals section: per environment, the version's latest deployment
requests with their reviewers' decisions, and its recorded deployments."""

from __future__ import annotations

from typing import Any

from approvals.models import ApprovalDecision, Deployment, DeploymentRequest
from catalog.models import ModelVersion
from documents.kinds.text import person_or_blank as _person
from documents.kinds.text import time_text as _when

MAX_REQUESTS_PER_ENVIRONMENT = 5
MAX_DEPLOYMENTS_PER_ENVIRONMENT = 5


def approvals_section(version: ModelVersion) -> list[dict]:
    from approvals import configuration

    requests = list(
        DeploymentRequest.objects.filter(model_version=version)
        .select_related("requested_by")
        .order_by("-created_at", "pk")
    )
    decisions: dict[Any, list] = {}
    for d in (
        ApprovalDecision.objects.filter(request__in=[r.pk for r in requests])
        .select_related("approver")
        .order_by("created_at", "pk")
    ):
        decisions.setdefault(d.request_id, []).append(d)
    deployments = list(
        Deployment.objects.filter(model_version=version)
        .select_related("deployed_by")
        .order_by("-deployed_at", "pk")
    )
    known = configuration.environments()
    seen = {r.environment for r in requests} | {d.environment for d in deployments}
    result = []
    for env in known + sorted(seen - set(known)):
        mine = [r for r in requests if r.environment == env][:MAX_REQUESTS_PER_ENVIRONMENT]
        result.append(
            {
                "environment": env,
                "requests": [
                    {
                        "state": r.state,
                        "state_label": str(r.get_state_display()),
                        "requested_by": _person(r.requested_by),
                        "requested": _when(r.submitted_at or r.created_at),
                        "decided": _when(r.decided_at),
                        "expires": _when(r.expires_at),
                        "approvers": [
                            {
                                "name": _person(d.approver),
                                "verdict": d.verdict,
                                "verdict_label": str(d.get_verdict_display()),
                                "as_compliance": d.as_compliance,
                                "at": _when(d.created_at),
                            }
                            for d in decisions.get(r.pk, [])
                        ],
                    }
                    for r in mine
                ],
                "deployments": [
                    {
                        "at": _when(d.deployed_at),
                        "by": _person(d.deployed_by),
                        "reference": d.reference,
                    }
                    for d in deployments
                    if d.environment == env
                ][:MAX_DEPLOYMENTS_PER_ENVIRONMENT],
            }
        )
    return result
