"""The ICD-10 code list shipped with the project: loading and searching it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

CODE_LIST = Path(__file__).resolve().parent / "data" / "icd10_opd.csv"


def icd10_rows() -> list[dict[str, str]]:
    with CODE_LIST.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def icd10_load(model: Any) -> int:
    """Insert the shipped codes that are missing and refresh the titles of the others (safe to
    run again: a data migration and `hims seed-demo` both call it). `model` is Icd10Code, or
    its historical version in a migration."""
    existing = {c.code: c for c in model.objects.all()}
    new, changed = [], []
    for row in icd10_rows():
        fields = {"title": row["title"], "title_hi": row["title_hi"], "terms_hi": row["terms_hi"]}
        code = existing.get(row["code"])
        if code is None:
            new.append(model(code=row["code"], **fields))
        elif any(getattr(code, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(code, key, value)
            changed.append(code)
    model.objects.bulk_create(new)
    model.objects.bulk_update(changed, ["title", "title_hi", "terms_hi"])
    return len(new) + len(changed)


def icd10_search(query: str, *, limit: int = 20) -> QuerySet[Any]:
    """Codes matching `query`: the code itself (A09, i10), words of the English title
    (diabetes), or the Hindi title and the words patients use (शुगर, बीपी, दस्त). Exact
    code first, then code prefix, then title matches."""
    from hims.clinical.models import Icd10Code

    text = " ".join(query.split())
    if not text:
        return Icd10Code.objects.none()
    code = text.upper()
    words = text.split(" ")
    match = Q(code__istartswith=code)
    for_words = Q()
    for word in words:
        for_words &= (
            Q(title__icontains=word) | Q(title_hi__icontains=word) | Q(terms_hi__icontains=word)
        )
    return (
        Icd10Code.objects.filter(match | for_words)
        .annotate(
            rank=Case(
                When(code__iexact=code, then=Value(0)),
                When(code__istartswith=code, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "code")[:limit]
    )
