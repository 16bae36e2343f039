from django.urls import path

from hims.records import views

app_name = "records"
urlpatterns = [
    path("my/access/", views.my_access, name="my-access"),
    path("audit/access/", views.audit_access, name="audit-access"),
]
