"""``GET /api/v1/gate/``: the deploy gate's fast path, a plain Django view.

CI asks the gate before every deployment, so this is the API's hottest endpoint. The view
answers a bearer-token GET itself, with exactly the contract of the DRF ``GateApi`` (same query
parameters, status codes, JSON bodies, headers, error shape of ``common.api.errors``, rate
limits and audit event):

- one SQL statement reads the token, its user's roles, the visible model, the version, the
  approval and the fingerprint inputs (``approvals.selectors.gate_lookup``);
- the per-token API limit and the gate limit are counted in one Redis round trip
  (``common.ratelimit.hit_many``);
- the fingerprint is recomputed from that statement's rows on every call, so a change that no
  job has noticed yet still denies (``approvals.gate.evaluate``);
- the answer is audited by ``approvals.gate.gate_answer``, as before.

Everything else (sessions and anonymous callers, OIDC ID tokens of CI workload identity,
methods other than GET and HEAD, a database other than PostgreSQL) is handed to the DRF
``GateApi`` before anything is read or counted, so those answers stay DRF's own. The OpenAPI
schema still comes from ``GateApi`` (``cls`` below).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from accounts import tokens, workload_identity
from accounts.authentication import _LAST_USED_RESOLUTION, MALFORMED
from accounts.models import ApiToken
from accounts.permissions import missing_scope_message
from approvals import gate, selectors
from approvals.api.views import GateApi
from common import ratelimit

_drf_view = GateApi.as_view()
# The query parameters and their ``GateQuery`` lengths. Anything that is not plainly valid is
# validated by ``GateQuery`` itself, so refusals keep DRF's words.
_PARAMS = (("model", 300), ("version", 64), ("environment", 40))
_HEADERS = {"Allow": "GET, HEAD, OPTIONS"}  # what DRF's APIView sends on every answer
_WWW_AUTHENTICATE = 'Bearer realm="attest"'


def _json(body: dict, status: int, headers: dict | None = None) -> HttpResponse:
    # The bytes DRF's JSONRenderer writes (compact, UTF-8).
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers={**_HEADERS, **(headers or {})},
    )


def _error(exc: exceptions.APIException, headers: dict | None = None) -> HttpResponse:
    """``common.api.errors``' shape for a DRF exception: ``{"detail": ..., "errors": {}}``."""
    extra = dict(headers or {})
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["Retry-After"] = str(int(exc.wait))
    return _json({"detail": str(exc.detail), "errors": {}}, exc.status_code, extra)


def _throttled(wait: int, detail: str) -> HttpResponse:
    return _error(exceptions.Throttled(wait=wait, detail=detail))


def _unauthenticated(detail: str) -> HttpResponse:
    return _error(exceptions.AuthenticationFailed(detail), {"WWW-Authenticate": _WWW_AUTHENTICATE})


def _query(request) -> dict[str, str] | None:
    """The stripped parameters when each is plainly valid, else ``None``."""
    found = {}
    for name, max_length in _PARAMS:
        value = request.GET.get(name)
        if value is None:
            return None
        value = value.strip()
        if not value or len(value) > max_length or not value.isprintable():
            return None
        found[name] = value
    return found


def _invalid(request) -> dict | HttpResponse:
    """``GateQuery``'s validated values for parameters ``_query`` did not take, or DRF's own
    400 naming what is wrong (``common.api.errors``' shape)."""
    from django.utils.translation import gettext

    from approvals.api.serializers import GateQuery

    query = GateQuery(data=request.GET)
    if query.is_valid():
        return query.validated_data
    return _json(
        {"detail": gettext("The request is invalid; see errors."), "errors": query.errors}, 400
    )


def _negotiable(request) -> bool:
    """The answer DRF would render: JSON accepted, no ``?format=`` (DRF's 404/406 else)."""
    if "format" in request.GET:
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    return not accept or any(
        media in accept for media in ("*/*", "application/json", "application/*")
    )


