from django.urls import path

from hims.abdm import views

app_name = "abdm-hip"
urlpatterns = [
    path("v0.5/consents/hip/notify", views.consent_notify, name="consent-notify"),
    path(
        "v0.5/health-information/hip/request",
        views.health_information_request,
        name="health-information-request",
    ),
]
