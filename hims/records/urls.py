from django.urls import path

from hims.records import my_views, record_views, views

app_name = "records"
urlpatterns = [
    path("my/", my_views.my_records, name="my-records"),
    path("my/visit/<int:encounter_id>/", my_views.my_visit, name="my-visit"),
    path(
        "my/visit/<int:encounter_id>/prescription.pdf",
        my_views.my_prescription_pdf,
        name="my-prescription-pdf",
    ),
    path("my/lab/<int:order_id>.pdf", my_views.my_lab_report_pdf, name="my-lab-report-pdf"),
    path("my/consents/", my_views.my_consents, name="my-consents"),
    path(
        "my/consents/<int:consent_id>/<str:action>",
        my_views.my_consent_act,
        name="my-consent-act",
    ),
    path("my/access/", views.my_access, name="my-access"),
    path("patient/<str:uhid>/", record_views.patient_record, name="patient"),
    path("patient/<str:uhid>/consent", record_views.consent_ask, name="consent-ask"),
    path("patient/<str:uhid>/emergency", record_views.emergency_open, name="emergency"),
    path("audit/access/", views.audit_access, name="audit-access"),
    path("audit/emergency/", record_views.emergency_review, name="emergency-review"),
]
