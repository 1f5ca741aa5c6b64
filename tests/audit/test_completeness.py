"""A1: every service that changes state records its audit events, exactly as listed here.

The test enumerates the public functions of every services module: each must have a recipe
(call it, expect exactly these audit actions) or a written reason why it records nothing.
A new service without a row here fails the first test.
"""

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import accounts.services
import audit.services
import catalog.services.entries
import catalog.services.ingest
import catalog.services.sources
import governance.approvals.gate
import governance.approvals.services.decisions
import governance.approvals.services.deployments
import governance.approvals.services.lifecycle
import governance.approvals.services.requests
import governance.approvals.writeback
import governance.services
import monitoring.services.alerts
import monitoring.services.deployments
import monitoring.services.incidents
import monitoring.services.metrics
import monitoring.services.reviews
import monitoring.services.schemas
import monitoring.services.thresholds
from accounts.models import Team
from audit.models import AuditEvent
from catalog.models import WebhookDelivery
from governance.models import Obligation
from tests.catalog.mlflow_fixtures import SECRET
from tests.factories import ModelServiceFactory, UserFactory

MODULES = [
    accounts.services,
    audit.services,
    catalog.services.entries,
    catalog.services.sources,
    catalog.services.ingest,
    governance.services,
    governance.approvals.services.requests,
    governance.approvals.services.decisions,
    governance.approvals.services.lifecycle,
    governance.approvals.services.deployments,
    governance.approvals.gate,
    governance.approvals.writeback,
    monitoring.services.alerts,
    monitoring.services.metrics,
    monitoring.services.thresholds,
    monitoring.services.deployments,
    monitoring.services.schemas,
    monitoring.services.incidents,
    monitoring.services.reviews,
]
ANSWERS = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
}

NO_EVENT = {
    "audit.services.audit_record": "it is the event writer itself",
    "catalog.services.entries.model_service_governance_summary_set": "copy; governance audits",
    "catalog.services.sources.webhook_secrets_active": "read",
    "catalog.services.sources.registry_client": "builds a REST client",
    "catalog.services.ingest.registry_delivery_receive": "the inbox row is the record",
    "catalog.services.ingest.timestamp_is_fresh": "pure check",
    "catalog.services.ingest.registry_inbox_sweep": "re-queue; C7 tests its event",
    "catalog.services.ingest.registry_delivery_process": "audited via what it applies",
    "catalog.services.ingest.registry_reconcile": "W6 tests its events",
    "catalog.services.ingest.registry_model_lock": "a lock; changes nothing",
    "catalog.services.sources.registry_source_webhook_register": "needs MLflow; journey test",
    "governance.services.can_assess": "read",
    "governance.services.subject_snapshot": "read",
    "governance.services.completeness": "read",
    "accounts.services.team_members_set": "composite: one member event per change",
    "accounts.services.team_reviewers_set": "composite: one reviewer event per change",
    "accounts.services.user_sso_sync": "composite: one role/team event per change (SSO test)",
    "governance.approvals.services.lifecycle.approvals_due_for_reminder": "reminder mark only",
    "governance.approvals.gate.evaluate": "read; gate_answer records the answer",
    "governance.approvals.writeback.request_writeback": "needs MLflow; test_writeback.py",
    "governance.approvals.writeback.pending_writebacks": "read",
    "governance.approvals.writeback.retry_delay": "pure backoff arithmetic",
    "monitoring.services.reviews.reviews_due_for_reminder": "reminder mark; no state change",
}


def _team(w):
    return w["team"]


def approval_recipes(p):
    """Recipes for deployment approvals, on a minimal-risk model with one version per recipe."""
    from django.utils import timezone

    from catalog.models import ModelVersion
    from governance.approvals import gate, services
    from tests.governance.approval_helpers import assessed_model

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
        "governance.approvals.services.requests.deployment_request_create": (
            lambda: create("1"),
            [s],
        ),
        "governance.approvals.services.requests.deployment_request_submit": (
            lambda: services.deployment_request_submit(actor=p.owner, request=create("2", False)),
            ["governance.request_drafted", s],
        ),
        "governance.approvals.services.requests.deployment_request_withdraw": (
            lambda: services.deployment_request_withdraw(actor=p.owner, request=create("3")),
            [s, "governance.request_withdrawn"],
        ),
        "governance.approvals.services.decisions.deployment_request_decide": (
            lambda: approved("4"),
            [s, a],
        ),
        "governance.approvals.services.lifecycle.approval_revoke": (
            lambda: services.approval_revoke(actor=p.compliance, request=approved("5"), reason="r"),
            [s, a, "governance.approval_revoked"],
        ),
        "governance.approvals.services.lifecycle.approvals_expire": (
            expire,
            [s, a, "governance.approval_expired"],
        ),
        "governance.approvals.services.lifecycle.approval_mark_for_rereview": (
            lambda: services.approval_mark_for_rereview(request=approved("10"), reason="recipe"),
            [s, a, "governance.approval_staled", s],
        ),
        "governance.approvals.services.lifecycle.approvals_refresh": (
            refresh,
            [s, a, "governance.approval_staled", s],
        ),
        "governance.approvals.services.deployments.deployment_record": (
            lambda: services.deployment_record(
                actor=p.owner,
                model_version=approved("8").model_version,
                environment="production",
            ),
            [s, a, "governance.deployment_recorded"],
        ),
        "governance.approvals.services.deployments.drift_check": (
            drift,
            ["governance.drift_detected"],
        ),
        "governance.approvals.gate.gate_answer": (
            lambda: gate.gate_answer(
                actor=p.ci_bot, model_name=model.name, version="4", environment="production"
            ),
            ["governance.gate_answered"],
        ),
    }


