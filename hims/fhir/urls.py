from django.urls import path, re_path

from hims.fhir import views

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/?$", views.search, name="search"),
    re_path(
        r"^(?P<resource_type>[A-Za-z]+)/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/?$",
        views.read,
        name="read",
    ),
    # Everything else under /fhir/R4/ answers an OperationOutcome 404, never an HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
