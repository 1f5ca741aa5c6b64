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


def _list_statements(client, params) -> tuple[dict, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_list_queries_are_constant_in_page_size_and_count_shares_the_page(api_token, personas):
    """A team-scoped reader: the page and its total are one statement, whatever the page size
    (1 or 50 rows), and no per-row query follows (team, version count and latest version are
    part of it)."""
    for i in range(50):
        model = ModelServiceFactory(name=f"m-{i:02}", owner_team=personas.team)
        ModelVersionFactory(model_service=model, version="1", version_number=1)
    ModelServiceFactory(name="foreign", owner_team=personas.other_team)
    client = bearer(api_token())
    client.get(LIST)  # the token's last use is recorded once a minute
    one, one_sql = _list_statements(client, {"page_size": 1})
    fifty, fifty_sql = _list_statements(client, {"page_size": 50})
    assert (one["count"], len(one["results"])) == (50, 1)
    assert (fifty["count"], len(fifty["results"])) == (50, 50)
    assert len(one_sql) == len(fifty_sql), (one_sql, fifty_sql)
    listing = [sql for sql in fifty_sql if "catalog_modelservice" in sql]
    assert len(listing) == 1 and "COUNT(*) OVER ()" in listing[0]
    # visibility by the permission's id: neither auth_permission nor auth_group is joined
    assert "auth_permission" not in listing[0] and "auth_group" not in listing[0]
    # only the listed columns: the model card's long texts are not read
    assert "intended_use" not in listing[0] and "training_data" not in listing[0]
    assert fifty["results"][0]["owner_team"] == {
        "id": str(personas.team.pk),
        "slug": "credit-risk",
        "name": "Credit Risk",
    }
    assert fifty["results"][0]["version_count"] == 1
    assert fifty["results"][0]["latest_version"] == "1"


@pytest.mark.django_db
def test_list_pages_count_and_past_the_end(api_token, personas):
    for i in range(3):
        ModelServiceFactory(name=f"p-{i}", owner_team=personas.team)
    client = bearer(api_token())
    second = client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert second["count"] == 3 and [m["name"] for m in second["results"]] == ["p-2"]
    assert second["previous"] and second["next"] is None
    first = client.get(LIST, {"page_size": 2}).json()
    assert first["next"] and [m["name"] for m in first["results"]] == ["p-0", "p-1"]
    past = client.get(LIST, {"page_size": 2, "page": 3})
    assert past.status_code == 404 and past.json() == {"detail": "Invalid page.", "errors": {}}
    nothing = client.get(LIST, {"search": "no-such-model"}).json()
    assert nothing == {"count": 0, "next": None, "previous": None, "results": []}