def _bearer(request) -> str | None:
    """The presented token string; ``""`` for a malformed bearer header; ``None`` when the
    request is not a bearer-token request (DRF's view answers it)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header or not isinstance(header, str):
        return None
    try:
        header.encode("latin-1")
    except UnicodeEncodeError:
        return ""
    parts = header.split()
    if not parts:
        return ""
    if parts[0].lower() != "bearer":
        return None
    if len(parts) != 2 or not parts[1].isascii() or not parts[1].isprintable():
        return ""
    return parts[1]


@csrf_exempt  # as DRF's views are: a token request carries no cookie to forge
def gate_view(request):
    if request.method not in ("GET", "HEAD") or not _negotiable(request):
        return _drf_view(request)
    raw = _bearer(request)
    if raw is None:
        return _drf_view(request)
    if raw == "":
        return _unauthenticated(MALFORMED)
    query = _query(request)
    params = query or {name: request.GET.get(name, "")[:max_length] for name, max_length in _PARAMS}
    parsed = tokens.parse(raw)
    if parsed is None and workload_identity.looks_like_jwt(raw):
        return _drf_view(request)  # an OIDC ID token (CI workload identity): DRF's path
    lookup = None
    if parsed is not None:
        lookup = selectors.gate_lookup(
            key_id=parsed[0],
            name=params["model"],
            version=params["version"],
            environment=params["environment"],
        )
        if lookup is None:  # not PostgreSQL: the general path
            return _drf_view(request)
    token = lookup.token if lookup is not None else None
    now = timezone.now()
    if (
        token is None
        or not tokens.secrets_match(parsed[1], token.secret_hash, settings.ATTEST_TOKEN_PEPPER)
        or token.revoked_at is not None
        or token.expires_at <= now
        or not token.user.is_active
    ):
        wait = ratelimit.hit(
            "token-failure", ratelimit.client_address(request), settings.ATTEST_RATE_TOKEN_FAILURES
        )
        if wait:
            return _throttled(wait, "Too many invalid tokens; retry later.")
        return _unauthenticated("Invalid, expired or revoked token.")
    has_scope = ApiToken.Scope.GATE_READ in token.scopes
    limits = [("api", token.key_id, settings.ATTEST_RATE_API)]
    if has_scope:
        limits.append(("gate", token.key_id, settings.ATTEST_RATE_GATE))
    waits = ratelimit.hit_many(limits)
    if waits[0]:
        return _throttled(waits[0], "Request rate limit for this token reached.")
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    request.user = user  # as DRF's authentication leaves it for the middleware
    if not has_scope:
        return _error(exceptions.PermissionDenied(missing_scope_message(ApiToken.Scope.GATE_READ)))
    if waits[1]:
        return _throttled(waits[1], "Gate rate limit reached; retry later.")
    if query is None:
        checked = _invalid(request)
        if isinstance(checked, HttpResponse):
            return checked
        query, lookup = checked, None  # valid after all: read it on the general path
    answer = gate.gate_answer(
        actor=user,
        model_name=query["model"],
        version=query["version"],
        environment=query["environment"],
        lookup=lookup,
    )
    return _json(answer.as_json(), 200 if answer.allowed else 409)


# drf-spectacular documents ``GateApi`` for this route (the schema is unchanged).
gate_view.cls = GateApi
gate_view.initkwargs = {}


def gate_keys_view(request):
    """``GET /.well-known/attest-gate-keys.json``: the JWK Set (RFC 7517 section 5) that
    verifies the gate's signed decisions. Public keys only, no authentication: a deployer or an
    admission controller fetches it without an Attest account."""
    from django.http import JsonResponse

    from approvals import decisions

    if request.method not in ("GET", "HEAD"):
        return _json({"detail": "Method not allowed.", "errors": {}}, 405, {"Allow": "GET, HEAD"})
    response = JsonResponse(decisions.jwks())
    # Verifiers may cache it; a rotation publishes the new key beside the retired ones.
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
