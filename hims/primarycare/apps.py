from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrimaryCareConfig(AppConfig):
    name = "hims.primarycare"
    label = "primarycare"
    verbose_name = _("Immunization and antenatal care")
