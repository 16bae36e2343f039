from django.urls import path

from hims.patients import abdm_views

app_name = "abdm"
urlpatterns = [
    path("v3/hip/patient/profile/share", abdm_views.profile_share, name="profile-share"),
]
