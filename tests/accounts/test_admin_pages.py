"""Admin pages for teams, membership, reviewer pools, roles and sharing: audited services only."""

import pytest
from django.urls import reverse

from accounts.models import Team
from audit.models import AuditEvent
from catalog.selectors import model_service_visible


@pytest.fixture
def admin_client(client_for, personas):
    personas.admin.is_staff = True
    personas.admin.save()
    return client_for(personas.admin)


def actions():
    return list(AuditEvent.objects.order_by("occurred_at").values_list("action", flat=True))


@pytest.mark.django_db
def test_admin_creates_team_with_members_and_reviewers(admin_client, personas):
    response = admin_client.post(
        reverse("admin:accounts_team_add"),
        {
            "name": "Pricing",
            "slug": "pricing",
            "description": "",
            "members": [personas.outsider.pk],
            "reviewers": [personas.other_reviewer.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(slug="pricing")
    assert team.group.name == "team:pricing"
    assert list(team.members) == [personas.outsider]
    assert list(team.reviewers.all()) == [personas.other_reviewer]
    assert {
        "accounts.team_created",
        "accounts.team_member_added",
        "accounts.team_reviewer_added",
    } <= set(actions())


@pytest.mark.django_db
def test_removing_a_member_in_admin_hides_the_teams_models(admin_client, personas, owned_model):
    assert model_service_visible(user=personas.teammate).filter(pk=owned_model.pk).exists()
    response = admin_client.post(
        reverse("admin:accounts_team_change", args=[personas.team.pk]),
        {
            "name": personas.team.name,
            "description": "",
            "members": [personas.owner.pk, personas.ci_bot.pk],
            "reviewers": [personas.reviewer.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not model_service_visible(user=personas.teammate).filter(pk=owned_model.pk).exists()
    event = AuditEvent.objects.get(action="accounts.team_member_removed")
    assert event.before == {"member": "teammate"}
    assert event.actor_id == personas.admin.pk


@pytest.mark.django_db
def test_sharing_a_model_with_a_viewer_in_admin(admin_client, personas, owned_model):
    url = reverse("admin:catalog_modelservice_change", args=[owned_model.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"shared_with_users": [personas.viewer.pk]})
    assert response.status_code == 302
    assert model_service_visible(user=personas.viewer).filter(pk=owned_model.pk).exists()
    admin_client.post(url, {"shared_with_users": []})
    assert not model_service_visible(user=personas.viewer).filter(pk=owned_model.pk).exists()
    assert actions().count("catalog.access_granted") == 1
    assert actions().count("catalog.access_revoked") == 1


@pytest.mark.django_db
def test_roles_changed_in_user_admin_are_audited(admin_client, personas):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[personas.outsider.pk]),
        {
            "username": "outsider",
            "first_name": "",
            "last_name": "",
            "email": "o@example.com",
            "is_active": "on",
            "roles": ["reviewer", "viewer"],
            "teams": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    granted = AuditEvent.objects.filter(
        action="accounts.role_granted", target_id=str(personas.outsider.pk)
    )
    assert sorted(e.after["role"] for e in granted) == ["reviewer", "viewer"]


@pytest.mark.django_db
def test_staff_without_admin_role_cannot_change_teams(client_for, personas):
    personas.reviewer.is_staff = True
    personas.reviewer.save()
    client = client_for(personas.reviewer)
    assert client.get(reverse("admin:accounts_team_add")).status_code == 403
    response = client.post(reverse("admin:accounts_team_add"), {"name": "X", "slug": "x"})
    assert response.status_code == 403
    assert not Team.objects.filter(slug="x").exists()
