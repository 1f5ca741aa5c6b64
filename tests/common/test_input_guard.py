"""Hostile input answers 4xx, never 500 (red-team finding 5): NUL and lone surrogates anywhere,
deep or huge JSON, loose number and date filters, malformed Authorization headers, webhook
payloads behind a valid signature, and the API's own JSON shape for 404/405/500."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import ApiToken
from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.models import WebhookDelivery
from catalog.registries import mlflow
from common import input_guard
from common.errors import ValidationError
from tests.common.input_helpers import refused as _refused
from tests.factories import ModelVersionFactory

EVERY_SCOPE = list(ApiToken.Scope.values)
DEEP = "[" * 50_000 + "]" * 50_000


# --- The pure guard -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a\x00b", "NUL"),
        ("\ud800", "U+D800"),
        ("x\udfff", "U+DFFF"),
        ("\udc80", "U+DC80"),  # what surrogateescape makes of an undecodable byte
    ],
)
def test_nul_and_lone_surrogates_are_bad_text(text, needle):
    assert needle in input_guard.text_problem(text)


@pytest.mark.parametrize("text", ["", "plain", "\ufffd", "😀", "e\u0301", "²", "\t\n"])
def test_ordinary_text_passes(text):
    assert input_guard.text_problem(text) is None


@pytest.mark.parametrize(
    ("raw", "status", "needle", "where"),
    [
        (b'{"a": "x\\u0000y"}', 400, "NUL", "a"),
        (b'{"a": ["ok", {"b": "\\ud800"}]}', 400, "lone surrogate", "a[1].b"),
        (b'{"\\u0000": 1}', 400, "NUL", "body"),
        (b'{"a": "\x00"}', 400, "NUL byte", "body"),
        (DEEP.encode(), 400, "deeper than 64", "body"),
        (b"[" * 65 + b"]" * 65, 400, "deeper than 64", "body"),
        (b'{"v": NaN}', 400, "NaN is not a JSON number", "v"),
        (b'{"v": [1, -Infinity]}', 400, "-Infinity is not a JSON number", "v[1]"),
        (b'{"v": 1e400}', 400, "at most 1e+300", "v"),
        (b'{"v": -1e301}', 400, "at most 1e+300", "v"),
        (b'{"v": ' + b"9" * 5000 + b"}", 400, "5000 digits", "v"),
        (b"-" + b"1" * 21, 400, "21 digits", "body"),
        (b"\xed\xa0\x80", 400, "not UTF-8", "body"),
        (b"{nope", 400, "not valid JSON", "body"),
    ],
)
def test_json_the_guard_refuses(raw, status, needle, where):
    with pytest.raises(input_guard.InputRefused) as info:
        input_guard.json_loads(raw)
    assert info.value.status_code == status
    assert needle in info.value.detail
    assert where in info.value.errors


def test_json_within_the_bounds_parses():
    raw = json.dumps(
        {"deep": json.loads("[" * 63 + "]" * 63), "n": -(10**19), "f": 1e300, "s": "😀 ²"}
    )
    parsed = input_guard.json_loads(raw.encode())
    assert parsed["n"] == -(10**19) and parsed["f"] == 1e300 and parsed["s"] == "😀 ²"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("42", 42), ("00017", 17)],
)
def test_query_int_reads_ascii_digits(value, expected):
    assert input_guard.query_int({"before": value}, "before") == expected
    assert input_guard.query_int({}, "before") is None


@pytest.mark.parametrize("value", ["", "²", "٣", "-1", "1.0", " 1", "1e3", "9" * 30, "abc"])
def test_query_int_refuses_everything_else_naming_the_parameter(value):
    with pytest.raises(ValidationError) as info:
        input_guard.query_int({"before": value}, "before")
    assert "before" in info.value.message_dict


@pytest.mark.parametrize("value", ["", "²０２６-01-01", "2026-W01-1", "20260101", "2026-02-30"])
def test_iso_date_refuses_loose_dates(value):
    assert input_guard.iso_date(value) is None
    assert input_guard.iso_date("2026-02-28") == date(2026, 2, 28)


# --- Through the middleware -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("/api/v1/models/?search=%00", "search"),
        ("/api/v1/models/?team=credit%00risk", "team"),
        ("/api/v1/models/?x%00=1", "'x\\x00'"),
        ("/api/v1/audit-events/?action=a%00", "action"),
        ("/api/v1/gate/?model=a&version=1%00&environment=staging", "version"),
    ],
)
def test_nul_in_a_query_parameter_is_a_400_naming_it(api, url, where):
    body = _refused(api.get(url), where=where)
    assert "NUL" in body["detail"]


@pytest.mark.django_db
def test_undecodable_percent_escapes_arrive_as_replacement_characters_not_500(api):
    # %ED%A0%80 is the UTF-8 of a surrogate: Django decodes it to U+FFFD, which is plain text.
    response = api.get("/api/v1/models/?search=%ED%A0%80")
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.django_db
def test_nul_in_a_path_parameter_is_a_400(api, owned_model):
    response = api.get(f"/api/v1/models/{owned_model.pk}/versions/1%00/model-card")
    _refused(response, where="path")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["HTTP_X_REQUEST_ID", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE", "HTTP_X_MLFLOW_DELIVERY_ID"],
)
def test_nul_or_a_surrogate_in_any_header_value_is_a_400(api, header):
    for value in ("a\x00b", "a\udc80b"):
        _refused(api.get("/api/v1/models/", **{header: value}))


@pytest.mark.django_db
def test_a_page_answers_a_400_page_for_nul_in_the_query(client_for, personas):
    response = client_for(personas.owner).get("/models/?q=%00")
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert b"NUL" in response.content


@pytest.mark.django_db
def test_a_form_field_with_nul_is_a_400_page(client_for, personas):
    response = client_for(personas.owner).post("/accounts/tokens/new/", {"name": "ci\x00"})
    assert response.status_code == 400
    assert b"NUL" in response.content


@pytest.mark.django_db
def test_a_form_field_with_nul_in_the_api_is_a_400_in_the_json_shape(api, owned_model):
    from risk.models import Obligation

    obligation = Obligation.objects.filter(model_service=owned_model).first()
    obligation_id = obligation.pk if obligation else uuid.uuid4()
    response = api.post(
        f"/api/v1/obligations/{obligation_id}/evidence/",
        {"link": "https://example.com/\x00", "description": "d"},
    )
    _refused(response, where="link")


# --- JSON bodies through the API parser -----------------------------------------------------
def _put_answers(api, model, raw: bytes):
    return api.generic(
        "PUT", f"/api/v1/models/{model.pk}/risk-assessment/", raw, "application/json"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"answers": {"role": "provider\\u0000"}}', "answers.role"),
        (b'{"answers": {"role": "\\udead"}}', "answers.role"),
        (b'{"answers": {"\\u0000": "x"}}', "answers"),
        (DEEP.encode(), "body"),
        (b'{"answers": {"n": 1e400}}', "answers.n"),
        (b'{"answers": {"n": ' + b"7" * 5000 + b"}}", "answers.n"),
        (b'{"answers": {}, "submit": NaN}', "submit"),
    ],
)
def test_json_bodies_the_guard_refuses_are_400(api, owned_model, raw, where):
    before = AuditEvent.objects.count()
    _refused(_put_answers(api, owned_model, raw), where=where)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_deployment_request_metrics_beyond_float_range_are_400(api, owned_model):
    version = ModelVersionFactory(model_service=owned_model, version="1")
    body = json.dumps(
        {
            "model": owned_model.name,
            "version": version.version,
            "environment": "staging",
            "justification": "j",
            "metrics": {"auc": 1.5},
        }
    ).replace("1.5", "1e400")
    _refused(api.post("/api/v1/deployment-requests/", body, "application/json"))


@pytest.mark.django_db
def test_a_json_body_over_the_limit_is_413(api, owned_model, settings):
    settings.ATTEST_JSON_MAX_BYTES = 1000
    raw = json.dumps({"answers": {"role": "x" * 2000}}).encode()
    _refused(_put_answers(api, owned_model, raw), status=413, where="body")


@pytest.mark.django_db
def test_monitoring_bodies_go_through_the_guard_too(api):
    for raw in (DEEP, '{"items": [{"metric": "a\\u0000"}]}'):
        _refused(api.post("/api/v1/metrics/", raw, "application/json"))


# --- Filters ---------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("before", ["²", "٣", "-1", "9" * 40])
def test_audit_page_before_must_be_ascii_digits(client_for, personas, before):
    response = client_for(personas.auditor).get("/audit/", {"before": before})
    assert response.status_code == 400
    assert b"before" in response.content


@pytest.mark.django_db
def test_audit_page_before_in_digits_still_pages(client_for, personas):
    assert client_for(personas.auditor).get("/audit/", {"before": "10"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["²", "2026-02-30", "2026-W01-1"])
def test_audit_export_since_must_be_a_sequence_number_or_a_date(client_for, personas, since):
    response = client_for(personas.auditor).get("/audit/export.jsonl", {"since": since})
    assert response.status_code == 400
    assert b"since" in response.content


@pytest.mark.django_db
def test_audit_api_subject_must_be_a_uuid(api_token, personas):
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=EVERY_SCOPE, user=personas.auditor)}"
    )
    _refused(client.get("/api/v1/audit-events/", {"subject": "²"}), where="subject")
    assert client.get("/api/v1/audit-events/", {"subject": str(uuid.uuid4())}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("position", ["abc", "²", "1e400", "9" * 40, "-5"])
def test_audit_api_forged_cursors_are_404_not_500(api_token, personas, position):
    import base64

    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=EVERY_SCOPE, user=personas.auditor)}"
    )
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    _refused(client.get("/api/v1/audit-events/", {"cursor": cursor}), status=404)


# --- Authorization ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "\xa0",
        "Bearer",
        "Bearer a b",
        "Bearer \x7f",
        "Bearer attest_€€€€€€€€€€€€_secret",  # beyond Latin-1: only a test client can send it
        "bearer attest_\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9_x",
    ],
)
def test_malformed_authorization_headers_are_401(owned_model, header):
    response = Client().get("/api/v1/models/", HTTP_AUTHORIZATION=header)
    body = _refused(response, status=401)
    assert "Malformed Authorization header" in body["detail"]


# --- The API's JSON shape for 404/405/500 ---------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/api/v1/models/not-a-uuid/", "/api/v1/nothing-here/", "/api/", "/api/v2/models/"],
)
def test_unmatched_api_addresses_answer_the_json_404(api, url):
    response = api.get(url)
    assert response["Content-Type"] == "application/json"
    _refused(response, status=404)


@pytest.mark.django_db
def test_pages_keep_the_html_404(client_for, personas):
    response = client_for(personas.owner).get("/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


@pytest.mark.django_db
def test_a_method_the_api_does_not_offer_is_a_json_405(api):
    _refused(api.delete("/api/v1/models/"), status=405)


@pytest.mark.django_db
def test_an_unexpected_error_under_api_is_a_json_500(api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("catalog.selectors.model_service_list", broken)
    api.raise_request_exception = False
    response = api.get("/api/v1/models/")
    body = _refused(response, status=500)
    assert "boom" not in body["detail"] and response["X-Request-ID"]


# --- Webhooks behind a valid signature ------------------------------------------------------
SECRET = "whsec-input-guard"


@pytest.fixture
def source(db):
    with transaction.atomic():
        return catalog_services.registry_source_create(
            actor=None, kind="mlflow", slug="mlflow", base_url="http://127.0.0.1:9", secret=SECRET
        )


def _deliver(body: bytes):
    delivery_id, timestamp = str(uuid.uuid4()), str(int(time.time()))
    return Client().generic(
        "POST",
        "/webhooks/mlflow/",
        body,
        content_type="application/json",
        HTTP_X_MLFLOW_DELIVERY_ID=delivery_id,
        HTTP_X_MLFLOW_TIMESTAMP=timestamp,
        HTTP_X_MLFLOW_SIGNATURE=mlflow.sign(SECRET, delivery_id, timestamp, body),
    )


def _event(data: str) -> bytes:
    return ('{"entity": "registered_model", "action": "created", "data": ' + data + "}").encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        _event('{"name": "m\\u0000"}'),
        _event('{"name": "m", "description": "\\ud800"}'),
        _event('{"name": "m", "tags": [{"key": "\\u0000"}]}'),
        _event('{"name": "m"}').replace(b"}", b', "x": "\x00"}', 1),
        _event('{"name": "m", "x": NaN}'),
        _event('{"name": "m", "x": 1e400}'),
        _event('{"name": "m", "x": ' + "1" * 5000 + "}"),
        _event('{"name": "m", "x": ' + DEEP + "}"),
    ],
)
def test_signed_webhook_payloads_with_hostile_values_are_400_and_not_stored(source, body):
    response = _deliver(body)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_signed_ordinary_payload_is_still_received(source, monkeypatch):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    response = _deliver(_event('{"name": "credit-scoring", "description": "²😀"}'))
    assert response.status_code == 200
    assert WebhookDelivery.objects.count() == 1
