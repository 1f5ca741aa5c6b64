"""With DEBUG on (the embedded demo, `make run`), a missing page or a crash answers Attest's own
404 and 500 pages, not Django's technical ones (issue 20, point 7); developers can turn the
technical pages back on."""

import pytest
from django.test import override_settings
from django.urls import path

from tests.factories import UserFactory


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]


@pytest.fixture
def debug_client(client, db, settings):
    settings.DEBUG = True
    settings.ATTEST_TECHNICAL_ERROR_PAGES = False
    client.force_login(UserFactory(username="demo-user"))
    client.raise_request_exception = False
    return client


def test_an_unknown_address_is_the_product_404(debug_client):
    response = debug_client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "DEBUG = True" not in body and "URLconf" not in body
    assert "Attest" in body and response["X-Request-ID"]


def test_a_model_you_may_not_see_is_the_product_404(debug_client):
    response = debug_client.get("/models/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and "DEBUG = True" not in response.content.decode()


def test_a_crash_is_the_product_500(debug_client):
    with override_settings(ROOT_URLCONF=__name__):
        response = debug_client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500 and "Traceback" not in body and "boom" not in body


def test_developers_can_have_the_technical_pages(debug_client, settings):
    settings.ATTEST_TECHNICAL_ERROR_PAGES = True
    response = debug_client.get("/no-such-page/")
    assert response.status_code == 404 and "DEBUG = True" in response.content.decode()
