"""ASGI entry, for the event streams (queue boards) only; pages are served over WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hims.settings")
application = get_asgi_application()
