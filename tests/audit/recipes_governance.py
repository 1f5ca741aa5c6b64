"""Audit-completeness recipes for approvals and monitoring (tests/audit/test_completeness.py):
service name → (call it, the audit actions it must record, in order)."""

import monitoring.services.alerts
import monitoring.services.deployments
import monitoring.services.incidents
import monitoring.services.metrics
import monitoring.services.reviews
import monitoring.services.schemas
import monitoring.services.thresholds


def approval_recipes(p):
    """Recipes for deployment approvals, on a minimal-risk model with one version per recipe."""
    from django.utils import timezone

    from approvals import gate, services
    from catalog.models import ModelVersion
    from tests.approvals.approval_helpers import assessed_model

    model = assessed_model(p, "minimal", versions=[str(n) for n in range(1, 11)])

    def create(v, submit=True):
        return services.deployment_request_create(
            actor=p.owner,
            model_version=model.versions.get(version=v),
            environment="production",
            justification="recipe",
            submit=submit,
        )

    def approved(v):
        return services.deployment_request_decide(
            actor=p.compliance, request=create(v), verdict="approve"
        )

    def expire():
        row = approved("6")
        type(row).objects.filter(pk=row.pk).update(expires_at=timezone.now())
        return services.approvals_expire()

    def refresh():
        approved("7")
        ModelVersion.objects.filter(model_service=model, version="7").update(tags={"t": "2"})
        return services.approvals_refresh(model_service=model, cause="recipe")

    def drift():
        ModelVersion.objects.filter(model_service=model, version="9").update(aliases=["production"])
        return services.drift_check(model_service=model)

    s, a = "governance.request_submitted", "governance.request_approved"
    return {
        "approvals.services.requests.deployment_request_create": (
            lambda: create("1"),
            [s],
        ),
        "approvals.services.requests.deployment_request_submit": (
            lambda: services.deployment_request_submit(actor=p.owner, request=create("2", False)),
            ["governance.request_drafted", s],
        ),
        "approvals.services.requests.deployment_request_withdraw": (
            lambda: services.deployment_request_withdraw(actor=p.owner, request=create("3")),
            [s, "governance.request_withdrawn"],
        ),
        "approvals.services.decisions.deployment_request_decide": (
            lambda: approved("4"),
            [s, a],
        ),
        "approvals.services.lifecycle.approval_revoke": (
            lambda: services.approval_revoke(actor=p.compliance, request=approved("5"), reason="r"),
            [s, a, "governance.approval_revoked"],
        ),
        "approvals.services.lifecycle.approvals_expire": (
            expire,
            [s, a, "governance.approval_expired"],
        ),
        "approvals.services.lifecycle.approval_mark_for_rereview": (
            lambda: services.approval_mark_for_rereview(request=approved("10"), reason="recipe"),
            [s, a, "governance.approval_staled", s],
        ),
        "approvals.services.lifecycle.approvals_refresh": (
            refresh,
            [s, a, "governance.approval_staled", s],
        ),
        "approvals.services.deployments.deployment_record": (
            lambda: services.deployment_record(
                actor=p.owner,
                model_version=approved("8").model_version,
                environment="production",
            ),
            [s, a, "governance.deployment_recorded"],
        ),
        "approvals.services.deployments.drift_check": (
            drift,
            ["governance.drift_detected"],
        ),
        "approvals.gate.gate_answer": (
            lambda: gate.gate_answer(
                actor=p.ci_bot, model_name=model.name, version="4", environment="production"
            ),
            ["governance.gate_answered"],
        ),
    }


