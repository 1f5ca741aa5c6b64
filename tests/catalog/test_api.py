import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import ModelServiceFactory, ModelVersionFactory

LIST = "/api/v1/models/"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIST, "/api/v1/models/{id}/", "/api/v1/models/{id}/versions/"])
def test_api_answers_401_without_credentials(owned_model, path):
    response = APIClient().get(path.format(id=owned_model.pk))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


@pytest.mark.django_db
def test_signed_in_session_reads_catalog(personas, owned_model):
    client = APIClient()
    client.force_login(personas.compliance)
    body = client.get(LIST).json()
    assert body["count"] == 1
    assert body["results"][0]["name"] == "credit-scoring"
    assert body["results"][0]["owner_team"]["slug"] == "credit-risk"


@pytest.mark.django_db
def test_token_reads_list_detail_and_versions(api_token, owned_model):
    ModelVersionFactory(model_service=owned_model, version="1", version_number=1)
    ModelVersionFactory(
        model_service=owned_model, version="2", version_number=2, aliases=["champion"]
    )
    client = bearer(api_token())
    detail = client.get(f"/api/v1/models/{owned_model.pk}/")
    assert detail.status_code == 200
    assert detail.json()["purpose"] == owned_model.purpose
    versions = client.get(f"/api/v1/models/{owned_model.pk}/versions/").json()["results"]
    assert [v["version"] for v in versions] == ["2", "1"]
    assert versions[0]["aliases"] == ["champion"]
    assert client.get(LIST).json()["results"][0]["latest_version"] == "2"


@pytest.mark.django_db
def test_list_filters(api_token, personas):
    ModelServiceFactory(name="a-model", owner_team=personas.team, risk_tier="high")
    ModelServiceFactory(
        name="b-model", owner_team=personas.other_team, purpose="fraud ring detection"
    )
    client = bearer(api_token(user=personas.compliance))
    assert [m["name"] for m in client.get(LIST, {"risk_tier": "high"}).json()["results"]] == [
        "a-model"
    ]
    assert [m["name"] for m in client.get(LIST, {"team": "fraud"}).json()["results"]] == ["b-model"]
    assert [m["name"] for m in client.get(LIST, {"search": "ring"}).json()["results"]] == [
        "b-model"
    ]


@pytest.mark.django_db
def test_bad_filter_value_is_a_clear_400(api_token):
    response = bearer(api_token()).get(LIST, {"risk_tier": "extreme"})
    assert response.status_code == 400
    assert "risk_tier" in response.json()["errors"]


@pytest.mark.django_db
def test_unknown_model_is_404(api_token):
    response = bearer(api_token()).get("/api/v1/models/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_token_without_catalog_scope_is_403(api_token, owned_model):
    response = bearer(api_token(scopes=[ApiToken.Scope.GATE_READ])).get(LIST)
    assert response.status_code == 403


@pytest.mark.django_db
def test_api_refuses_writes(api_token, owned_model):
    response = bearer(api_token()).post(LIST, {"name": "x"}, format="json")
    assert response.status_code == 405


@pytest.mark.django_db
def test_openapi_schema_validates(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/models/",
        "/api/v1/models/{model_id}/",
        "/api/v1/models/{model_id}/versions/",
    ):
        assert path in text
    assert "bearerAuth" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_signed_in_users_only(client, client_for, personas):
    """Red-team finding 8: the schema and docs were served to anyone."""
    assert client.get(reverse("api-schema")).status_code == 401
    assert client.get(reverse("api-docs")).status_code == 401
    signed_in = client_for(personas.viewer)
    assert signed_in.get(reverse("api-schema")).status_code == 200
    docs = signed_in.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs  # served by us, no CDN


@pytest.mark.django_db
def test_object_permission_requires_view_permission(personas, owned_model):
    from rest_framework.test import APIRequestFactory

    from catalog.api.permissions import CanViewModelService

    request = APIRequestFactory().get("/")
    request.user = personas.other_owner
    assert not CanViewModelService().has_object_permission(request, None, owned_model)
    request.user = personas.owner
    assert CanViewModelService().has_object_permission(request, None, owned_model)
