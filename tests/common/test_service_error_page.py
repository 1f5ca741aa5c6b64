"""A typed service error that reaches a page unhandled answers a 4xx page, never a 500."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory

from common.errors import Conflict, RequestRefused
from common.middleware import ServiceErrorPageMiddleware


def _request(path="/requests/x/submit/"):
    request = RequestFactory().post(path)
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    ("exception", "status", "text"),
    [
        (Conflict("This request is approved; it cannot become withdrawn."), 409, "cannot become"),
        (RequestRefused("Body too large.", status_code=413), 413, "Body too large."),
        (ValidationError({"reason": ["Give a reason."]}), 400, "Give a reason."),
    ],
)
def test_service_errors_become_their_own_page(exception, status, text):
    middleware = ServiceErrorPageMiddleware(lambda r: None)
    response = middleware.process_exception(_request(), exception)
    assert response.status_code == status
    assert text in response.content.decode()


@pytest.mark.parametrize("exception", [Http404("x"), RuntimeError("bug"), KeyError("k")])
def test_other_exceptions_are_left_to_django(exception):
    assert (
        ServiceErrorPageMiddleware(lambda r: None).process_exception(_request(), exception) is None
    )


def test_the_api_keeps_its_own_handler():
    request = _request("/api/v1/deployment-requests/")
    assert (
        ServiceErrorPageMiddleware(lambda r: None).process_exception(request, Conflict("x")) is None
    )
