from django.urls import path

from hims.scheduling import my_views

app_name = "my"
urlpatterns = [
    path("appointments/", my_views.appointment_list, name="appointments"),
    path("appointments/<str:reference>/", my_views.appointment_detail, name="appointment"),
    path(
        "appointments/<str:reference>/events",
        my_views.appointment_events,
        name="appointment-events",
    ),
    path(
        "appointments/<str:reference>/cancel",
        my_views.appointment_cancel_view,
        name="appointment-cancel",
    ),
]