def recipes(p):
    """name -> (call, expected actions). ``p`` is the personas fixture. Recipes run in order on
    shared data, and a service records nothing when nothing changed: after the first
    submission the tier stays the same, so later submissions write no tier-change event."""
    user = UserFactory(username="subject")
    other = UserFactory(username="stakeholder")
    team = p.team
    model = ModelServiceFactory(owner_team=team)

    def submitted():
        governance.services.assessment_submit(actor=p.owner, model_service=model, answers=ANSWERS)
        return Obligation.objects.filter(model_service=model, is_current=True).first()

    slugs = iter(f"s{n}" for n in range(100))

    def source():
        return catalog.services.sources.registry_source_create(
            actor=p.admin,
            kind="mlflow",
            slug=next(slugs),
            base_url="http://x.example.com",
            secret=SECRET,
        )

    return {
        "accounts.services.team_create": (
            lambda: accounts.services.team_create(actor=p.admin, name="N", slug="n"),
            ["accounts.team_created"],
        ),
        "accounts.services.team_save": (
            lambda: accounts.services.team_save(actor=p.admin, team=Team(name="M", slug="m")),
            ["accounts.team_created"],
        ),
        "accounts.services.team_member_add": (
            lambda: accounts.services.team_member_add(actor=p.admin, team=team, user=user),
            ["accounts.team_member_added"],
        ),
        "accounts.services.team_member_remove": (
            lambda: accounts.services.team_member_remove(actor=p.admin, team=team, user=p.teammate),
            ["accounts.team_member_removed"],
        ),
        "accounts.services.team_reviewer_add": (
            lambda: accounts.services.team_reviewer_add(actor=p.admin, team=team, user=user),
            ["accounts.team_reviewer_added"],
        ),
        "accounts.services.team_reviewer_remove": (
            lambda: accounts.services.team_reviewer_remove(
                actor=p.admin, team=team, user=p.reviewer
            ),
            ["accounts.team_reviewer_removed"],
        ),
        "accounts.services.user_role_grant": (
            lambda: accounts.services.user_role_grant(actor=p.admin, user=user, role="auditor"),
            ["accounts.role_granted"],
        ),
        "accounts.services.user_role_revoke": (
            lambda: accounts.services.user_role_revoke(
                actor=p.admin, user=p.auditor, role="auditor"
            ),
            ["accounts.role_revoked"],
        ),
        "accounts.services.api_token_create": (
            lambda: accounts.services.api_token_create(
                actor=p.admin, user=p.ci_bot, name="t", scopes=["catalog:read"], expires_in_days=1
            ),
            ["accounts.token_created"],
        ),
        "accounts.services.api_token_revoke": (
            lambda: accounts.services.api_token_revoke(
                actor=p.admin,
                token=accounts.services.api_token_create(
                    actor=None, user=p.ci_bot, name="t", scopes=["catalog:read"], expires_in_days=1
                )[0],
            ),
            ["accounts.token_created", "accounts.token_revoked"],
        ),
        "accounts.services.session_signed_in": (
            lambda: accounts.services.session_signed_in(user=p.owner),
            ["accounts.signed_in"],
        ),
        "accounts.services.session_signed_out": (
            lambda: accounts.services.session_signed_out(user=p.owner),
            ["accounts.signed_out"],
        ),
        "accounts.services.session_sign_in_failed": (
            lambda: accounts.services.session_sign_in_failed(username="x"),
            ["accounts.sign_in_failed"],
        ),
        "catalog.services.entries.model_service_register": (
            lambda: catalog.services.entries.model_service_register(
                actor=p.admin, name="new", owner_team=team
            ),
            ["catalog.model_registered", "catalog.access_granted"],
        ),
        "catalog.services.entries.model_service_update_metadata": (
            lambda: catalog.services.entries.model_service_update_metadata(
                actor=p.owner, model_service=model, changes={"purpose": "changed"}
            ),
            ["catalog.model_updated"],
        ),
        "catalog.services.entries.model_version_register": (
            lambda: catalog.services.entries.model_version_register(
                actor=None, model_service=model, version="1"
            ),
            ["catalog.version_registered"],
        ),
        "catalog.services.entries.model_service_share": (
            lambda: catalog.services.entries.model_service_share(
                actor=p.owner, model_service=model, user=user
            ),
            ["catalog.access_granted"],
        ),
        "catalog.services.entries.model_service_unshare": (
            lambda: (
                catalog.services.entries.model_service_share(
                    actor=None, model_service=model, user=other
                ),
                catalog.services.entries.model_service_unshare(
                    actor=p.owner, model_service=model, user=other
                ),
            ),
            ["catalog.access_granted", "catalog.access_revoked"],
        ),
        "catalog.services.sources.registry_source_create": (
            source,
            ["catalog.registry_source_created"],
        ),
        "catalog.services.sources.webhook_secret_add": (
            lambda: catalog.services.sources.webhook_secret_add(actor=p.admin, source=source()),
            ["catalog.registry_source_created", "catalog.webhook_secret_added"],
        ),
        "catalog.services.sources.webhook_secret_retire": (
            lambda: (
                lambda s: (
                    catalog.services.sources.webhook_secret_add(actor=None, source=s),
                    catalog.services.sources.webhook_secret_retire(
                        actor=p.admin, secret=s.secrets.order_by("created_at").first()
                    ),
                )
            )(source()),
            [
                "catalog.registry_source_created",
                "catalog.webhook_secret_added",
                "catalog.webhook_secret_retired",
            ],
        ),
        "catalog.services.ingest.registry_delivery_retry": (
            lambda: catalog.services.ingest.registry_delivery_retry(
                actor=p.admin,
                delivery=WebhookDelivery.objects.create(
                    source=source(),
                    delivery_id="d",
                    signed_at="2026-01-01T00:00:00Z",
                    entity="prompt",
                    action="created",
                    body="{}",
                    payload={},
                    status="failed",
                ),
            ),
            ["catalog.registry_source_created", "catalog.delivery_retried"],
        ),
        "governance.services.assessment_draft_save": (
            lambda: governance.services.assessment_draft_save(
                actor=p.owner, model_service=model, answers={"role": "provider"}
            ),
            ["governance.assessment_draft_saved"],
        ),
        "governance.services.assessment_submit": (
            submitted,
            ["governance.assessment_submitted", "governance.risk_tier_changed"],
        ),
        "governance.services.obligation_update": (
            lambda: governance.services.obligation_update(
                actor=p.owner, obligation=submitted(), status="in_progress"
            ),
            [
                "governance.assessment_submitted",
                "governance.obligation_changed",
            ],
        ),
        "governance.services.evidence_add": (
            lambda: governance.services.evidence_add(
                actor=p.owner,
                obligation=submitted(),
                upload=SimpleUploadedFile("e.txt", b"evidence"),
            ),
            [
                "governance.assessment_submitted",
                "governance.evidence_added",
            ],
        ),
    }


