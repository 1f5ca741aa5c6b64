import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import ModelServiceFactory, ModelVersionFactory


@pytest.mark.django_db
def test_pages_require_sign_in(client_for, owned_model):
    client = client_for(None)
    for url in (
        reverse("catalog:model-list"),
        reverse("catalog:model-detail", args=[owned_model.pk]),
        reverse("catalog:model-edit", args=[owned_model.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


VISIBLE = ["owner", "teammate", "reviewer", "compliance", "auditor", "admin"]
HIDDEN = ["other_owner", "other_reviewer", "viewer", "outsider"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", VISIBLE)
def test_personas_in_scope_see_the_model(personas, client_for, owned_model, persona):
    client = client_for(getattr(personas, persona))
    assert owned_model.name in client.get(reverse("catalog:model-list")).content.decode()
    response = client.get(reverse("catalog:model-detail", args=[owned_model.pk]))
    assert response.status_code == 200
    assert owned_model.name in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", HIDDEN)
def test_personas_out_of_scope_get_404_and_an_empty_list(
    personas, client_for, owned_model, persona
):
    client = client_for(getattr(personas, persona))
    assert owned_model.name not in client.get(reverse("catalog:model-list")).content.decode()
    for name in ("catalog:model-detail", "catalog:model-edit"):
        assert client.get(reverse(name, args=[owned_model.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("teammate", 200),
        ("admin", 200),
        ("reviewer", 403),
        ("compliance", 403),
        ("auditor", 403),
        ("other_owner", 404),
        ("viewer", 404),
        ("outsider", 404),
    ],
)
def test_edit_page_permission_matrix(personas, client_for, owned_model, persona, status):
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("catalog:model-edit", args=[owned_model.pk])).status_code == status
    post = client.post(
        reverse("catalog:model-edit", args=[owned_model.pk]),
        {"purpose": "changed", "lifecycle_status": "development", "owner_team": personas.team.pk},
    )
    assert post.status_code == (302 if status == 200 else status)


@pytest.mark.django_db
def test_unknown_model_is_404(personas, client_for):
    client = client_for(personas.compliance)
    url = reverse("catalog:model-detail", args=["00000000-0000-0000-0000-000000000000"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


def _form_data(model, **overrides):
    data = {
        field: getattr(model, field)
        for field in (
            "description",
            "purpose",
            "intended_use",
            "intended_users",
            "out_of_scope_use",
            "stakeholders",
            "lifecycle_status",
            "training_data",
            "input_features",
            "parameters",
            "results",
            "limitations",
            "reproduction",
        )
    }
    data["owner_team"] = model.owner_team_id
    data["tags"] = ", ".join(model.tags)
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_edit_through_page_writes_one_event_shown_on_timeline(personas, client_for, owned_model):
    client = client_for(personas.owner)
    url = reverse("catalog:model-edit", args=[owned_model.pk])
    response = client.post(
        url, _form_data(owned_model, limitations="Not for minors.", tags="credit, Retail, credit")
    )
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="catalog.model_updated")
    assert events.count() == 1
    event = events.get()
    assert event.source == "web"
    assert event.request_id
    assert event.before == {"limitations": "", "tags": []}
    assert event.after == {"limitations": "Not for minors.", "tags": ["credit", "retail"]}
    detail = client.get(reverse("catalog:model-detail", args=[owned_model.pk])).content.decode()
    assert "catalog.model_updated" in detail
    assert "Not for minors." in detail


@pytest.mark.django_db
def test_invalid_edit_answers_400_and_changes_nothing(personas, client_for, owned_model):
    client = client_for(personas.owner)
    url = reverse("catalog:model-edit", args=[owned_model.pk])
    response = client.post(url, _form_data(owned_model, purpose="new", lifecycle_status="bogus"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    owned_model.refresh_from_db()
    assert owned_model.purpose != "new"
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
def test_edit_without_changes_says_so(personas, client_for, owned_model):
    client = client_for(personas.owner)
    response = client.post(
        reverse("catalog:model-edit", args=[owned_model.pk]), _form_data(owned_model), follow=True
    )
    assert "No changes to save." in response.content.decode()
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
def test_edit_requires_csrf_token(personas, owned_model):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.owner)
    response = client.post(
        reverse("catalog:model-edit", args=[owned_model.pk]),
        _form_data(owned_model, purpose="csrf"),
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_list_search_filter_and_empty_state(personas, client_for):
    ModelServiceFactory(name="fraud-detector", owner_team=personas.other_team)
    ModelServiceFactory(name="churn-model", owner_team=personas.team)
    client = client_for(personas.compliance)
    page = client.get(reverse("catalog:model-list"), {"q": "fraud"}).content.decode()
    assert "fraud-detector" in page and "churn-model" not in page
    page = client.get(reverse("catalog:model-list"), {"team": "credit-risk"}).content.decode()
    assert "churn-model" in page and "fraud-detector" not in page
    page = client.get(reverse("catalog:model-list"), {"q": "zzz-nothing"}).content.decode()
    assert "No models found" in page


@pytest.mark.django_db
def test_list_paginates(personas, client_for):
    ModelServiceFactory.create_batch(12, owner_team=personas.team)
    client = client_for(personas.compliance)
    page = client.get(reverse("catalog:model-list"), {"per_page": 10, "page": 2})
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 2
    assert "Page 2 of 2" in page.content.decode()


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_page_size(personas, client_for):
    for model in ModelServiceFactory.create_batch(60, owner_team=personas.team):
        ModelVersionFactory.create_batch(2, model_service=model)
    client = client_for(personas.compliance)
    counts = {}
    for size in (10, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("catalog:model-list"), {"per_page": size})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(size, 60)
        counts[size] = len(ctx.captured_queries)
    assert counts[10] == counts[50] == counts[100], counts
