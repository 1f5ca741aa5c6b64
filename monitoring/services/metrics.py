"""Production metric batches and their evaluation against the thresholds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from approvals import services as approval_services
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_service_visible
from common.errors import NotFound
from monitoring import payloads, selectors, thresholds
from monitoring.audit_actions import METRIC_BATCH, METRICS_RECORDED
from monitoring.models import Alert, MetricPoint, Threshold
from monitoring.services.alerts import AlertSpec, _alert_raise


class ItemsNotFound(NotFound):
    """Items name models or versions that do not exist or the caller may not see (HTTP 404,
    listing the items in ``errors``)."""


@dataclass
class BatchResult:
    batch_id: uuid.UUID
    points: int
    models: list[str]
    alerts_opened: list[Alert]
    alerts_repeated: list[Alert]


def _resolve_items(actor, items: list[payloads.MetricItem]):
    """Map every item to its version among the models ``actor`` may see; 404 per item."""
    names = {i.model for i in items}
    by_name: dict[str, ModelService] = {}
    found = list(
        model_service_visible(user=actor).filter(Q(name__in=names) | Q(registry_name__in=names))
    )
    for model in found:
        if model.registry_name in names:
            by_name.setdefault(model.registry_name, model)
    for model in found:
        if model.name in names:
            by_name[model.name] = model  # the catalog name wins over a registry name
    wanted = {i.version for i in items}
    versions = {
        (v.model_service_id, v.version): v
        for v in ModelVersion.objects.filter(
            model_service__in=list({m.pk for m in by_name.values()}), version__in=wanted
        )
    }
    errors: dict[str, list[str]] = {}
    resolved = []
    for item in items:
        model = by_name.get(item.model)
        if model is None:
            errors[f"items[{item.index}]"] = [
                f"model: no model named {item.model!r} that you may see."
            ]
            continue
        version = versions.get((model.pk, item.version))
        if version is None:
            errors[f"items[{item.index}]"] = [
                f"version: {item.model!r} has no version {item.version!r}."
            ]
            continue
        resolved.append((item, model, version))
    if errors:
        raise ItemsNotFound(
            _(
                "%(bad)d of %(total)d item(s) name a model or version that does not exist "
                "or that you may not see; nothing was recorded."
            )
            % {"bad": len(errors), "total": len(items)},
            payloads._limited(errors),
        )
    return resolved


def metrics_record(*, actor, items: list[payloads.MetricItem]) -> BatchResult:
    """Record a batch of production metric values, all or nothing, then check them against
    the thresholds: a breach opens an alert (or counts on the active one), audited, and the
    owners and reviewers are mailed after commit.

    Refused: an item naming a model or version the caller cannot see (404, per item), a model
    of another team (403). Items are parsed and typed by ``payloads.metric_batch`` first.
    """
    if not items:
        raise ValidationError({"items": [_("Send at least one item.")]})
    with transaction.atomic():
        resolved = _resolve_items(actor, items)
        models = {m.pk: m for _, m, _ in resolved}
        refused = sorted(
            m.name for m in models.values() if not selectors.can_write_metrics(actor, m)
        )
        if refused:
            raise PermissionDenied(
                _("Only the owning team records metrics of its models: %(models)s.")
                % {"models": ", ".join(refused)}
            )
        batch_id = uuid.uuid4()
        recorder = actor if getattr(actor, "is_authenticated", False) else None
        points = [
            MetricPoint(
                model_service=model,
                model_version=version,
                environment=item.environment,
                metric=item.metric,
                slice=item.slice,
                value=item.value,
                observed_at=item.observed_at,
                batch_id=batch_id,
                recorded_by=recorder,
            )
            for item, model, version in resolved
        ]
        MetricPoint.objects.bulk_create(points, batch_size=2000)
        times = [p.observed_at for p in points]
        audit_record(
            actor=actor,
            action=METRICS_RECORDED,
            target_type=METRIC_BATCH,
            target_id=str(batch_id),
            target_label=f"{len(points)} metric point(s)",
            subject_id=next(iter(models)) if len(models) == 1 else None,
            after={
                "points": len(points),
                "models": sorted(m.name for m in models.values()),
                "metrics": sorted({p.metric for p in points}),
                "environments": sorted({p.environment for p in points}),
                "from": min(times),
                "to": max(times),
            },
        )
        opened, repeated = _check_thresholds(points, models)
    return BatchResult(
        batch_id=batch_id,
        points=len(points),
        models=sorted(m.name for m in models.values()),
        alerts_opened=opened,
        alerts_repeated=repeated,
    )


def _check_thresholds(points: list[MetricPoint], models: dict) -> tuple[list, list]:
    # An alert's title and detail are stored once and read by everyone: they are written in
    # the site's language, not in the language of the request that posted the metrics.
    with translation.override(settings.LANGUAGE_CODE):
        return _check_thresholds_in_site_language(points, models)


def _check_thresholds_in_site_language(points: list[MetricPoint], models: dict):
    """Evaluate the batch against each model's thresholds: at most one alert per model, metric,
    environment and kind, carrying the latest breaching value and how many breached."""
    opened, repeated = [], []
    for model_pk, model in models.items():
        mine = [p for p in points if p.model_service_id == model_pk]
        rules = list(
            Threshold.objects.filter(model_service=model, metric__in={p.metric for p in mine})
        )
        if not rules:
            continue
        approvals: dict[tuple, Any] = {}
        found: dict[tuple[str, str, str], list] = {}
        for p in mine:
            rule = selectors.threshold_for(rules, p.metric, p.environment)
            if rule is None:
                continue
            key = (p.model_version_id, p.environment)
            if key not in approvals:
                approvals[key] = selectors.approval_for(p.model_version, p.environment)
            approval = approvals[key]
            baseline = selectors.baseline_value(approval, p.metric)
            for breach in thresholds.evaluate(
                p.value, selectors.bounds_of(rule), baseline=baseline, relative=not p.slice
            ):
                found.setdefault((p.metric, p.environment, breach.kind), []).append(
                    (p, breach, rule, approval, baseline)
                )
        for (metric, environment, kind), hits in sorted(found.items()):
            p, breach, rule, approval, baseline = max(hits, key=lambda h: h[0].observed_at)
            where = f" (slice {p.slice})" if p.slice else ""
            rereview = rule.mark_for_rereview and approval is not None
            detail = (
                f"{len(hits)} value(s) of {metric} in {environment} breached the threshold; "
                f"the latest, at {p.observed_at:%Y-%m-%d %H:%M %Z} for v"
                f"{p.model_version.version}{where}: {breach.message}."
            )
            if rereview:
                detail += (
                    " The threshold asks for a re-review: the approval in force is marked stale "
                    "(the gate refuses new deployments under it) and a re-review request is "
                    "open for the reviewers."
                )
            alert, created = _alert_raise(
                AlertSpec(
                    model_service=model,
                    kind=kind,
                    environment=environment,
                    metric=metric,
                    model_version=p.model_version,
                    title=f"{metric} in {environment}: {breach.message}",
                    detail=detail,
                    observed_value=p.value,
                    limit_value=breach.limit,
                    threshold=rule,
                    approval=approval,
                    rereview_requested=rereview,
                    context={"slice": p.slice, "baseline": baseline, "breaches": len(hits)},
                    count=len(hits),
                    seen_at=p.observed_at,
                )
            )
            if created and rereview:
                # Only when the alert opens: later breaches counted on it change nothing more.
                approval_services.approval_mark_for_rereview(
                    request=approval,
                    reason=f"Monitoring threshold breached: {alert.title}",
                )
            (opened if created else repeated).append(alert)
    return opened, repeated
