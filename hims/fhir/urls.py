from django.urls import path, re_path

from hims.fhir import views
from hims.fhir.clinical import views as clinical_views
from hims.fhir.clinical.search import CLINICAL_TYPES
from hims.fhir.patient import views as patient_views
from hims.fhir.scheduling import views as scheduling_views

CLINICAL = "|".join(CLINICAL_TYPES)

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    # Patient has its own endpoints (access checks, logging, writes); `fhir:read` still
    # reverses to Patient/{id}, which resolves here first.
    re_path(r"^Patient/?$", patient_views.patient_type, name="patient"),
    re_path(r"^Patient/\$match/?$", patient_views.patient_match, name="patient-match"),
    re_path(
        r"^Patient/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/\$everything/?$",
        clinical_views.patient_everything,
        name="patient-everything",
    ),
    re_path(
        r"^Patient/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/?$",
        patient_views.patient_instance,
        name="patient-instance",
    ),
    # Appointment likewise (access checks, logging, booking and cancelling).
    re_path(r"^Appointment/?$", scheduling_views.appointment_type, name="appointment"),
    re_path(
        r"^Appointment/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/?$",
        scheduling_views.appointment_instance,
        name="appointment-instance",
    ),
    # The clinical resources (access as the pages decide it, every resource returned logged).
    re_path(rf"^(?P<resource_type>{CLINICAL})/?$", clinical_views.clinical_type, name="clinical"),
    re_path(
        rf"^(?P<resource_type>{CLINICAL})/(?P<resource_id>[A-Za-z0-9\-.]{{1,64}})/?$",
        clinical_views.clinical_instance,
        name="clinical-instance",
    ),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/?$", views.search, name="search"),
    re_path(
        r"^(?P<resource_type>[A-Za-z]+)/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/?$",
        views.read,
        name="read",
    ),
    # Everything else under /fhir/R4/ answers an OperationOutcome 404, never an HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
