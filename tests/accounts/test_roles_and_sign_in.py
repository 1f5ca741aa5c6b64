import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import Role, can_read_audit_log, has_role
from audit.models import AuditEvent
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_audit_log_permission_follows_roles(personas):
    readers = {
        name
        for name in (
            "owner",
            "outsider",
            "reviewer",
            "compliance",
            "auditor",
            "viewer",
            "admin",
            "ci_bot",
        )
        if can_read_audit_log(getattr(personas, name))
    }
    assert readers == {"compliance", "auditor", "admin"}
    assert has_role(personas.reviewer, Role.REVIEWER)
    assert not has_role(personas.reviewer, Role.ADMIN)


@pytest.mark.django_db
def test_sign_in_page_signs_in_and_records_event(client, personas):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")  # the home page
    assert (
        AuditEvent.objects.filter(action="accounts.signed_in", actor_id=personas.owner.pk).count()
        == 1
    )


@pytest.mark.django_db
def test_failed_sign_in_is_shown_and_recorded_without_password(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": "wrong-pw"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    event = AuditEvent.objects.get(action="accounts.sign_in_failed")
    assert event.target_label == "owner"
    assert "wrong-pw" not in str(event.after)


@pytest.mark.django_db
def test_sign_out_is_post_only_and_recorded(client, personas):
    client.force_login(personas.owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="accounts.signed_out").count() == 1
    assert client.get(reverse("catalog:model-list")).status_code == 302
