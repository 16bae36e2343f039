"""Views that raise, to prove how errors are shown on every kind of path."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from hims.core.errors import Conflict
from hims.urls import urlpatterns as real_urlpatterns


def conflict(request: HttpRequest) -> HttpResponse:
    raise Conflict(field="slot")


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


test_routes = [path("conflict", conflict), path("crash", crash)]
urlpatterns = [
    path("t/", include(test_routes)),
    path("api/t/", include(test_routes)),
    path("fhir/R4/t/", include(test_routes)),
    *real_urlpatterns,
]
handler404 = "hims.core.handlers.page_not_found"
handler500 = "hims.core.handlers.server_error"
