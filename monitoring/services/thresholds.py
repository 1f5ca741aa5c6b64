"""Thresholds: what the owning team expects of a metric in production."""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals import configuration as approval_configuration
from audit.services import audit_record
from catalog.models import ModelService
from monitoring import selectors
from monitoring.audit_actions import THRESHOLD_CREATED, THRESHOLD_DELETED, THRESHOLD_UPDATED
from monitoring.models import Threshold

THRESHOLD_FIELDS = (
    "metric",
    "environment",
    "min_value",
    "max_value",
    "max_relative_drop",
    "mark_for_rereview",
)


def _clean_threshold(model: ModelService, data: dict, *, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    metric = (data.get("metric") or "").strip()
    if not metric or len(metric) > 200:
        errors["metric"] = ["Name the metric as monitoring posts it (at most 200 characters)."]
    environment = (data.get("environment") or "").strip()
    if environment and environment not in approval_configuration.environments():
        errors["environment"] = [
            "Unknown environment; one of: " + ", ".join(approval_configuration.environments())
        ]
    numbers = {}
    for name in ("min_value", "max_value", "max_relative_drop"):
        value = data.get(name)
        if value is None or value == "":
            numbers[name] = None
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors[name] = ["A finite number, or leave it empty."]
            numbers[name] = None
            continue
        numbers[name] = float(value)
    if all(numbers[n] is None for n in numbers) and not errors:
        errors["min_value"] = ["Set at least one of: minimum, maximum, largest drop."]
    lo, hi = numbers["min_value"], numbers["max_value"]
    if lo is not None and hi is not None and lo > hi:
        errors["max_value"] = ["The maximum must not be below the minimum."]
    drop = numbers["max_relative_drop"]
    if drop is not None and not 0 < drop <= 1:
        errors["max_relative_drop"] = ["A fraction above 0 and at most 1 (0.05 = 5 %)."]
    if (
        metric
        and Threshold.objects.filter(model_service=model, metric=metric, environment=environment)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        errors["metric"] = [
            f"{metric} already has a threshold for {environment or 'every environment'}; "
            "edit that one."
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "metric": metric,
        "environment": environment,
        **numbers,
        "mark_for_rereview": bool(data.get("mark_for_rereview")),
    }


def _threshold_state(t: Threshold) -> dict:
    return {name: getattr(t, name) for name in THRESHOLD_FIELDS}


@transaction.atomic
def threshold_create(
    *,
    actor,
    model_service: ModelService,
    metric: str,
    environment: str = "",
    min_value: float | None = None,
    max_value: float | None = None,
    max_relative_drop: float | None = None,
    mark_for_rereview: bool = False,
) -> Threshold:
    """Set what the owning team expects of a metric (owning team's model owners, admins)."""
    model = ModelService.objects.select_for_update().get(pk=model_service.pk)
    if not selectors.can_manage_thresholds(actor, model):
        raise PermissionDenied(_("Only the owning team's model owners set thresholds."))
    data = _clean_threshold(
        model,
        {
            "metric": metric,
            "environment": environment,
            "min_value": min_value,
            "max_value": max_value,
            "max_relative_drop": max_relative_drop,
            "mark_for_rereview": mark_for_rereview,
        },
    )
    threshold = Threshold.objects.create(
        model_service=model, created_by=actor, updated_by=actor, **data
    )
    audit_record(
        actor=actor,
        action=THRESHOLD_CREATED,
        target=threshold,
        subject_id=model.pk,
        after=data,
    )
    return threshold


@transaction.atomic
def threshold_update(*, actor, threshold: Threshold, changes: dict) -> list[str]:
    """Change a threshold; returns the changed fields (none changed: nothing recorded).
    Active alerts stay as they are; the next batch is evaluated with the new bounds."""
    threshold = (
        Threshold.objects.select_for_update().select_related("model_service").get(pk=threshold.pk)
    )
    model = threshold.model_service
    if not selectors.can_manage_thresholds(actor, model):
        raise PermissionDenied(_("Only the owning team's model owners change thresholds."))
    unknown = set(changes) - set(THRESHOLD_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown field(s): {', '.join(sorted(unknown))}."]})
    before = _threshold_state(threshold)
    data = _clean_threshold(model, {**before, **changes}, exclude_pk=threshold.pk)
    changed = [name for name in THRESHOLD_FIELDS if data[name] != before[name]]
    if not changed:
        return []
    for name in changed:
        setattr(threshold, name, data[name])
    threshold.updated_by = actor
    threshold.save(update_fields=[*changed, "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action=THRESHOLD_UPDATED,
        target=threshold,
        subject_id=model.pk,
        before={name: before[name] for name in changed},
        after={name: data[name] for name in changed},
    )
    return changed


@transaction.atomic
def threshold_delete(*, actor, threshold: Threshold) -> None:
    """Stop watching a metric. Alerts it opened stay (their threshold link is cleared)."""
    threshold = (
        Threshold.objects.select_for_update().select_related("model_service").get(pk=threshold.pk)
    )
    if not selectors.can_manage_thresholds(actor, threshold.model_service):
        raise PermissionDenied(_("Only the owning team's model owners remove thresholds."))
    audit_record(
        actor=actor,
        action=THRESHOLD_DELETED,
        target=threshold,
        subject_id=threshold.model_service_id,
        before=_threshold_state(threshold),
    )
    threshold.delete()
