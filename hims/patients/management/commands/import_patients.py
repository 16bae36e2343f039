"""hims import-patients FILE.csv: import an existing patient register, safely re-runnable."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from tqdm import tqdm

from hims.accounts.models import User
from hims.core.errors import ValidationFailed
from hims.network.models import Facility
from hims.patients.importer import RowResult, import_rows, import_summary


class Command(BaseCommand):
    help = "Import patients from a CSV register (see hims/patients/importer.py for the columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--facility", help="facility code for rows without facility_code")
        parser.add_argument("--user", help="username recorded as the registering user")
        parser.add_argument(
            "--report",
            type=Path,
            help="CSV report of every row not created (default FILE.report.csv)",
        )
        parser.add_argument(
            "--register-duplicates",
            action="store_true",
            help="create rows that look like existing patients instead of listing them",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Operators' reports are in the default language, whatever a previous request activated.
        with translation.override(settings.LANGUAGE_CODE):
            self._import(**options)

    def _import(self, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        facility = None
        if options["facility"]:
            facility = Facility.objects.filter(code=options["facility"]).first()
            if facility is None:
                raise CommandError(f"no facility with code {options['facility']!r}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user named {options['user']!r}")
        with path.open(encoding="utf-8-sig") as handle:
            total = max(sum(1 for _ in handle) - 1, 0)
        results: list[RowResult] = []
        try:
            rows = import_rows(
                path=path,
                default_facility=facility,
                actor=actor,
                register_duplicates=options["register_duplicates"],
            )
            for result in tqdm(
                rows, total=total, unit="row", disable=options["quiet"] or not sys.stderr.isatty()
            ):
                results.append(result)
        except ValidationFailed as error:
            raise CommandError(str(error)) from error
        report = options["report"] or path.with_suffix(".report.csv")
        problems = [r for r in results if r.status in {"rejected", "duplicate"}]
        with report.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "status", "uhid", "reason"])
            for result in problems:
                writer.writerow([result.line, result.status, result.uhid, result.reason])
        summary = import_summary(results)
        self.stdout.write(
            f"{len(results)} rows: {summary['created']} created, {summary['existing']} already there, "
            f"{summary['duplicate']} possible duplicates, {summary['rejected']} rejected"
        )
        for result in problems[:20]:
            self.stdout.write(f"  line {result.line}: {result.status}: {result.reason}")
        if problems:
            self.stdout.write(f"Report of rows not created: {report}")
