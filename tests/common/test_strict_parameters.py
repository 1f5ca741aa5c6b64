"""Strict parameters and fields behind the API schema (red-team finding 5, continued from
test_input_guard.py): list and model-card parameters, report bodies, evidence fields, and the
HTTP URL field against the schema's own pattern."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from common.api.fields import HTTP_URL_PATTERN
from tests.common.input_helpers import refused as _refused
from tests.factories import ModelVersionFactory


# --- Strict parameters and fields behind the schema -----------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"page_size": "null"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"page": ""}, "page"),
        ({"page": "last"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page": "²"}, "page"),
        ({"page": "1e400"}, "page"),
        ({"page": "-1"}, "page"),
        ({"lifecycle": ""}, "lifecycle"),
        ({"risk_tier": ""}, "risk_tier"),
    ],
)
def test_catalog_list_parameters_are_parsed_strictly(api, query, where):
    _refused(api.get("/api/v1/models/", query), where=where)


@pytest.mark.django_db
def test_a_page_past_the_end_is_still_a_404(api):
    _refused(api.get("/api/v1/models/", {"page": "99"}), status=404)
    assert api.get("/api/v1/models/", {"page": "1", "page_size": "200"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "where"),
    [({"format": ""}, "format"), ({"format": "PDF "}, "format"), ({"download": "-1"}, "download")],
)
def test_model_card_parameters_are_parsed_strictly(api, owned_model, query, where):
    ModelVersionFactory(model_service=owned_model, version="1")
    url = f"/api/v1/models/{owned_model.pk}/versions/1/model-card"
    _refused(api.get(url, query), where=where)
    assert api.get(url, {"format": "json", "download": "true"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"since": 0}, "since"),
        ({"since": {}}, "since"),
        ({"team": 0}, "team"),
        ({"since": "2026-W01-1"}, "since"),
        ({"since": "20260101"}, "since"),
        (None, "non_field_errors"),
    ],
)
def test_portfolio_report_body_types_are_checked(api, body, where):
    response = api.post("/api/v1/reports/portfolio", json.dumps(body), "application/json")
    _refused(response, where=where)


@pytest.mark.django_db
def test_evidence_needs_exactly_one_of_a_file_or_a_link(api, personas, owned_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from risk import services as risk_services
    from risk.models import Obligation
    from tests.common.test_schemathesis import ANSWERS

    risk_services.assessment_submit(
        actor=personas.compliance, model_service=owned_model, answers=ANSWERS
    )
    obligation = Obligation.objects.filter(model_service=owned_model).first()
    url = f"/api/v1/obligations/{obligation.pk}/evidence/"
    empty = SimpleUploadedFile("report.csv", b"", content_type="text/csv")
    _refused(api.post(url, {"file": empty}), where="file")
    _refused(api.post(url, {"file": "", "link": "https://wiki.example.com/x"}), where="file")
    _refused(api.post(url, {"link": ""}))  # a blank form field is no link: "give either"
    _refused(api.post(url, {"link": "ftp://example.com/x"}), where="link")


@pytest.mark.parametrize(
    "url",
    [
        "https://ci.example.com/runs/42?attempt=2#log",
        "http://localhost:8080/x",
        "http://10.0.0.1/a%20b",
        "https://a.b.c.d.e.example.com/",
    ],
)
def test_http_url_field_takes_ordinary_links(url):
    from common.api.fields import HttpUrlField

    assert HttpUrlField().run_validation(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "http://ci/job/1",  # Django's URL validator wants a domain
        "http:///x",
        "https://example.com/a b",
        " https://example.com/",
        "https://example.com/\n",
        "https://user:pw@example.com/",
        "https://" + "a" * 40 + ".com/",
        "javascript:alert(1)",
    ],
)
def test_http_url_field_refuses_what_the_schema_pattern_refuses(url):
    from rest_framework.exceptions import ValidationError as DrfValidationError

    from common.api.fields import HttpUrlField

    with pytest.raises(DrfValidationError):
        HttpUrlField().run_validation(url)


@given(st.from_regex(HTTP_URL_PATTERN, fullmatch=True))
@hyp_settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_every_url_the_schema_pattern_admits_django_accepts_too(url):
    # The services still run Django's URLValidator: what the schema promises must pass it.
    from django.core.validators import URLValidator

    URLValidator(schemes=["http", "https"])(url)
