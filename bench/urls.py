"""The project's URL map plus ``/bench/floor/``: a bare Django view returning a constant JSON
(no authentication, no database), served by the same gunicorn and middleware as everything
else. What Django itself costs per request: the floor the gate is compared against."""

from django.http import JsonResponse
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

FLOOR = {"allowed": True, "reasons": []}


def floor(request):
    return JsonResponse(FLOOR)


urlpatterns = [*project_urlpatterns, path("bench/floor/", floor, name="bench-floor")]
