"""The OpenAPI schema against the API itself: schemathesis over every operation with a token of
every scope, every check (the CLI's ``--checks all``), in process against the WSGI app.

Budget: the examples phase, the coverage phase (schemathesis' deterministic boundary and
malformed-value cases) and 4 fuzzed cases per operation, a fixed seed and derandomized
Hypothesis, so a run is the same every time and fits CI: 23 operations, about 1,100 requests
(most from the coverage phase), under a minute and a half.
The ids the API knows (a model, its version, an obligation, a deployment request, a document)
are offered half the time, so operations get past their 404s.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.models import ApiToken
from approvals import services as approval_services
from common import input_guard
from config.wsgi import application
from documents.models import GeneratedDocument
from risk import services as risk_services
from tests.factories import ModelVersionFactory

EVERY_SCOPE = list(ApiToken.Scope.values)
# Fuzzed cases per operation and the seed; ATTEST_SCHEMATHESIS_EXAMPLES / _SEED explore
# further locally (CI runs the defaults: the same cases every time).
FUZZED_EXAMPLES = int(os.environ.get("ATTEST_SCHEMATHESIS_EXAMPLES", "4"))
SEED = int(os.environ.get("ATTEST_SCHEMATHESIS_SEED", "20261203"))

# Operations where a request of the documented shape may still be refused with a 400 for what
# it means, which OpenAPI 3.0 cannot state (schemathesis' "positive data acceptance" check
# expects any schema-valid request to be accepted). Each refusal names the field and is tested
# where the rule lives. Every other check (server errors, response schemas, status codes,
# content types, negative data, auth, methods) still runs on these operations.
MEANING_CHECKED_BY_SERVICES = {
    # The questionnaire is the rule set in force (risk/rulesets/*.json): which answers are
    # required depends on other answers (show_if), and a draft (submit: false) may be partial.
    # OpenAPI 3.0 has no if/then. tests/risk/test_assessments.py.
    "PUT /api/v1/models/{model_id}/risk-assessment/",
    # A file must have an allowed extension (ATTEST_EVIDENCE_EXTENSIONS), size and matching
    # content; a multipart schema can say "binary" but not which file names or bytes.
    # tests/risk/test_assessments.py, tests/risk/test_risk.py.
    "POST /api/v1/obligations/{obligation_id}/evidence/",
    # Timestamps may not lie in the future (beyond ATTEST_METRICS_FUTURE_TOLERANCE_SECONDS),
    # relative to the server's clock. tests/monitoring/test_metrics_api.py.
    "POST /api/v1/metrics/",
    # `since` may not be in the future; `team` must be the slug of an existing team.
    # tests/documents/test_portfolio_report.py.
    "POST /api/v1/reports/portfolio",
    # `first` may not exceed `second` (a tree cannot be consistent with a larger one).
    # tests/audit/test_proofs.py.
    "GET /api/v1/audit/consistency/",
    # A FOCUS file must have the FOCUS columns and valid rows; a multipart schema can say
    # "binary" but not which bytes. tests/usage/test_cost_import.py.
    "POST /api/v1/costs/imports/",
    # `team` must be the slug of an existing team; `month` from 1970-01 on.
    # tests/usage/test_report.py.
    "GET /api/v1/reports/usage-cost/",
    # Budgets: `month` as for the report; a budget names exactly one of model or team, in a
    # currency code, for a model or team that exists. tests/usage/test_budgets_api.py.
    "GET /api/v1/budgets/",
    "POST /api/v1/budgets/",
    "PATCH /api/v1/budgets/{budget_id}/",
    # Usage points: a day's errors may not exceed its requests, and days not lie in the
    # future. tests/usage/test_usage_points.py.
    "POST /api/v1/metrics/usage/",
}
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

ANSWERS = {
    "role": "provider",
    "annex_iii_use": "5b_credit_scoring",
    "profiles_persons": True,
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "human_in_loop",
    "data_sensitivity": "personal",
}


@pytest.fixture
def _one_connection():
    """Django's test client does the same: the WSGI app must not close the test's connection
    (inside the test transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(personas, owned_model):
    """What the operations act on: a version, an assessment with its obligations, a
    deployment request and a portfolio report requested by the token's user."""
    user = personas.compliance
    version = ModelVersionFactory(model_service=owned_model, version="1")
    risk_services.assessment_submit(actor=user, model_service=owned_model, answers=ANSWERS)
    request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=version,
        environment="staging",
        justification="Validated on the Q3 hold-out set.",
    )
    document = GeneratedDocument.objects.create(
        kind=GeneratedDocument.Kind.PORTFOLIO, requested_by=user, parameters={}
    )
    return {
        "user": user,
        "model": owned_model,
        "version": version,
        "obligations": list(owned_model.obligations.values_list("pk", flat=True)),
        "request": request,
        "document": document,
    }