def monitoring_recipes(p):
    """Recipes for production monitoring. They run before the other recipes (see the tests
    below), so the only deployments the daily checks see are the ones made here."""
    from datetime import timedelta

    from django.utils import timezone

    from governance.approvals import services as approvals
    from governance.models import Deployment
    from monitoring.models import Alert, RecertificationReview
    from monitoring.payloads import MetricItem
    from tests.governance.approval_helpers import assessed_model

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


def public_services():
    names = set()
    for module in MODULES:
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if obj.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{module.__name__}.{name}")
    return names


@pytest.mark.django_db
def test_every_service_is_accounted_for(personas):
    covered = (
        set(recipes(personas))
        | set(approval_recipes(personas))
        | set(monitoring_recipes(personas))
        | set(NO_EVENT)
    )
    missing = public_services() - covered
    assert not missing, f"services without an audit expectation: {sorted(missing)}"
    assert not covered - public_services(), "stale rows in the completeness table"


@pytest.mark.django_db
def test_each_service_records_exactly_its_events(personas):
    failures = []
    # Monitoring first: its daily checks must see only the deployments its recipes made.
    all_recipes = monitoring_recipes(personas) | recipes(personas) | approval_recipes(personas)
    for name, (call, expected) in all_recipes.items():
        before = AuditEvent.objects.count()
        call()
        actions = list(AuditEvent.objects.order_by("seq")[before:].values_list("action", flat=True))
        if actions != expected:
            failures.append(f"{name}: {actions}, expected {expected}")
    assert not failures, "\n".join(failures)
