"""Alert lifecycle: acknowledge and resolve with a comment, by whom, in which order; one active
alert per key, held by the database too."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from monitoring import services
from monitoring.models import Alert
from monitoring.services.alerts import AlertSpec, _alert_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(deployed):
    with transaction.atomic():
        opened, created = _alert_raise(
            AlertSpec(
                model_service=deployed.model,
                kind=Alert.Kind.BELOW_MINIMUM,
                environment="production",
                metric="auc",
                title="auc in production: 0.7 is below the minimum 0.75",
            )
        )
    assert created
    return opened


def test_opening_the_same_alert_again_counts_on_it(deployed, alert):
    with transaction.atomic():
        again, created = _alert_raise(
            AlertSpec(
                model_service=deployed.model,
                kind=Alert.Kind.BELOW_MINIMUM,
                environment="production",
                metric="auc",
                title="another title",
                count=3,
            )
        )
    assert not created and again.pk == alert.pk and again.occurrences == 4
    assert AuditEvent.objects.filter(action="monitoring.alert_opened").count() == 1


def test_the_database_refuses_a_second_active_alert_for_the_same_key(deployed, alert):
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            model_service=deployed.model,
            kind=Alert.Kind.BELOW_MINIMUM,
            environment="production",
            metric="auc",
            title="duplicate",
            last_seen_at=timezone.now(),
        )


@pytest.mark.parametrize("who", ["owner", "teammate", "reviewer", "compliance", "admin"])
def test_the_team_its_reviewers_and_compliance_handle_alerts(personas, alert, who):
    actor = getattr(personas, who)
    services.alert_acknowledge(actor=actor, alert=alert, comment="on it")
    services.alert_resolve(actor=actor, alert=alert, comment="fixed")
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.acknowledged_by == actor


@pytest.mark.parametrize("who", ["auditor", "viewer", "other_owner", "other_reviewer", "ci_bot"])
def test_others_cannot_handle_alerts(personas, alert, who):
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=getattr(personas, who), alert=alert, comment="x")
    with pytest.raises(PermissionDenied):
        services.alert_resolve(actor=getattr(personas, who), alert=alert, comment="x")
    alert.refresh_from_db()
    assert alert.state == "open"


def test_a_comment_is_required(personas, alert):
    for service in (services.alert_acknowledge, services.alert_resolve):
        with pytest.raises(ValidationError) as info:
            service(actor=personas.owner, alert=alert, comment="  ")
        assert "comment" in info.value.message_dict
    assert not AuditEvent.objects.filter(action__startswith="monitoring.alert_a").exists()


def test_state_machine(personas, alert):
    services.alert_resolve(actor=personas.owner, alert=alert, comment="false alarm")
    with pytest.raises(services.Conflict, match="already resolved"):
        services.alert_acknowledge(actor=personas.owner, alert=alert, comment="late")
    with pytest.raises(services.Conflict, match="already resolved"):
        services.alert_resolve(actor=personas.owner, alert=alert, comment="twice")
    assert Alert.TRANSITIONS == {
        "open": ("acknowledged", "resolved"),
        "acknowledged": ("resolved",),
    }


def test_alert_pages_answer_by_persona(personas, alert, client_for):
    detail = f"/alerts/{alert.pk}/"
    assert client_for(personas.auditor).get(detail).status_code == 200
    assert client_for(personas.other_owner).get(detail).status_code == 404
    page = client_for(personas.auditor).get(detail).content.decode()
    assert "Acknowledge" not in page  # read-only for auditors
    forbidden = client_for(personas.auditor).post(
        f"/alerts/{alert.pk}/resolve/", {"resolve-comment": "x"}
    )
    assert forbidden.status_code == 403
    hidden = client_for(personas.other_owner).post(
        f"/alerts/{alert.pk}/resolve/", {"resolve-comment": "x"}
    )
    assert hidden.status_code == 404
    empty = client_for(personas.owner).post(f"/alerts/{alert.pk}/resolve/", {"resolve-comment": ""})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    alert.refresh_from_db()
    assert alert.state == "open"


def test_the_alert_list_shows_only_visible_models(personas, alert, client_for):
    assert alert.title in client_for(personas.reviewer).get("/alerts/").content.decode()
    assert alert.title not in client_for(personas.other_owner).get("/alerts/").content.decode()
    resolved = client_for(personas.owner).get("/alerts/?state=resolved").content.decode()
    assert alert.title not in resolved


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_the_database_refuses_non_finite_metric_values(deployed, value):
    import uuid

    from monitoring.models import MetricPoint

    with pytest.raises(IntegrityError), transaction.atomic():
        MetricPoint.objects.create(
            model_service=deployed.model,
            model_version=deployed.version,
            environment="production",
            metric="auc",
            value=value,
            observed_at=timezone.now(),
            batch_id=uuid.uuid4(),
        )


def test_the_alert_list_counts_active_alerts_per_kind(personas, deployed, alert, client_for):
    from monitoring.selectors import alert_counts_by_kind

    with transaction.atomic():
        _alert_raise(
            AlertSpec(
                model_service=deployed.model,
                kind=Alert.Kind.BELOW_MINIMUM,
                environment="staging",
                metric="auc",
                title="auc in staging",
            )
        )
    assert alert_counts_by_kind(user=personas.owner) == {"below_minimum": 2}
    assert alert_counts_by_kind(user=personas.other_owner) == {}
    html = client_for(personas.owner).get("/alerts/").content.decode()
    assert "Below minimum (2)" in html and "2 open or acknowledged" in html