@pytest.fixture
def api_schema(_one_connection, world, api_token, settings):
    # Schemathesis sends hundreds of requests with one token (and some with none).
    settings.ATTEST_RATE_API = "100000/60"
    settings.ATTEST_RATE_GATE = "100000/60"
    settings.ATTEST_RATE_TOKEN_FAILURES = "100000/60"
    token = api_token(scopes=EVERY_SCOPE, user=world["user"])
    ids = {
        "models": [str(world["model"].pk)],
        "model_names": [world["model"].name],
        "versions": [world["version"].version],
        "obligations": [str(pk) for pk in world["obligations"]] or ["0" * 32],
        "requests": [str(world["request"].pk)],
        "documents": [str(world["document"].pk)],
    }
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            "seed": SEED,
            "generation": {
                "max-examples": FUZZED_EXAMPLES,
                "deterministic": True,
                # The API refuses NUL everywhere on purpose (common/input_guard.py; said in
                # every operation's 400); OpenAPI has no way to say "any string but U+0000"
                # short of a pattern on every string, so generated cases carry none. The
                # refusal itself is tested in tests/common/test_input_guard.py.
                "allow-x00": False,
            },
            "dictionaries": {name: {"values": values} for name, values in ids.items()},
            "parameters": {
                "path.model_id": {"dictionary": "models", "probability": 0.5},
                "path.version": {"dictionary": "versions", "probability": 0.5},
                "path.obligation_id": {"dictionary": "obligations", "probability": 0.5},
                "path.request_id": {"dictionary": "requests", "probability": 0.5},
                "path.document_id": {"dictionary": "documents", "probability": 0.5},
                # The gate, deployment requests and deployments name the model and version.
                "query.model": {"dictionary": "model_names", "probability": 0.5},
                "query.version": {"dictionary": "versions", "probability": 0.5},
                "body.model": {"dictionary": "model_names", "probability": 0.5},
                "body.version": {"dictionary": "versions", "probability": 0.5},
            },
            "phases": {"stateful": {"enabled": False}},
            "operations": [
                {
                    "include-name": name,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*POSITIVE_EXPECTED, "400"]
                        }
                    },
                }
                for name in MEANING_CHECKED_BY_SERVICES
            ],
        }
    )
    loaded = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        application,
        config=config,
        headers={"Authorization": f"Bearer {token}"},
    )
    loaded.hook("filter_body")(_bodies_the_api_can_see)
    return loaded


def _bodies_the_api_can_see(context, body) -> bool:
    """Leave out two kinds of body the schema cannot describe; each refusal is tested in
    tests/common/test_input_guard.py.

    - A number the input guard refuses anywhere in a JSON body (more than 20 digits, beyond
      ±1e300; documented with every operation's 400). Declared number fields say so with
      minimum/maximum, but the values of undeclared extra properties, which the schema allows
      and the API ignores, cannot be bounded in OpenAPI.
    - A multipart file part without a body (an empty file): Django's multipart parser drops
      such a part before the API sees it, so "a file and a link" arrives as "a link".
    """
    if isinstance(body, dict) and body.get("file") in (b"", ""):
        return False
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if len(str(abs(value))) > input_guard.MAX_INT_DIGITS:
                return False
        elif isinstance(value, float) and not abs(value) <= input_guard.MAX_MAGNITUDE:
            return False
    return True


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # schemathesis 4.32 renames the running test through ``Node._nodeid``, which pytest 9.2
    # no longer has (the id is a property over ``Node._id``); give it the attribute to use.
    request.node._nodeid = request.node.nodeid


@pytest.mark.django_db
@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_matches_its_schema(case):
    case.call_and_validate()
