from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from hims.api.api import api
from hims.clinical import views as clinical_views

admin.site.site_header = _("HIMS administration")
admin.site.site_title = _("HIMS")
admin.site.index_title = _("Network registry and accounts")

urlpatterns = [
    # First: the API takes the booking rush, and each pattern tried before it costs every call.
    path("api/", api.urls),
    path("", include("hims.core.urls")),
    path("accounts/", include("hims.accounts.urls")),
    path("facilities/", include("hims.network.urls")),
    path("patients/", include("hims.patients.urls")),
    path("abdm/hip/", include("hims.abdm.urls")),
    path("abdm/", include("hims.patients.abdm_urls")),
    path("book/", include("hims.scheduling.booking_urls")),
    path("my/", include("hims.scheduling.my_urls")),
    path("opd/visit/", include("hims.clinical.urls")),
    path("lab/", include("hims.clinical.lab_urls")),
    path("rx/v/<str:signed>/", clinical_views.prescription_verify, name="rx-verify"),
    path("opd/", include("hims.scheduling.urls")),
    path("slip/", include("hims.scheduling.slip_urls")),
    path("records/", include("hims.records.urls")),
    path("fhir/R4/", include("hims.fhir.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "hims.core.handlers.bad_request"
handler403 = "hims.core.handlers.permission_denied"
handler404 = "hims.core.handlers.page_not_found"
handler500 = "hims.core.handlers.server_error"
