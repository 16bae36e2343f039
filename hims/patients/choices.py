from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online by the patient")
    SCAN_SHARE = "scan_share", _("ABHA Scan and Share")
    IMPORT = "import", _("Imported register")
    API = "api", _("API")


class Relation(models.TextChoices):
    SELF = "self", _("Self")
    SPOUSE = "spouse", _("Husband or wife")
    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Mother or father")
    SIBLING = "sibling", _("Brother or sister")
    OTHER = "other", _("Other relative")
