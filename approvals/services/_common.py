"""Shared by the approval services: errors, transitions, after-commit tasks, input checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from approvals import configuration, policy, selectors
from approvals.models import ApprovalDecision, DeploymentRequest
from catalog.models import ModelService
from common import errors
from common.outbox import outbox_enqueue

State = DeploymentRequest.State
Verdict = ApprovalDecision.Verdict


# The action clashes with the request's current state (HTTP 409); kept importable from here.
Conflict = errors.Conflict


class GateRefused(Conflict):
    """No valid approval: carries the reasons the gate gives (the API answers with them)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons), extra={"reasons": list(reasons)})
        self.reasons = reasons


def _transition(request: DeploymentRequest, state: str) -> None:
    if not request.can_move_to(state):
        raise Conflict(
            gettext("This request is %(state)s; it cannot become %(target)s.")
            % {"state": request.get_state_display().lower(), "target": state}
        )
    request.state = state


def _on_commit_task(task_name: str, *args) -> None:
    """Schedule an approvals task through the outbox (a rolled-back change sends nothing; a
    broker outage delays it and never fails the request). Names are the tasks' pinned names."""
    outbox_enqueue(f"governance.tasks.{task_name}", *args)


def _schedule_writeback(request: DeploymentRequest) -> None:
    """Mark the registry write-back as owed (durable: the sweeper finds it if the queue loses it)
    and enqueue it after commit. Only models that come from a registry get one."""
    if not request.model_service.registry_source_id:
        return
    DeploymentRequest.objects.filter(pk=request.pk).update(
        writeback_pending=True,
        writeback_attempts=0,
        writeback_error="",
        updated_at=timezone.now(),
    )
    _on_commit_task("writeback_request", str(request.pk))


def _validate_environment(environment: str) -> None:
    envs = configuration.environments()
    if environment not in envs:
        raise ValidationError(
            {
                "environment": [
                    gettext("Unknown environment; one of: %(envs)s.") % {"envs": ", ".join(envs)}
                ]
            }
        )


def metrics_clean(metrics: Any) -> dict:
    """Metrics as a request stores them (name → finite number), or a ValidationError on
    ``metrics``. The request form runs it too, so every error shows on the first submit."""
    if metrics in (None, ""):
        return {}
    if not isinstance(metrics, dict):
        raise ValidationError(
            {"metrics": [gettext("Metrics must be a JSON object of name → number.")]}
        )
    cleaned = {}
    for name, value in metrics.items():
        if (
            not isinstance(name, str)
            or not name
            or len(name) > 200
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value  # NaN
            or value in (float("inf"), float("-inf"))
        ):
            raise ValidationError(
                {
                    "metrics": [
                        gettext("%(name)r: metric values must be finite numbers.")
                        % {"name": str(name)[:60]}
                    ]
                }
            )
        cleaned[name] = value
    if len(cleaned) > 200:
        raise ValidationError({"metrics": [gettext("At most 200 metrics per request.")]})
    return cleaned


def links_clean(links: Any) -> list[str]:
    """At most 20 http(s) URLs, or a ValidationError on ``links`` (the form runs it too)."""
    if not links:
        return []
    if not isinstance(links, list) or len(links) > 20:
        raise ValidationError({"links": [gettext("A list of at most 20 http(s) URLs.")]})
    from django.core.validators import URLValidator

    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            validate(link if isinstance(link, str) else "")
        except ValidationError as exc:
            raise ValidationError(
                {"links": [gettext("Not an http(s) URL: %(link)r") % {"link": str(link)[:100]}]}
            ) from exc
    return list(links)


def _requirement_or_refuse(model: ModelService, environment: str) -> policy.Requirement:
    requirement = selectors.requirement_for(model, environment)
    if requirement is None:
        raise ValidationError(
            {
                "model": [
                    gettext("This model has no EU AI Act risk assessment yet: assess it first.")
                ]
            }
        )
    if not requirement.submittable:
        raise ValidationError(
            {
                "model": [
                    gettext(
                        "Prohibited practice (Art. 5): a deployment request cannot be submitted."
                    )
                ]
            }
        )
    return requirement
