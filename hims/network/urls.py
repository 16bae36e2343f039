from django.urls import path

from hims.network import views

app_name = "network"
urlpatterns = [
    path("", views.facility_list, name="facility-list"),
    path("<slug:code>/", views.facility_detail, name="facility-detail"),
]
