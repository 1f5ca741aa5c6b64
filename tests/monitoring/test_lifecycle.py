"""Model age in production (frozen clock), Art. 73 incidents, input schemas and recertification
reviews, through the services and the daily beat task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from approvals import services as approval_services
from audit.models import AuditEvent
from monitoring import services, tasks
from monitoring.models import Alert, Incident, InputSchema, RecertificationReview
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def deploy(personas, tier, name, at):
    """A model of ``tier`` approved and deployed to production at ``at``."""
    with time_machine.travel(at, tick=False):
        model = assessed_model(personas, tier, name=name)
        version = model.versions.get()
        if tier != "minimal":
            meet_all_obligations(personas, model)
        request = approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=version,
            environment="production",
            justification="j",
        )
        approval_services.deployment_request_decide(
            actor=personas.compliance, request=request, verdict="approve"
        )
        if tier == "high":
            approval_services.deployment_request_decide(
                actor=personas.reviewer, request=request, verdict="approve"
            )
        approval_services.deployment_record(
            actor=personas.ci_bot, model_version=version, environment="production"
        )
    return model


# --- Age in production ----------------------------------------------------------------------
def test_the_daily_task_flags_a_deployment_older_than_its_tiers_maximum(
    personas, django_capture_on_commit_callbacks
):
    minimal = deploy(personas, "minimal", "old-minimal", T0)  # at most 730 days
    limited = deploy(personas, "limited", "old-limited", T0)  # at most 540 days

    with time_machine.travel(T0 + timedelta(days=540), tick=False):
        assert tasks.daily_checks()["stale_deployments"] == 0  # exactly 540 days: not yet
    with (
        time_machine.travel(T0 + timedelta(days=541), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mail.outbox.clear()
        assert tasks.daily_checks()["stale_deployments"] == 1
    alert = Alert.objects.get(kind="stale_in_production")
    # The limited model's 12-monthly review (due 2027-01-10) is overdue too; minimal: 24 months.
    assert Alert.objects.get(kind="review_overdue").model_service == limited
    assert alert.model_service == limited and alert.environment == "production"
    assert (
        alert.title
        == "v1 has run in production for 541 days (at most 540 for a limited-risk model)"
    )
    assert alert.observed_value == 541 and alert.limit_value == 540
    assert any("Stale in production" in m.subject for m in mail.outbox)
    event = AuditEvent.objects.get(action="monitoring.alert_opened", target_id=str(alert.pk))
    assert event.source == "task" and event.subject_id == limited.pk

    # The next day: deduplicated (counted on the open alert), and now the minimal one is not
    # stale yet; after 730 days it is.
    with time_machine.travel(T0 + timedelta(days=542), tick=False):
        assert tasks.daily_checks()["stale_deployments"] == 0
    assert Alert.objects.get(kind="stale_in_production").occurrences == 2
    with time_machine.travel(T0 + timedelta(days=731), tick=False):
        assert tasks.daily_checks()["stale_deployments"] == 1
    assert Alert.objects.filter(model_service=minimal, kind="stale_in_production").exists()


def test_a_newer_deployment_replaces_the_old_one(personas):
    model = deploy(personas, "limited", "fresh", T0)
    with time_machine.travel(T0 + timedelta(days=500), tick=False):
        from catalog.services import model_version_register

        v2 = model_version_register(actor=None, model_service=model, version="2")
        request = approval_services.deployment_request_create(
            actor=personas.owner, model_version=v2, environment="production", justification="j"
        )
        approval_services.deployment_request_decide(
            actor=personas.compliance, request=request, verdict="approve"
        )
        approval_services.deployment_record(
            actor=personas.ci_bot, model_version=v2, environment="production"
        )
    with time_machine.travel(T0 + timedelta(days=600), tick=False):
        assert services.deployments_check_age() == []


def test_tiers_and_environments_come_from_settings(personas, settings):
    settings.ATTEST_MAX_AGE_DAYS = "limited=10"
    deploy(personas, "limited", "short-lived", T0)
    settings.ATTEST_MAX_AGE_ENVIRONMENTS = ["staging"]
    with time_machine.travel(T0 + timedelta(days=11), tick=False):
        assert services.deployments_check_age() == []
    settings.ATTEST_MAX_AGE_ENVIRONMENTS = ["production"]
    with time_machine.travel(T0 + timedelta(days=11), tick=False):
        assert len(services.deployments_check_age()) == 1


# --- Incidents ------------------------------------------------------------------------------
@pytest.mark.parametrize(("category", "days"), [("general", 15), ("death", 10), ("widespread", 2)])
def test_a_serious_incidents_deadline_and_overdue_state_follow_its_art73_category(
    personas, deployed, category, days, django_capture_on_commit_callbacks
):
    aware = T0
    with time_machine.travel(aware + timedelta(hours=1), tick=False):
        incident = services.incident_register(
            actor=personas.owner,
            model_service=deployed.model,
            title="Loans refused to a whole postcode",
            description="A feed outage set income to 0 for one region.",
            severity="high",
            serious=True,
            serious_category=category,
            aware_at=aware,
        )
    assert incident.report_deadline == aware + timedelta(days=days)
    from monitoring.selectors import incident_clock

    just_before = aware + timedelta(days=days) - timedelta(minutes=1)
    assert incident_clock(incident, now=just_before).state == "due"
    with time_machine.travel(just_before, tick=False):
        assert services.incidents_check_overdue() == []
    after = aware + timedelta(days=days, hours=1)
    assert incident_clock(incident, now=after).state == "overdue"
    with time_machine.travel(after, tick=False), django_capture_on_commit_callbacks(execute=True):
        mail.outbox.clear()
        (alert,) = services.incidents_check_overdue()
    assert alert.kind == "incident_overdue" and alert.subject == str(incident.pk)
    assert alert.title == "Art. 73 report overdue by 1 hour: Loans refused to a whole postcode"
    # Legal clocks also reach every compliance officer.
    assert "compliance@example.com" in [m.to[0] for m in mail.outbox]
    with time_machine.travel(after + timedelta(days=1), tick=False):
        assert services.incidents_check_overdue() == []  # deduplicated

    # Recording the (initial) report resolves the overdue alert, audited.
    with time_machine.travel(after + timedelta(days=1), tick=False):
        changed = services.incident_update(
            actor=personas.compliance,
            incident=incident,
            changes={"report_stage": "initial", "authority_reported_at": after},
        )
    assert changed == ["report_stage", "authority_reported_at"]
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_by == personas.compliance
    incident.refresh_from_db()
    assert incident_clock(incident, now=after).state == "reported_late"
    assert list(
        AuditEvent.objects.filter(subject_id=deployed.model.pk, action__startswith="monitoring.")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        "monitoring.incident_registered",
        "monitoring.alert_opened",
        "monitoring.incident_updated",
        "monitoring.alert_resolved",
    ]


def test_incidents_that_are_not_serious_have_no_clock(personas, deployed):
    incident = services.incident_register(
        actor=personas.owner,
        model_service=deployed.model,
        title="Slow scoring",
        description="p99 latency doubled.",
        serious=False,
        serious_category="death",  # ignored: not serious
        aware_at=T0,
    )
    assert incident.report_deadline is None and incident.serious_category == ""
    assert services.incidents_check_overdue() == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"serious": True}, "serious_category"),
        ({"aware_at": None}, "aware_at"),
        ({"title": ""}, "title"),
        ({"occurred_at": T0 + timedelta(days=1)}, "occurred_at"),
        ({"report_stage": "initial"}, "authority_reported_at"),
        (
            {"report_stage": "complete", "authority_reported_at": T0 + timedelta(days=1)},
            "complete_report_at",
        ),
    ],
)
def test_incident_validation(personas, deployed, fields, error):
    base = {"title": "t", "description": "d", "aware_at": T0}
    with pytest.raises(ValidationError) as info:
        services.incident_register(
            actor=personas.owner, model_service=deployed.model, **{**base, **fields}
        )
    assert error in info.value.message_dict
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), ("compliance", True), ("admin", True), ("reviewer", False),
     ("auditor", False), ("other_owner", False)],
)  # fmt: skip
def test_who_registers_incidents(personas, deployed, who, allowed):
    def register():
        return services.incident_register(
            actor=getattr(personas, who),
            model_service=deployed.model,
            title="t",
            description="d",
            aware_at=T0,
        )

    if allowed:
        assert register().reported_by == getattr(personas, who)
    else:
        with pytest.raises(PermissionDenied):
            register()


# --- Input schemas --------------------------------------------------------------------------
FEATURES = {"age": "int", "income": "float", "region": "str"}


def test_the_first_schema_after_approval_is_the_reference_and_changes_raise_an_alert(
    personas, deployed, api_token, client
):
    from accounts.models import ApiToken

    token = api_token(scopes=[ApiToken.Scope.METRICS_WRITE])
    url = f"/api/v1/models/{deployed.model.pk}/versions/1/schema/"

    def post(features, **extra):
        return client.post(
            url,
            {"environment": "production", "features": features, **extra},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    first = post(FEATURES)
    assert first.status_code == 201 and first.json()["reference"] is True
    same = post(dict(FEATURES))
    assert same.status_code == 201 and same.json()["differences"] == []
    assert same.json()["alert"] is None
    changed = post({"age": "float", "income": "float", "channel": "str"})
    body = changed.json()
    assert changed.status_code == 201 and body["reference"] is False
    assert [(d["feature"], d["change"]) for d in body["differences"]] == [
        ("age", "type_changed"),
        ("channel", "extra"),
        ("region", "missing"),
    ]
    alert = Alert.objects.get(pk=body["alert"]["id"])
    assert alert.kind == "schema_mismatch" and alert.subject == "v1"
    assert "age: type int → float; channel: new feature (str); region: missing" in alert.detail
    # A new explicit reference replaces the old one; it is not compared.
    replaced = post({"age": "float", "income": "float", "channel": "str"}, reference=True)
    assert replaced.json()["reference"] is True
    assert InputSchema.objects.filter(is_reference=True).count() == 1
    assert post({"age": "float"}).status_code == 201  # compared with the new reference
    assert Alert.objects.get(pk=alert.pk).occurrences == 2  # same alert while it is open


def test_schemas_before_approval_are_kept_without_reference(personas, deployed):
    v2 = deployed.model.versions.get(version="2")
    result = services.schema_record(
        actor=personas.ci_bot, model_version=v2, environment="production", features=FEATURES
    )
    assert result.schema.is_reference is False and result.reference is None
    assert result.differences == [] and result.alert is None


def test_schema_api_refuses_bad_input_and_strangers(personas, deployed, client_for):
    url = f"/api/v1/models/{deployed.model.pk}/versions/1/schema/"
    owner = client_for(personas.owner)
    nan = owner.post(
        url,
        '{"environment": "production", "features": {"a": NaN}}',
        content_type="application/json",
    )
    assert nan.status_code == 400
    missing = owner.post(
        f"/api/v1/models/{deployed.model.pk}/versions/9/schema/",
        {"environment": "production", "features": FEATURES},
        content_type="application/json",
    )
    assert missing.status_code == 404
    reviewer = client_for(personas.reviewer).post(
        url, {"environment": "production", "features": FEATURES}, content_type="application/json"
    )
    assert reviewer.status_code == 403
    stranger = client_for(personas.other_owner).post(
        url, {"environment": "production", "features": FEATURES}, content_type="application/json"
    )
    assert stranger.status_code == 404
    assert not InputSchema.objects.exists()


# --- Recertification ------------------------------------------------------------------------
def test_reviews_are_scheduled_per_tier_reminded_flagged_and_completed(
    personas, django_capture_on_commit_callbacks
):
    model = deploy(personas, "high", "recertified-model", T0)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        result = tasks.daily_checks()
    assert result["reviews_scheduled"] == 1
    review = RecertificationReview.objects.get(model_service=model)
    assert review.due_on == date(2026, 7, 10)  # six months after the first deployment (high)
    # 14 days before: reminded once, by e-mail to the team and compliance.
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 6, 27, 8, tzinfo=UTC), tick=False):
        assert tasks.daily_checks()["reviews_reminded"] == 1
        assert tasks.daily_checks()["reviews_reminded"] == 0
    assert any("Recertification due 2026-07-10" in m.subject for m in mail.outbox)
    # Overdue: an alert.
    with time_machine.travel(datetime(2026, 7, 12, 8, tzinfo=UTC), tick=False):
        assert tasks.daily_checks()["overdue_reviews"] == 1
    alert = Alert.objects.get(kind="review_overdue")
    # A reviewer completes it: outcome recorded, alert resolved, next one scheduled.
    with pytest.raises(PermissionDenied):
        services.review_complete(
            actor=personas.owner, review=review, outcome="recertified", comment="c"
        )
    with time_machine.travel(datetime(2026, 7, 13, 8, tzinfo=UTC), tick=False):
        services.review_complete(
            actor=personas.reviewer,
            review=review,
            outcome="recertified",
            comment="Metrics stable, no incidents, card current.",
        )
    review.refresh_from_db()
    alert.refresh_from_db()
    assert review.outcome == "recertified" and review.completed_by == personas.reviewer
    assert alert.state == "resolved"
    nxt = RecertificationReview.objects.get(model_service=model, completed_at__isnull=True)
    assert nxt.due_on == date(2027, 1, 13)
    with pytest.raises(services.Conflict):
        services.review_complete(
            actor=personas.reviewer, review=review, outcome="retire", comment="x"
        )
