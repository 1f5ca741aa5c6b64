"""Every state change of usage and cost: FOCUS imports, usage sources, daily usage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from approvals.models import Deployment
from audit.services import audit_record
from catalog.models import ModelService
from catalog.selectors import model_service_visible
from common import outbound
from common.errors import Forbidden, NotFound, RequestRefused, ValidationError
from common.outbox import outbox_enqueue
from usage import access, configuration, focus, prometheus
from usage.audit_actions import COSTS_IMPORTED, USAGE_RECORDED, USAGE_SOURCE_SET
from usage.models import CostImport, CostRow, DailyUsage, UsageSource

IMPORT_REFUSED = _lazy(
    "Only compliance officers, administrators and service accounts import costs."
)
SOURCE_REFUSED = _lazy("Only the owning team sets where its deployments report usage.")
BATCH = 5_000
AUDITED_PERIODS = 100  # periods named in the audit event (the import row keeps them all)


def _model_index() -> dict[str, int]:
    """Tag value → model: a model's id, catalog name or registry name (the name wins)."""
    index: dict[str, object] = {}
    rows = ModelService.objects.values_list("pk", "name", "registry_name")
    for pk, _name, registry_name in rows:
        if registry_name:
            index[registry_name] = pk
    for pk, name, _registry_name in rows:
        index[name] = pk
        index[str(pk)] = pk
    return index


class _DeploymentIndex:
    """The second tag's value → a deployment of the row's model: its id, or an environment
    name, meaning the deployment of the model live there in the charge period: the latest one
    deployed before the period ended (a later one had not started serving that cost)."""

    def __init__(self) -> None:
        self.by_id: dict[tuple[int, str], object] = {}
        self.by_environment: dict[tuple[object, str], list[tuple[datetime, object]]] = {}
        rows = Deployment.objects.values_list(
            "pk", "model_service_id", "environment", "deployed_at"
        )
        for pk, model_id, environment, deployed_at in rows.order_by("deployed_at"):
            self.by_id[(model_id, str(pk))] = pk
            self.by_environment.setdefault((model_id, environment), []).append((deployed_at, pk))

    def match(self, model_id, value: str, charge_end: datetime):
        if model_id is None or not value:
            return None  # no model: the row stays unmatched, deployment and all
        found = self.by_id.get((model_id, value))
        if found is not None:
            return found
        live = None
        for deployed_at, pk in self.by_environment.get((model_id, value), ()):
            if deployed_at >= charge_end:
                break
            live = pk
        return live


def _tag_text(tags: dict, key: str) -> str:
    value = tags.get(key)
    return "" if value is None or value is True else str(value)[:255]


