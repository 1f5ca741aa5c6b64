"""One error translation: services raise the typed errors of ``common.errors``; the API's one
exception handler and the pages' one form helper turn them into answers. No view catches a
service error itself."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from approvals.services import GateRefused
from common import errors
from common.api.errors import exception_handler
from common.forms import form_errors, message_errors
from monitoring.payloads import PayloadError
from monitoring.services import ItemsNotFound

ROOT = Path(__file__).resolve().parents[2]

# --- (a) no view catches a service error ---------------------------------------------------
TYPED = (
    errors.ValidationError,
    errors.PermissionDenied,
    errors.RequestRefused,  # Conflict, NotFound and their subclasses (GateRefused, PayloadError)
    Http404,
    ObjectDoesNotExist,
)
# Caught by these names, whatever they resolve to (DRF's ValidationError too).
TYPED_NAMES = {
    "ValidationError",
    "PermissionDenied",
    "Forbidden",
    "Conflict",
    "GateRefused",
    "NotFound",
    "Http404",
    "ObjectDoesNotExist",
    "DoesNotExist",
    "RequestRefused",
}


TRANSLATOR = "common.api.errors"  # the one place that turns errors into API answers


def _is_view_module(path: Path) -> bool:
    return (
        path.name in ("views.py", "webhooks.py")
        or path.name.endswith("_views.py")
        or (path.parent.name == "api" and path.name != "__init__.py")
    )


def view_modules() -> list[str]:
    """Every view and API-view module of every project app (the apps under the repository)."""
    found = []
    for config in apps.get_app_configs():
        app_path = Path(config.path)
        if not app_path.is_relative_to(ROOT) or ".venv" in app_path.parts:
            continue
        for path in sorted(app_path.rglob("*.py")):
            if "migrations" in path.parts or not _is_view_module(path):
                continue
            found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return [m for m in found if m != TRANSLATOR]


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _resolve(dotted: str, namespace: dict):
    head, *rest = dotted.split(".")
    obj = namespace.get(head)
    for part in rest:
        obj = getattr(obj, part, None)
    return obj


def _imported_from(tree: ast.Module) -> dict[str, str]:
    """Local name → the module it was imported from (``from x.services import Foo``)."""
    origin = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                origin[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                origin[alias.asname or alias.name.split(".")[0]] = alias.name
    return origin


def _is_service_error(dotted: str, origin: dict[str, str], namespace: dict) -> bool:
    head = dotted.split(".", 1)[0]
    full = origin.get(head, head) + dotted[len(head) :]  # through imports, aliases undone
    name = full.rsplit(".", 1)[-1]
    if name in TYPED_NAMES:
        return True
    cls = _resolve(dotted, namespace)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        if issubclass(cls, TYPED):
            return True
        if name.endswith("Error") and ".services" in cls.__module__:
            return True
    return name.endswith("Error") and "services" in full.split(".")[:-1]


def service_error_catches(source: str, namespace: dict | None = None) -> list[str]:
    """``line: what`` for each ``except`` (or ``contextlib.suppress``) in ``source`` that catches
    a typed service error. ``namespace``: the module's globals, to resolve subclasses."""
    tree = ast.parse(source)
    origin = _imported_from(tree)
    namespace = namespace or {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        elif isinstance(node, ast.Call) and _dotted(node.func).endswith("suppress"):
            caught = node.args
        else:
            continue
        for expr in caught:
            dotted = _dotted(expr)
            if dotted and _is_service_error(dotted, origin, namespace):
                found.append(f"{node.lineno}: {dotted}")
    return found


def test_every_app_has_its_view_modules_in_the_scan():
    modules = view_modules()
    for expected in (
        "accounts.views",
        "approvals.views",
        "approvals.api.views",
        "catalog.registry_views",
        "catalog.webhooks",
        "monitoring.api.views",
        "risk.api.views",
        "documents.api.reports",
        "portal.views",
    ):
        assert expected in modules


@pytest.mark.parametrize("module", view_modules())
def test_no_view_catches_a_service_error(module):
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    namespace = vars(importlib.import_module(module))
    catches = service_error_catches(path.read_text(), namespace)
    assert not catches, (
        f"{module} translates service errors by hand at {catches}: let them propagate "
        "(common.api.errors handles the API; pages use common.forms.form_errors)."
    )


def _try(caught: str, imports: str = "") -> str:
    return f"{imports}try:\n    f()\nexcept {caught}:\n    pass\n"


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param(
            _try("ValidationError as exc", "from django.core.exceptions import ValidationError\n"),
            id="ValidationError",
        ),
        pytest.param(_try("(KeyError, services.Conflict)"), id="Conflict-in-a-tuple"),
        pytest.param(
            _try(
                "DjangoPermissionDenied",
                "from django.core.exceptions import PermissionDenied as DjangoPermissionDenied\n",
            ),
            id="PermissionDenied-aliased",
        ),
        pytest.param(_try("services.GateRefused"), id="GateRefused"),
        pytest.param(_try("Http404"), id="Http404"),
        pytest.param(_try("NotFound"), id="NotFound"),
        pytest.param(_try("Model.DoesNotExist"), id="DoesNotExist"),
        pytest.param(
            _try("QuotaError", "from monitoring.services.metrics import QuotaError\n"),
            id="an-Error-imported-from-services",
        ),
        pytest.param(
            _try(
                "approval_services.QuotaError",
                "from approvals import services as approval_services\n",
            ),
            id="an-Error-of-a-services-module",
        ),
        pytest.param(
            "with contextlib.suppress(ValidationError):\n    f()\n", id="suppress-ValidationError"
        ),
        pytest.param(_try("payloads.PayloadError"), id="a-RequestRefused-subclass"),
        pytest.param(_try("services.ItemsNotFound"), id="a-NotFound-subclass"),
    ],
)
def test_the_scan_finds_a_view_that_catches_a_service_error(snippet):
    from monitoring import payloads
    from monitoring import services as monitoring_services

    namespace = {"payloads": payloads, "services": monitoring_services}
    assert service_error_catches(snippet, namespace)


