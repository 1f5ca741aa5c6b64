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
def test_seed_demo_refuses_production_without_flag():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="allow-production"):
        call_command("seed_demo")
    assert not ModelService.objects.exists()
