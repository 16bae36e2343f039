"""`hims seed-demo`: seed the demo Delhi network. Idempotent; `make run` calls it on every start."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hims.accounts.choices import Role
from hims.core.demo.seed import (
    DEFAULT_PATIENTS,
    DemoSummary,
    demo_login_facility_names,
    demo_network_seed,
    demo_password_get,
)


class Command(BaseCommand):
    help = (
        "Seed the demo Delhi network (facilities, practitioners, staff logins, synthetic "
        "patients). Safe to run again: it creates only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients",
            type=int,
            default=DEFAULT_PATIENTS,
            help=f"synthetic patients to have in the demo (default {DEFAULT_PATIENTS})",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar, no table")

    def handle(self, *args: Any, **options: Any) -> None:
        patients: int = options["patients"]
        quiet: bool = options["quiet"]
        if patients < 0:
            self.stderr.write("--patients must be 0 or more")
            sys.exit(2)
        password = demo_password_get()
        summary = demo_network_seed(
            patients=patients, password=password, progress=not quiet and sys.stderr.isatty()
        )
        self._print_summary(summary)
        if not quiet:
            self._print_logins(summary, password)

    def _print_summary(self, summary: DemoSummary) -> None:
        if summary.created_anything:
            made = ", ".join(f"{n} {label}" for label, n in summary.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo network seeded: created {made}."))
        else:
            self.stdout.write("Demo network already seeded: nothing to create.")
        totals = ", ".join(f"{n} {label}" for label, n in summary.totals.items())
        self.stdout.write(f"In the database: {totals}.")

    def _print_logins(self, summary: DemoSummary, password: str) -> None:
        names = demo_login_facility_names(summary.logins)
        rows = [
            (
                login.username,
                str(Role(login.role).label),
                names.get(login.facility, "whole network"),
            )
            for login in summary.logins
        ]
        widths = [
            max(len(row[i]) for row in [("username", "role", "facility"), *rows]) for i in range(3)
        ]
        self.stdout.write("")
        self.stdout.write(f"Demo staff logins (password for all: {password}):")
        for row in [("username", "role", "facility"), *rows]:
            self.stdout.write(
                "  "
                + "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        self.stdout.write("")
        self.stdout.write(
            f"Demo patient sign-in: mobile {summary.demo_mobile} "
            f"(a family of {summary.demo_family_size} patients on this number)."
        )
        self.stdout.write(
            "In the demo, OTPs are not sent by SMS: read them at /accounts/demo/sms/."
        )