@pytest.mark.parametrize(
    "snippet",
    [
        "try:\n    n = int(x)\nexcept ValueError:\n    n = 0\n",
        "try:\n    f()\nexcept (RequestDataTooBig, OSError):\n    pass\n",
        "try:\n    f()\nexcept Exception:\n    pass\n",
    ],
)
def test_the_scan_lets_a_view_catch_its_own_parsing_errors(snippet):
    assert service_error_catches(snippet) == []


# --- (b) the API's one exception handler ---------------------------------------------------
def _api_answer(exc: Exception, **attrs):
    class Raising(APIView):
        authentication_classes: list = []
        permission_classes = [AllowAny]

        def get(self, request):
            raise exc

    for name, value in attrs.items():
        setattr(Raising, name, value)
    response = Raising.as_view()(APIRequestFactory().get("/"))
    return response.status_code, response.data


INVALID = "The request is invalid; see errors."


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (
            errors.ValidationError({"environment": ["Unknown environment."]}),
            400,
            {"detail": INVALID, "errors": {"environment": ["Unknown environment."]}},
        ),
        (
            errors.ValidationError("This item belongs to an earlier revision."),
            400,
            {
                "detail": INVALID,
                "errors": {"non_field_errors": ["This item belongs to an earlier revision."]},
            },
        ),
        (
            errors.ValidationError({"__all__": ["Give a file or a link."]}),
            400,
            {"detail": INVALID, "errors": {"non_field_errors": ["Give a file or a link."]}},
        ),
        (
            serializers.ValidationError({"model": ["This field is required."]}),
            400,
            {"detail": INVALID, "errors": {"model": ["This field is required."]}},
        ),
        (
            errors.Forbidden("Separation of duties: you requested this."),
            403,
            {"detail": "Separation of duties: you requested this.", "errors": {}},
        ),
        (
            errors.PermissionDenied(),
            403,
            {"detail": "You do not have permission to perform this action.", "errors": {}},
        ),
        (errors.NotFound("No such model."), 404, {"detail": "No such model.", "errors": {}}),
        (
            ItemsNotFound("1 of 2 items name nothing.", {"items[1]": ["model: no model."]}),
            404,
            {"detail": "1 of 2 items name nothing.", "errors": {"items[1]": ["model: no model."]}},
        ),
        (Http404("No such version."), 404, {"detail": "No such version.", "errors": {}}),
        (ObjectDoesNotExist("x"), 404, {"detail": "Not found.", "errors": {}}),
        (
            errors.Conflict("You have already decided this request."),
            409,
            {"detail": "You have already decided this request.", "errors": {}},
        ),
        (
            GateRefused(["No valid approval.", "Approval expired."]),
            409,
            {
                "detail": "No valid approval.; Approval expired.",
                "errors": {},
                "reasons": ["No valid approval.", "Approval expired."],
            },
        ),
        (
            PayloadError(413, "Too many items.", {"items": ["At most 2."]}),
            413,
            {"detail": "Too many items.", "errors": {"items": ["At most 2."]}},
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_the_handler_answers_each_typed_error_with_its_status_and_shape(exc, status, body):
    assert _api_answer(exc) == (status, body)


def test_the_old_names_are_the_common_errors():
    from approvals import services as approval_services
    from monitoring import services as monitoring_services

    assert approval_services.Conflict is errors.Conflict is monitoring_services.Conflict
    assert issubclass(GateRefused, errors.Conflict)
    assert issubclass(errors.NotFound, Http404)
    assert errors.Forbidden is errors.PermissionDenied


def test_a_view_can_say_where_the_service_checked_input_sits_in_its_body():
    exc = errors.ValidationError({"gpai": ["Answer yes or no."]})
    answer = _api_answer(exc, service_errors_under="answers")
    assert answer == (
        400,
        {"detail": INVALID, "errors": {"answers": {"gpai": ["Answer yes or no."]}}},
    )


def test_the_handler_leaves_other_exceptions_to_the_500_handler():
    assert exception_handler(RuntimeError("bug"), {"view": None}) is None


# --- the pages' one form helper ------------------------------------------------------------
class ThresholdForm(forms.Form):
    metric = forms.CharField()
    max_drop_percent = forms.FloatField(required=False)


def _bound_form():
    form = ThresholdForm({"metric": "auc", "max_drop_percent": "5"})
    assert form.is_valid()
    return form


def test_form_errors_puts_messages_on_the_named_fields_else_above_the_form():
    form = _bound_form()
    with form_errors(form, aliases={"max_relative_drop": "max_drop_percent"}) as call:
        raise errors.ValidationError(
            {"metric": ["Unknown metric."], "max_relative_drop": ["Too big."], "owner": ["Gone."]}
        )
    assert not call.ok and call.status == 400
    assert form.errors == {
        "metric": ["Unknown metric."],
        "max_drop_percent": ["Too big."],
        "__all__": ["Gone."],
    }


def test_form_errors_shows_a_conflict_above_the_form():
    form = _bound_form()
    with form_errors(form) as call:
        raise errors.Conflict("This alert is already resolved.")
    assert call.conflict and call.status == 409
    assert form.non_field_errors() == ["This alert is already resolved."]


def test_form_errors_keeps_the_forms_own_error_on_a_field():
    form = ThresholdForm({"metric": "", "max_drop_percent": "5"})
    with form_errors(form):
        raise errors.ValidationError({"metric": ["Name a metric."]})
    assert form.errors["metric"] == ["This field is required."]


def test_form_errors_runs_the_block_through_when_the_service_succeeds():
    form = _bound_form()
    with form_errors(form) as call:
        value = 42
    assert call.ok and call.status == 200 and value == 42 and not form.errors


@pytest.mark.parametrize("exc", [errors.Forbidden("No."), errors.NotFound("No such alert.")])
def test_form_errors_lets_forbidden_and_not_found_reach_djangos_pages(exc):
    with pytest.raises(type(exc)), form_errors(_bound_form()):
        raise exc


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (errors.ValidationError({"file": ["The file is empty."]}), "Not added: The file is empty."),
        (errors.Conflict("This review is already completed."), "This review is already completed."),
    ],
)
def test_message_errors_says_the_error_in_one_flash_message(exc, shown):
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    with message_errors(request, prefix="Not added: ") as call:
        raise exc
    assert not call.ok
    assert [str(m) for m in get_messages(request)] == [shown]
