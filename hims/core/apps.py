from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hims.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from hims.core.db import connection_prepare

        connection_created.connect(connection_prepare, dispatch_uid="hims-connection-prepare")
