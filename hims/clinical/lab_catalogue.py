"""The lab test catalogue shipped with the project (data/lab_tests.csv): panels and their
parameters with LOINC codes, names in English and Hindi, units, reference ranges (for women
where they differ), critical limits and the plausible range of a real value."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "data" / "lab_tests.csv"

PANEL_FIELDS = ["name", "name_hi", "loinc", "specimen", "fasting", "sort_order"]
PARAMETER_FIELDS = [
    "loinc",
    "name",
    "name_hi",
    "unit",
    "kind",
    "decimals",
    "low",
    "high",
    "low_female",
    "high_female",
    "critical_low",
    "critical_high",
    "plausible_low",
    "plausible_high",
    "choices",
    "choices_hi",
    "normal_values",
    "optional",
    "sum_group",
    "sort_order",
]
NUMBERS = {
    "low",
    "high",
    "low_female",
    "high_female",
    "critical_low",
    "critical_high",
    "plausible_low",
    "plausible_high",
}


def lab_catalogue_rows() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _parameter_fields(row: dict[str, str], order: int) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "loinc": row["loinc"],
        "name": row["name"],
        "name_hi": row["name_hi"],
        "unit": row["unit"],
        "kind": row["kind"],
        "decimals": int(row["decimals"] or 0),
        "choices": row["choices"],
        "choices_hi": row["choices_hi"],
        "normal_values": row["normal"],
        "optional": row["optional"] == "1",
        "sum_group": row["sum_group"],
        "sort_order": order,
    }
    for name in NUMBERS:
        fields[name] = Decimal(row[name]) if row[name] else None
    return fields


def _differs(obj: Any, fields: dict[str, Any]) -> bool:
    for key, value in fields.items():
        current = getattr(obj, key)
        if isinstance(value, Decimal) and current is not None:
            if Decimal(current) != value:
                return True
        elif current != value:
            return True
    return False


def lab_catalogue_load(panel_model: Any, parameter_model: Any) -> int:
    """Insert the shipped panels and parameters that are missing and bring the others back to
    what the file says (safe to run again: the data migration and the tests call it). The
    models are LabPanel and LabParameter or their historical versions. Returns rows changed."""
    rows = lab_catalogue_rows()
    panels = {p.code: p for p in panel_model.objects.all()}
    changed = 0
    panel_order: dict[str, int] = {}
    for row in rows:
        panel_order.setdefault(row["panel_code"], len(panel_order) + 1)
    for code, order in panel_order.items():
        row = next(r for r in rows if r["panel_code"] == code)
        fields = {
            "name": row["panel_name"],
            "name_hi": row["panel_name_hi"],
            "loinc": row["panel_loinc"],
            "specimen": row["specimen"],
            "fasting": row["fasting"] == "1",
            "sort_order": order,
        }
        panel = panels.get(code)
        if panel is None:
            panels[code] = panel_model.objects.create(code=code, **fields)
            changed += 1
        elif _differs(panel, fields):
            panel_model.objects.filter(pk=panel.pk).update(**fields)
            changed += 1
    existing = {(p.panel_id, p.code): p for p in parameter_model.objects.all()}
    new, updated = [], []
    for index, row in enumerate(rows, start=1):
        panel = panels[row["panel_code"]]
        fields = _parameter_fields(row, index)
        parameter = existing.get((panel.pk, row["code"]))
        if parameter is None:
            new.append(parameter_model(panel=panel, code=row["code"], **fields))
        elif _differs(parameter, fields):
            for key, value in fields.items():
                setattr(parameter, key, value)
            updated.append(parameter)
    parameter_model.objects.bulk_create(new)
    parameter_model.objects.bulk_update(updated, PARAMETER_FIELDS)
    return changed + len(new) + len(updated)