def monitoring_recipes(p):
    """Recipes for production monitoring. They run before the other recipes (see the tests
    below), so the only deployments the daily checks see are the ones made here."""
    from datetime import timedelta

    from django.utils import timezone

    from approvals import services as approvals
    from approvals.models import Deployment
    from monitoring.models import Alert, RecertificationReview
    from monitoring.payloads import MetricItem
    from tests.approvals.approval_helpers import assessed_model

    now = timezone.now()
    # Deployed 740 days ago (minimal risk: at most 730 days).
    deployed = assessed_model(p, "minimal")
    version = deployed.versions.get()
    approvals.deployment_request_decide(
        actor=p.compliance,
        request=approvals.deployment_request_create(
            actor=p.owner, model_version=version, environment="production", justification="r"
        ),
        verdict="approve",
    )
    approvals.deployment_record(actor=p.ci_bot, model_version=version, environment="production")
    Deployment.objects.filter(model_service=deployed).update(deployed_at=now - timedelta(days=740))
    RecertificationReview.objects.create(  # recertified recently: the next review is not overdue
        model_service=deployed,
        tier="minimal",
        due_on=timezone.localdate(),
        completed_at=now,
        outcome="recertified",
        comment="c",
    )
    # Not deployed: an overdue review, a review due later, alerts, an overdue serious incident.
    quiet, other = assessed_model(p, "minimal"), assessed_model(p, "minimal")
    overdue = RecertificationReview.objects.create(
        model_service=quiet, tier="minimal", due_on=timezone.localdate() - timedelta(days=3)
    )
    upcoming = RecertificationReview.objects.create(
        model_service=other, tier="minimal", due_on=timezone.localdate() + timedelta(days=30)
    )

    def alert(metric):
        return Alert.objects.create(
            model_service=quiet, kind="above_maximum", metric=metric, title="t", last_seen_at=now
        )

    def incident(**extra):
        return monitoring.services.incidents.incident_register(
            actor=p.owner, model_service=quiet, title="t", description="d", **extra
        )

    incident(serious=True, serious_category="general", aware_at=now - timedelta(days=20))

    def threshold(metric, **bounds):
        return monitoring.services.thresholds.threshold_create(
            actor=p.owner, model_service=deployed, metric=metric, **bounds
        )

    def record():
        threshold("auc", min_value=0.9)
        item = MetricItem(0, deployed.name, "1", "production", "auc", 0.5, now)
        return monitoring.services.metrics.metrics_record(actor=p.ci_bot, items=[item])

    created = "monitoring.threshold_created"
    m = "monitoring.services"
    return {
        f"{m}.alerts.alert_acknowledge": (
            lambda: monitoring.services.alerts.alert_acknowledge(
                actor=p.owner, alert=alert("a"), comment="c"
            ),
            ["monitoring.alert_acknowledged"],
        ),
        f"{m}.alerts.alert_resolve": (
            lambda: monitoring.services.alerts.alert_resolve(
                actor=p.reviewer, alert=alert("b"), comment="c"
            ),
            ["monitoring.alert_resolved"],
        ),
        f"{m}.metrics.metrics_record": (
            record,
            [created, "monitoring.metrics_recorded", "monitoring.alert_opened"],
        ),
        f"{m}.thresholds.threshold_create": (lambda: threshold("t1", max_value=1), [created]),
        f"{m}.thresholds.threshold_update": (
            lambda: monitoring.services.thresholds.threshold_update(
                actor=p.owner, threshold=threshold("t2", max_value=1), changes={"max_value": 2}
            ),
            [created, "monitoring.threshold_updated"],
        ),
        f"{m}.thresholds.threshold_delete": (
            lambda: monitoring.services.thresholds.threshold_delete(
                actor=p.owner, threshold=threshold("t3", max_value=1)
            ),
            [created, "monitoring.threshold_deleted"],
        ),
        f"{m}.deployments.deployments_check_age": (
            monitoring.services.deployments.deployments_check_age,
            ["monitoring.alert_opened"],
        ),
        f"{m}.schemas.schema_record": (
            lambda: monitoring.services.schemas.schema_record(
                actor=p.ci_bot,
                model_version=version,
                environment="production",
                features={"a": "int"},
            ),
            ["monitoring.schema_recorded"],
        ),
        f"{m}.incidents.incident_register": (
            lambda: incident(aware_at=now),
            ["monitoring.incident_registered"],
        ),
        f"{m}.incidents.incident_update": (
            lambda: monitoring.services.incidents.incident_update(
                actor=p.compliance, incident=incident(aware_at=now), changes={"severity": "high"}
            ),
            ["monitoring.incident_registered", "monitoring.incident_updated"],
        ),
        f"{m}.incidents.incidents_check_overdue": (
            monitoring.services.incidents.incidents_check_overdue,
            ["monitoring.alert_opened"],
        ),
        f"{m}.reviews.reviews_schedule": (
            monitoring.services.reviews.reviews_schedule,
            ["monitoring.review_scheduled"],
        ),
        f"{m}.reviews.reviews_check_overdue": (
            lambda: (overdue, monitoring.services.reviews.reviews_check_overdue()),
            ["monitoring.alert_opened"],
        ),
        f"{m}.reviews.review_complete": (
            lambda: monitoring.services.reviews.review_complete(
                actor=p.reviewer, review=upcoming, outcome="recertified", comment="c"
            ),
            ["monitoring.review_completed", "monitoring.review_scheduled"],
        ),
    }


def document_recipes(p):
    """Recipes for generated documents: a request, a render (a portfolio report: no model
    needed) and the sweep, which re-queues one stuck request and gives up on an exhausted one."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from documents import services
    from documents.models import GeneratedDocument

    def request():
        return services.document_request(actor=p.owner, kind="portfolio")

    def sweep():
        stuck, exhausted = request(), request()
        long_ago = timezone.now() - timedelta(days=1)
        GeneratedDocument.objects.filter(pk=stuck.pk).update(
            updated_at=long_ago - timedelta(minutes=1)
        )
        GeneratedDocument.objects.filter(pk=exhausted.pk).update(
            updated_at=long_ago, attempts=settings.ATTEST_DOCUMENT_MAX_ATTEMPTS
        )
        # Only what stood still for an hour: the other recipes' requests are younger.
        return services.documents_sweep(older_than_seconds=3600)

    def evidence_pack():
        from documents import evidence_packs
        from tests.factories import ModelServiceFactory, ModelVersionFactory

        version = ModelVersionFactory(model_service=ModelServiceFactory(owner_team=p.team))
        document = services.document_request(
            actor=p.owner, kind="evidence_pack", model_version=version
        )
        return evidence_packs.evidence_pack_render(document_pk=document.pk)

    requested = "documents.document_requested"
    return {
        "documents.evidence_packs.evidence_pack_render": (
            evidence_pack,
            [requested, "governance.document_generated"],
        ),
        "documents.services.document_request": (request, [requested]),
        "documents.services.document_render": (
            lambda: services.document_render(document_pk=request().pk),
            [requested, "governance.document_generated"],
        ),
        "documents.services.documents_sweep": (
            sweep,
            [
                requested,
                requested,
                "documents.document_render_retried",
                "documents.document_failed",
            ],
        ),
    }
