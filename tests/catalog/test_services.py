import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from catalog import services
from catalog.models import ModelService


@pytest.mark.django_db
def test_metadata_edit_records_exactly_one_event_with_changed_fields_only(personas, owned_model):
    old_purpose = owned_model.purpose
    changed = services.model_service_update_metadata(
        actor=personas.owner,
        model_service=owned_model,
        changes={
            "purpose": "Scores loan applicants.",
            "limitations": "EU only.",
            "description": owned_model.description,
        },
    )
    assert changed == ["limitations", "purpose"]
    events = AuditEvent.objects.filter(action="catalog.model_updated")
    assert events.count() == 1
    event = events.get()
    assert event.before == {"purpose": old_purpose, "limitations": ""}
    assert event.after == {"purpose": "Scores loan applicants.", "limitations": "EU only."}
    assert event.actor_id == personas.owner.pk
    assert event.subject_id == owned_model.pk
    owned_model.refresh_from_db()
    assert owned_model.purpose == "Scores loan applicants."


@pytest.mark.django_db
def test_metadata_edit_without_changes_writes_nothing(personas, owned_model):
    changed = services.model_service_update_metadata(
        actor=personas.owner,
        model_service=owned_model,
        changes={"purpose": owned_model.purpose},
    )
    assert changed == []
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
def test_team_change_is_audited_by_slug(personas, owned_model):
    services.model_service_update_metadata(
        actor=personas.admin, model_service=owned_model, changes={"owner_team": personas.other_team}
    )
    event = AuditEvent.objects.get(action="catalog.model_updated")
    assert event.before == {"owner_team": "credit-risk"}
    assert event.after == {"owner_team": "fraud"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["other_owner", "outsider", "reviewer", "compliance", "auditor", "viewer"]
)
def test_only_owning_team_model_owners_may_edit(personas, owned_model, persona):
    with pytest.raises(PermissionDenied):
        services.model_service_update_metadata(
            actor=getattr(personas, persona),
            model_service=owned_model,
            changes={"purpose": "hijacked"},
        )
    owned_model.refresh_from_db()
    assert owned_model.purpose != "hijacked"
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
def test_teammate_and_admin_may_edit(personas, owned_model):
    services.model_service_update_metadata(
        actor=personas.teammate, model_service=owned_model, changes={"results": "AUC 0.8"}
    )
    services.model_service_update_metadata(
        actor=personas.admin, model_service=owned_model, changes={"results": "AUC 0.81"}
    )
    assert AuditEvent.objects.filter(action="catalog.model_updated").count() == 2


@pytest.mark.django_db
def test_registry_fields_are_not_editable_as_metadata(personas, owned_model):
    with pytest.raises(ValidationError):
        services.model_service_update_metadata(
            actor=personas.owner, model_service=owned_model, changes={"name": "renamed"}
        )


@pytest.mark.django_db
def test_invalid_lifecycle_leaves_row_and_trail_untouched(personas, owned_model):
    with pytest.raises(ValidationError):
        services.model_service_update_metadata(
            actor=personas.owner, model_service=owned_model, changes={"lifecycle_status": "bogus"}
        )
    owned_model.refresh_from_db()
    assert owned_model.lifecycle_status == ModelService.Lifecycle.DEVELOPMENT
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
def test_register_model_and_version_record_events_on_the_models_timeline(personas):
    model = services.model_service_register(
        actor=personas.admin, name="fraud-net", owner_team=personas.other_team
    )
    version = services.model_version_register(
        actor=None, model_service=model, version="10", source_uri="s3://bucket/fraud-net/10"
    )
    assert version.version_number == 10
    actions = list(AuditEvent.objects.filter(subject_id=model.pk).values_list("action", flat=True))
    assert sorted(actions) == [
        "catalog.access_granted",
        "catalog.model_registered",
        "catalog.version_registered",
    ]


@pytest.mark.django_db
def test_duplicate_model_name_is_refused(personas, owned_model):
    with pytest.raises(ValidationError):
        services.model_service_register(actor=None, name=owned_model.name)
