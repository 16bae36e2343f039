from django.urls import path

from hims.scheduling import booking_views

app_name = "book"
urlpatterns = [
    path("", booking_views.facility_choose, name="facilities"),
    path("facility/<int:facility_id>/", booking_views.department_choose, name="departments"),
    path("department/<int:department_id>/", booking_views.slot_choose, name="slots"),
    path("slot/<int:slot_id>/", booking_views.booking_confirm, name="confirm"),
]
