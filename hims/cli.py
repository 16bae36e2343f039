"""The `hims` command: Django's manage.py, with HIMS commands (seed-demo, api-token, ...)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hims.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `hims seed-demo` and `hims api-token` read better than underscores.
    if len(argv) > 1:
        argv[1] = {
            "seed-demo": "seed_demo",
            "api-token": "api_token",
            "import-patients": "import_patients",
        }.get(argv[1], argv[1])
        if argv[1] == "run":
            argv[1:2] = ["runserver"]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
