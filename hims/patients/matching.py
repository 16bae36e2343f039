"""Finding a person among crores: name-key lookups and scored duplicate candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hims.lib.phonetic import name_key
from hims.patients.models import Patient, PatientNameKey

FUZZY_KEYS = 40
KEYS_LIKE_CACHE_SECONDS = 600
SHOW_SCORE = 50
STRONG_SCORE = 90


def _edit_distance(one: str, other: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`."""
    if abs(len(one) - len(other)) > limit:
        return limit + 1
    previous = list(range(len(other) + 1))
    for i, a in enumerate(one, 1):
        current = [i]
        for j, b in enumerate(other, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def word_matches(query_word: str, key_word: str) -> bool:
    """A query word matches a key word when it is the same, starts it (typing "Ram" for Ramesh),
    or differs by one edit (two for long words): "rmes" ~ "rmesh", not "sures"."""
    if key_word == query_word or (len(query_word) >= 2 and key_word.startswith(query_word)):
        return True
    limit = 1 if len(query_word) <= 5 else 2
    return _edit_distance(query_word, key_word, limit) <= limit


def key_matches(query_key: str, key: str) -> bool:
    """Every word of the query matches some word of the key."""
    key_words = key.split()
    return all(
        any(word_matches(word, candidate) for candidate in key_words) for word in query_key.split()
    )


def name_keys_like(*, key: str, limit: int = FUZZY_KEYS) -> list[str]:
    """Distinct name keys that sound like `key`, best first.

    PostgreSQL: trigram word-similarity over the distinct-key table (a GIN index), so common
    name parts (Kumar, Devi) cost nothing extra; SQLite (the demo): keys containing a word that
    starts like each query word. Either way each candidate must then match word by word, so
    "Ramesh Kumar" does not bring "Suresh Kumar".
    """
    if not key:
        return []
    cache_key = f"patients:keys-like:v2:{limit}:{key.replace(' ', '_')}"
    cached = cache.get(cache_key)
    if cached is not None:
        return list(cached)
    found = _keys_like_uncached(key=key, limit=limit)
    # Names are few and change slowly: a common name's similar keys are worked out once in a
    # while, not on every registration (a brand-new key may be missed for a few minutes).
    cache.set(cache_key, found, KEYS_LIKE_CACHE_SECONDS)
    return found


def _keys_like_uncached(*, key: str, limit: int) -> list[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # Whole-name similarity first, so spelling variants of the same name rank above
                # longer names that merely contain it ("rmes kumr" + a third word).
                "SELECT key FROM patients_patientnamekey WHERE %s <%% key "
                "ORDER BY similarity(%s, key) DESC, word_similarity(%s, key) DESC, key LIMIT %s",
                [key, key, key, limit * 3],
            )
            found = [row[0] for row in cursor.fetchall()]
    else:
        keys = PatientNameKey.objects.all()
        for word in key.split():
            prefix = word[:2]
            keys = keys.filter(Q(key__startswith=prefix) | Q(key__contains=f" {prefix}"))
        found = list(keys.order_by("key").values_list("key", flat=True)[: limit * 20])
    return [candidate for candidate in found if key_matches(key, candidate)][:limit]


@dataclass
class Candidate:
    patient: Patient
    score: int = 0
    reasons: list[Any] = field(default_factory=list)

    @property
    def is_strong(self) -> bool:
        return self.score >= STRONG_SCORE


def _years_apart(one: date, other: date) -> int:
    return abs(one.year - other.year)


def candidate_score(*, data: dict[str, Any], patient: Patient, similar_keys: set[str]) -> Candidate:
    """Score one existing record against the new registration, with the reasons shown to the clerk."""
    candidate = Candidate(patient=patient)

    def add(points: int, reason: Any) -> None:
        candidate.score += points
        if reason is not None:
            candidate.reasons.append(reason)

    if data.get("abha_number") and data["abha_number"] == patient.abha_number:
        add(100, _("same ABHA number"))
    if data.get("mobile") and data["mobile"] == patient.mobile:
        add(35, _("same mobile number"))
    key = name_key(data.get("name", ""))
    if key and key == patient.name_key:
        add(30, _("same name"))
    elif patient.name_key in similar_keys:
        add(15, _("similar name"))
    born = data.get("birth_date")
    if born:
        estimated = data.get("birth_date_is_estimated") or patient.birth_date_is_estimated
        if born == patient.birth_date and not estimated:
            add(25, _("same date of birth"))
        elif _years_apart(born, patient.birth_date) <= (1 if estimated else 0):
            add(10, _("same year of birth"))
        elif _years_apart(born, patient.birth_date) <= 3:
            add(5, _("similar age"))
        elif _years_apart(born, patient.birth_date) > 10:
            add(-30, None)
    gender = data.get("gender")
    if gender and gender == patient.gender:
        add(5, None)
    elif gender and patient.gender:
        add(-30, None)
    if data.get("pincode") and data["pincode"] == patient.pincode:
        add(5, _("same PIN code"))
    return candidate


def candidate_list(
    *, data: dict[str, Any], exclude_id: int | None = None, limit: int = 5
) -> list[Candidate]:
    """Existing records that may be this person: by ABHA, mobile, and a name that sounds alike
    with a close birth year. At most a few hundred rows are read, whatever the table's size."""
    patients: dict[int, Patient] = {}
    base = Patient.objects.active()
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    if data.get("abha_number"):
        patients.update((p.pk, p) for p in base.filter(abha_number=data["abha_number"])[:5])
    if data.get("mobile"):
        patients.update((p.pk, p) for p in base.filter(mobile=data["mobile"])[:30])
    key = name_key(data.get("name", ""))
    similar: set[str] = set()
    if key:
        similar = set(name_keys_like(key=key))
        similar.add(key)
        by_name = base.filter(name_key__in=similar)
        born = data.get("birth_date")
        if born:
            by_name = by_name.filter(
                birth_date__year__gte=born.year - 2, birth_date__year__lte=born.year + 2
            )
        if data.get("gender"):
            by_name = by_name.filter(gender=data["gender"])
        patients.update((p.pk, p) for p in by_name[:100])
    scored = [
        candidate_score(data=data, patient=p, similar_keys=similar) for p in patients.values()
    ]
    shown = [c for c in scored if c.score >= SHOW_SCORE]
    shown.sort(key=lambda c: (-c.score, c.patient.pk))
    return shown[:limit]