def _serialize_imports() -> None:
    """Two imports of the same account at once would each delete the other's rows: imports
    run one at a time (a transaction-level advisory lock on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('attest.usage.cost_import'))")


def cost_import_create(
    *,
    actor,
    upload: IO[bytes],
    file_name: str,
    cost_column: str = CostImport.CostColumn.EFFECTIVE,
) -> CostImport:
    """Import a FOCUS billing export (CSV or Parquet, told apart by content), streamed.

    Each row is matched to a model by the ATTEST_COST_MODEL_TAG resource tag (value: the
    model's name or id); a row without it, or naming no model, is kept as unmatched cost. The
    ATTEST_COST_DEPLOYMENT_TAG tag then names one deployment of that model (its id, or its
    environment); a value naming none leaves the row's deployment empty, never guessed. The
    month of a row is the UTC month of its ChargePeriodStart. The import then replaces every
    stored row of the same BillingAccountId and month that an earlier import brought, so a
    corrected re-export replaces and the same file twice changes no total. A file missing a
    required column, or with a bad row, is refused (400) and nothing is written.
    """
    if not access.can_import_costs(actor):
        raise Forbidden(IMPORT_REFUSED)
    if cost_column not in CostImport.CostColumn.values:
        raise ValidationError({"cost_column": [_("Choose EffectiveCost or BilledCost.")]})
    sha256 = focus.file_sha256(upload)
    parquet = focus.is_parquet(upload.read(4))
    upload.seek(0)
    models = _model_index()
    tag = configuration.cost_model_tag()
    deployment_tag_key = configuration.cost_deployment_tag()
    deployments = _DeploymentIndex()
    with transaction.atomic():
        _serialize_imports()
        imported = CostImport.objects.create(
            file_name=(file_name or "upload")[:255],
            file_sha256=sha256,
            file_format=CostImport.Format.PARQUET if parquet else CostImport.Format.CSV,
            cost_column=cost_column,
            imported_by=actor,
        )
        periods: Counter[tuple[str, date]] = Counter()
        read = matched = 0
        batch: list[tuple] = []
        try:
            for row in focus.read_rows(upload, parquet=parquet, cost_column=cost_column):
                tag_value = _tag_text(row.tags, tag)
                model_id = models.get(tag_value) if tag_value else None
                deployment_tag = _tag_text(row.tags, deployment_tag_key)
                deployment_id = deployments.match(model_id, deployment_tag, row.charge_period_end)
                read += 1
                matched += model_id is not None
                periods[(row.billing_account_id, row.month)] += 1
                batch.append(
                    (
                        imported.pk,
                        row.billing_account_id,
                        row.charge_period_start,
                        row.charge_period_end,
                        row.month,
                        row.currency,
                        row.amount,
                        model_id,
                        tag_value,
                        row.service_name,
                        deployment_id,
                        deployment_tag,
                    )
                )
                if len(batch) >= BATCH:
                    _insert_rows(batch)
                    batch.clear()
        except focus.FocusError as exc:
            raise RequestRefused(exc.detail, exc.errors) from None
        _insert_rows(batch)
        replaced = _replace_earlier(imported, periods)
        imported.rows_read = read
        imported.rows_matched = matched
        imported.rows_unmatched = read - matched
        imported.rows_replaced = sum(p["rows_removed"] for p in replaced)
        imported.periods = replaced
        imported.save()
        audit_record(
            actor=actor,
            action=COSTS_IMPORTED,
            target=imported,
            target_label=imported.file_name,
            after={
                "file_sha256": sha256,
                "format": imported.file_format,
                "cost_column": cost_column,
                "rows_read": read,
                "rows_matched": matched,
                "rows_unmatched": read - matched,
                "rows_replaced": imported.rows_replaced,
                "periods": replaced[:AUDITED_PERIODS],
            },
        )
        # The months this bill touched, checked against their budgets once it is committed.
        months = sorted({month.strftime("%Y-%m") for _account, month in periods})
        outbox_enqueue("usage.tasks.check_budgets", months)
    return imported


ROW_COLUMNS = (
    "cost_import_id",
    "billing_account_id",
    "charge_period_start",
    "charge_period_end",
    "month",
    "currency",
    "amount",
    "model_service_id",
    "tag_value",
    "service_name",
    "deployment_id",
    "deployment_tag_value",
)


def _insert_rows(rows: list[tuple]) -> None:
    """Insert cost rows: PostgreSQL's COPY (a billing export has millions of rows; COPY is
    several times faster than INSERT), ``bulk_create`` on other databases (the demo's SQLite)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CostRow._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in ROW_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 - names from the model
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    CostRow.objects.bulk_create(
        [CostRow(**dict(zip(ROW_COLUMNS, row, strict=True))) for row in rows]
    )


def _replace_earlier(imported: CostImport, periods: Counter) -> list[dict]:
    """Delete the earlier rows of every (billing account, month) the file covers."""
    by_account: dict[str, set[date]] = {}
    for account, month in periods:
        by_account.setdefault(account, set()).add(month)
    removed: Counter[tuple[str, date]] = Counter()
    for account, months in by_account.items():
        earlier = CostRow.objects.filter(billing_account_id=account, month__in=months).exclude(
            cost_import=imported
        )
        for row in earlier.values("month").annotate(n=Count("id")):
            removed[(account, row["month"])] = row["n"]
        earlier.delete()
    return [
        {
            "billing_account_id": account,
            "month": month.strftime("%Y-%m"),
            "rows": periods[(account, month)],
            "rows_removed": removed.get((account, month), 0),
        }
        for account, month in sorted(periods)
    ]


def usage_source_set(
    *,
    actor,
    deployment: Deployment,
    prometheus_url: str,
    requests: str,
    errors: str = "",
    latency: str = "",
) -> UsageSource:
    """Name the Prometheus server and the PromQL selectors of a deployment's request counter,
    error counter and latency histogram buckets (the owning team, its CI, administrators).

    The URL is checked as outgoing webhook URLs are (common.outbound): a host resolving to a
    private, loopback or reserved address is refused unless ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE
    (an in-cluster Prometheus needs it; the reads check again and pin the address)."""
    model = deployment.model_service
    if not access.can_set_usage_source(actor, model):
        raise Forbidden(SOURCE_REFUSED)
    if not requests.strip():
        raise ValidationError(
            {"requests": [_("Name the request counter, e.g. http_requests_total.")]}
        )
    try:  # the webhooks' SSRF check: no private, loopback or reserved address unless allowed
        outbound.resolve_target(
            prometheus_url,
            allow_private=configuration.prometheus_allow_private(),
            what="usage reads",
            setting="ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE",
        )
    except outbound.TargetRefused as exc:
        raise ValidationError({"prometheus_url": [str(exc)]}) from None
    with transaction.atomic():
        source = UsageSource.objects.select_for_update().filter(deployment=deployment).first()
        before = (
            {
                "prometheus_url": source.prometheus_url,
                "requests": source.requests,
                "errors": source.errors,
                "latency": source.latency,
            }
            if source
            else {}
        )
        if source is None:
            source = UsageSource(deployment=deployment)
        source.prometheus_url = prometheus_url
        source.requests = requests.strip()
        source.errors = errors.strip()
        source.latency = latency.strip()
        source.full_clean(exclude=["deployment"])
        source.save()
        after = {
            "prometheus_url": source.prometheus_url,
            "requests": source.requests,
            "errors": source.errors,
            "latency": source.latency,
        }
        audit_record(
            actor=actor,
            action=USAGE_SOURCE_SET,
            target=source,
            target_label=str(deployment),
            subject_id=model.pk,
            before={k: v for k, v in before.items() if after.get(k) != v},
            after={k: v for k, v in after.items() if before.get(k) != v},
        )
    return source


@dataclass(frozen=True)
class DayUsage:
    day: date
    requests: int
    errors: int
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None


def usage_days_record(*, actor, deployment: Deployment, days: list[DayUsage]) -> list[DailyUsage]:
    """Store what a deployment served per day; a day already stored is replaced. Negative
    counts, or more errors than requests, are refused (reported, never guessed)."""
    errors: dict[str, list[str]] = {}
    for item in days:
        if item.requests < 0 or item.errors < 0:
            errors[str(item.day)] = [_("Counts cannot be negative.")]
        elif item.errors > item.requests:
            errors[str(item.day)] = [_("More errors than requests.")]
    if errors:
        raise ValidationError(errors)
    rows = []
    with transaction.atomic():
        for item in days:
            row, _created = DailyUsage.objects.update_or_create(
                deployment=deployment,
                day=item.day,
                defaults={
                    "model_service_id": deployment.model_service_id,
                    "requests": item.requests,
                    "errors": item.errors,
                    "latency_p50_ms": item.latency_p50_ms,
                    "latency_p95_ms": item.latency_p95_ms,
                },
            )
            rows.append(row)
        if days:
            audit_record(
                actor=actor,
                action=USAGE_RECORDED,
                target=deployment,
                target_label=str(deployment),
                subject_id=deployment.model_service_id,
                after={
                    "days": [str(d.day) for d in days],
                    "requests": sum(d.requests for d in days),
                    "errors": sum(d.errors for d in days),
                },
            )
    return rows


def _day_window(day: date, now: datetime) -> tuple[datetime, datetime]:
    """The UTC day [00:00, next 00:00), or up to now for today."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, min(start + timedelta(days=1), now)


def usage_source_read(*, source: UsageSource, days: list[date], now: datetime | None = None):
    """Read ``days`` from the source's Prometheus and store them. Unreachable or refusing:
    the stored days stay as they were, ``last_error`` says why, and the error is raised."""
    now = now or timezone.now()
    readings = []
    try:
        for day in days:
            start, end = _day_window(day, now)
            if end <= start:
                continue
            reading = prometheus.read_day(
                base_url=source.prometheus_url,
                requests_selector=source.requests,
                errors_selector=source.errors,
                latency_selector=source.latency,
                start=start,
                end=end,
                step=configuration.usage_step_seconds(),
                timeout=configuration.usage_timeout_seconds(),
                allow_private=configuration.prometheus_allow_private(),
            )
            readings.append(
                DayUsage(
                    day,
                    reading.requests,
                    reading.errors,
                    reading.latency_p50_ms,
                    reading.latency_p95_ms,
                )
            )
    except prometheus.PrometheusError as exc:
        UsageSource.objects.filter(pk=source.pk).update(last_error=str(exc)[:2000])
        raise
    rows = usage_days_record(actor=None, deployment=source.deployment, days=readings)
    UsageSource.objects.filter(pk=source.pk).update(last_read_at=now, last_error="")
    return rows


@dataclass
class ReadResult:
    rows: list[DailyUsage]
    failures: list[tuple[UsageSource, str]]


def usage_read_all(*, days: list[date], now: datetime | None = None) -> ReadResult:
    """Read ``days`` from every usage source, each on its own: one Prometheus down leaves the
    others read (and its stored days as they were)."""
    now = now or timezone.now()
    result = ReadResult([], [])
    sources = UsageSource.objects.select_related("deployment", "deployment__model_service")
    for source in sources:
        try:
            result.rows.extend(usage_source_read(source=source, days=days, now=now))
        except (prometheus.PrometheusError, ValidationError) as exc:
            result.failures.append((source, str(exc)))
    return result


def default_days(now: datetime) -> list[date]:
    """Yesterday and today so far (UTC)."""
    today = now.astimezone(UTC).date()
    return [today - timedelta(days=1), today]


POINTS_REFUSED = _lazy("Only the owning team records the usage of its deployments.")


def usage_points_record(*, actor, points: list) -> list[DailyUsage]:
    """Record usage points posted through the metrics API (teams without Prometheus): each a
    deployment's requests, errors and p50/p95 latency on one UTC day. All or nothing: a point
    naming a deployment the actor may not see is a 404 listing the items, one of a deployment
    it may see but not record for a 403, and nothing is written. A day already stored (read
    from Prometheus or posted before) is replaced; each deployment's days are one audit event
    (``usage.usage_recorded``)."""
    wanted = {p.deployment_id for p in points}
    found = {
        d.pk: d
        for d in Deployment.objects.filter(
            pk__in=wanted, model_service__in=model_service_visible(user=actor)
        ).select_related("model_service")
    }
    hidden = {
        f"items[{i}]": [_("No deployment with this id that you may see.")]
        for i, p in enumerate(points)
        if p.deployment_id not in found
    }
    if hidden:
        raise NotFound(_("Some items name no deployment you may see."), hidden)
    refused = [d for d in found.values() if not access.can_set_usage_source(actor, d.model_service)]
    if refused:
        raise Forbidden(POINTS_REFUSED)
    by_deployment: dict = {}
    for p in points:
        by_deployment.setdefault(p.deployment_id, []).append(
            DayUsage(p.day, p.requests, p.errors, p.latency_p50_ms, p.latency_p95_ms)
        )
    rows: list[DailyUsage] = []
    with transaction.atomic():
        for deployment_id, days in by_deployment.items():
            rows.extend(usage_days_record(actor=actor, deployment=found[deployment_id], days=days))
    return rows
