from django.urls import path

from hims.clinical import views

app_name = "visit"
urlpatterns = [
    path("start", views.visit_start, name="start"),
    path("<int:encounter_id>/", views.visit_detail, name="detail"),
    path(
        "<int:encounter_id>/prescription.pdf",
        views.visit_prescription_pdf,
        name="prescription-pdf",
    ),
    path("<int:encounter_id>/<str:action>", views.visit_act, name="act"),
]
