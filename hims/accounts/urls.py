from django.urls import path

from hims.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("patient/login/", views.patient_login, name="patient-login"),
    path("patient/verify/", views.patient_verify, name="patient-verify"),
    path("language/", views.set_language, name="set-language"),
    path("demo/sms/", views.demo_sms, name="demo-sms"),
]
