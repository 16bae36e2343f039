"""The medicine master shipped with the project: loading, searching, and saying how to take a
medicine in the patient's language."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from hims.clinical.models import PrescriptionItem

MASTER = Path(__file__).resolve().parent / "data" / "medicines.csv"


def medicines_load(model: Any) -> int:
    """Insert the shipped medicines that are missing (safe to run again); `model` is Medicine or
    its historical version in a migration."""
    with MASTER.open(encoding="utf-8", newline="") as handle:
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    existing = set(model.objects.values_list("salt", "strength", "form"))
    new = [
        model(**row) for row in rows if (row["salt"], row["strength"], row["form"]) not in existing
    ]
    model.objects.bulk_create(new)
    return len(new)


def medicine_search(query: str, *, limit: int = 15) -> QuerySet[Any]:
    from hims.clinical.models import Medicine

    text = " ".join(query.split())
    if not text:
        return Medicine.objects.none()
    match = Q()
    for word in text.split(" "):
        match &= Q(salt__icontains=word) | Q(name_hi__icontains=word)
    return Medicine.objects.filter(match, is_active=True)[:limit]


def _quantity(dose: Decimal) -> str:
    return f"{dose.normalize():f}"


def item_directions(item: PrescriptionItem, language: str) -> str:
    """ "1 tablet twice a day after food, for 5 days" in `language` (the patient's)."""
    with translation.override(language):
        form = item.medicine.form
        count = 1 if item.dose <= 1 else 2
        unit = {
            "tablet": ngettext("tablet", "tablets", count),
            "capsule": ngettext("capsule", "capsules", count),
            "syrup": _("ml"),
            "inhaler": ngettext("puff", "puffs", count),
            "powder": ngettext("sachet", "sachets", count),
            "cream": _("apply"),
        }.get(form, "")
        days = ngettext("for %(days)s day", "for %(days)s days", item.duration_days) % {
            "days": item.duration_days
        }
        parts = [
            f"{_quantity(item.dose)} {unit}".strip() if form != "cream" else unit,
            str(item.get_frequency_display()),
        ]
        if item.timing != "any":
            parts.append(str(item.get_timing_display()))
        text = " ".join(parts) + ", " + days
        if item.instructions:
            text += f". {item.instructions}"
        return text
