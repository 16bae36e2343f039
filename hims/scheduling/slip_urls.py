from django.urls import path, register_converter

from hims.scheduling import slip_views


class ReferenceConverter:
    """A booking reference (8 letters and digits today; up to 12 as the column allows)."""

    regex = "[A-Za-z0-9]{4,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "slip_reference")

app_name = "slip"
urlpatterns = [
    path("v/<str:signed>/", slip_views.slip_verify, name="verify"),
    path("<slip_reference:reference>.pdf", slip_views.slip_pdf_view, name="pdf"),
    path("<slip_reference:reference>/", slip_views.slip_detail, name="detail"),
]
