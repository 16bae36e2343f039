"""The national immunization schedule shipped with the project (data/uip_schedule.csv, from the
UIP table in shared/reference/india-health.md). Administrators edit it in the admin afterwards;
loading only adds the codes that are missing, so it never undoes their edits."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

SCHEDULE = Path(__file__).resolve().parent / "data" / "uip_schedule.csv"

# JE-1 and JE-2 ship inactive (is_active 0 in the CSV): JE vaccine is given only in the
# districts the programme declares endemic, and no district of Delhi is one. An administrator
# of an endemic state switches them on in the admin.


def _value(column: str, raw: str) -> Any:
    raw = raw.strip()
    if column in {"due_age_days", "given_up_to_days"}:
        return int(raw) if raw else None
    if column in {"min_interval_days", "sort_order"}:
        return int(raw)
    if column == "is_active":
        return raw == "1"
    return raw


def vaccine_doses_load(model: Any) -> int:
    """Insert the shipped doses whose code is missing (safe to run again); `model` is
    VaccineDose or its historical version in a migration."""
    with SCHEDULE.open(encoding="utf-8", newline="") as handle:
        rows = [{k: _value(k, v or "") for k, v in row.items()} for row in csv.DictReader(handle)]
    existing = set(model.objects.values_list("code", flat=True))
    new = [model(**row) for row in rows if row["code"] not in existing]
    model.objects.bulk_create(new)
    return len(new)
