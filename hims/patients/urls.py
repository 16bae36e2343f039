from django.urls import path

from hims.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register_view, name="register"),
    path("register/candidates/", views.patient_candidates_view, name="candidates"),
    path("merge/", views.patient_merge_view, name="merge"),
    path("scan-share/", views.scan_share_list, name="scan-share"),
    path("me/register/", views.patient_self_register, name="self-register"),
    path("<str:uhid>/", views.patient_detail, name="detail"),
    path("<str:uhid>/edit/", views.patient_edit, name="edit"),
]
