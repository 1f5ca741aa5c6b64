from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Team, User
from accounts.roles import Role
from audit.models import AuditEvent
from catalog.models import ModelService, ModelVersion


@pytest.mark.django_db
def test_seed_demo_builds_a_believable_portfolio_and_is_idempotent():
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    assert ModelService.objects.count() >= 25
    assert Team.objects.filter(models__isnull=False).distinct().count() >= 4
    assert ModelVersion.objects.count() >= 25
    assert not ModelService.objects.filter(versions__isnull=True).exists()
    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists(), role
    assert User.objects.get(username="alice").check_password("attest-demo")
    counts = (
        ModelService.objects.count(),
        ModelVersion.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    assert counts == (
        ModelService.objects.count(),
        ModelVersion.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_gives_the_dashboard_and_monitoring_pages_something_to_show():
    from monitoring.models import Alert, Incident, MetricPoint, Threshold

    out = StringIO()
    call_command("seed_demo", "--allow-production", stdout=out)
    assert "+ monitoring: 3 deployments" in out.getvalue()
    churn = ModelService.objects.get(name="churn-predictor")
    assert MetricPoint.objects.filter(model_service=churn, metric="auc").count() == 60
    assert Threshold.objects.count() == 5
    # The churn model's AUC slides below its minimum in the last days: one open alert.
    alert = Alert.objects.get(state="open")
    assert (alert.model_service, alert.metric, alert.kind) == (churn, "auc", "below_minimum")
    incident = Incident.objects.get()
    assert incident.serious and incident.report_deadline is not None
    assert AuditEvent.objects.filter(action="monitoring.metrics_recorded").count() == 3


@pytest.mark.django_db
def test_seed_demo_refuses_production_without_flag():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="allow-production"):
        call_command("seed_demo")
    assert not ModelService.objects.exists()
