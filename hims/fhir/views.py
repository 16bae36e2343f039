"""The /fhir/R4 endpoints: parse, authenticate, one registry call, respond."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hims.core.responses import fhir_response
from hims.fhir import bundles
from hims.fhir.capability import capability_statement
from hims.fhir.errors import FhirError
from hims.fhir.http import fhir_endpoint, user_require
from hims.fhir.registry import resource_type_get
from hims.fhir.search import ResourceType, resource_read, search_parse, search_run

READ_PARAMS = frozenset({"_format", "_summary"})


def _resource_type(name: str) -> ResourceType:
    resource = resource_type_get(name)
    if resource is None:
        raise FhirError(
            _("Resource type '%(type)s' is not supported by this server.") % {"type": name},
            status=404,
            code="not-supported",
        )
    return resource


@fhir_endpoint
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement())


@fhir_endpoint
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    resource = _resource_type(resource_type)
    user_require(request)
    page = search_run(resource, search_parse(resource, request.GET))
    return fhir_response(bundles.searchset(request, page))


@fhir_endpoint
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    resource = _resource_type(resource_type)
    user_require(request)
    unknown = sorted(set(request.GET) - READ_PARAMS)
    if unknown:
        raise FhirError(
            _("Parameter '%(name)s' is not supported when reading a resource.")
            % {"name": unknown[0]},
            code="not-supported",
        )
    body = resource_read(resource, resource_id)
    if body is None:
        raise FhirError(
            _("%(type)s/%(id)s does not exist.") % {"type": resource.name, "id": resource_id},
            status=404,
            code="not-found",
        )
    return fhir_response(body)


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other address under /fhir/R4/, whatever the method."""
    return FhirError(
        _("There is nothing at this address of the FHIR server."), status=404, code="not-found"
    ).response()
