from django.urls import path

from hims.clinical import lab_views

app_name = "lab"
urlpatterns = [
    path("", lab_views.lab_worklist_page, name="worklist"),
    path("<int:order_id>/", lab_views.lab_order_page, name="order"),
    path("<int:order_id>/report.pdf", lab_views.lab_order_report_pdf, name="report-pdf"),
    path("<int:order_id>/<str:action>", lab_views.lab_order_act, name="act"),
]
