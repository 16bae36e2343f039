"""Patient search: the parameters, their filters, and one logged page of matches.

The string and token parameters are declared as a `ResourceType`, so the shared strict
parser (hims.fhir.search.search_parse) reads them exactly as for the directory resources;
`birthdate` is FHIR's `date` type, which that parser does not know, so it is read here.
The CapabilityStatement lists `PATIENT_SEARCH.all_params` plus `BIRTHDATE`.

Patients are crores of rows: every filter is an indexed lookup (UHID, ABHA, mobile, the
phonetic name key), and a staff search must carry a narrowing parameter (`too_broad`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hims.fhir.errors import FhirError
from hims.fhir.patient.access import PatientReader, patients_search_log
from hims.fhir.patient.mapping import ABHA_ADDRESS_SYSTEM, UHID_SYSTEM, patient_resource
from hims.fhir.resources import GENDER_SYSTEM
from hims.fhir.search import (
    NOTHING,
    ResourceType,
    SearchPage,
    SearchParam,
    SearchQuery,
    SearchValue,
    Source,
    StringValue,
    TokenValue,
    boolean_filter,
    parse_pk,
    search_parse,
    token_filter,
)
from hims.lib.identifiers import ABHA_SYSTEM, digits_only, normalize_mobile
from hims.lib.phonetic import name_key
from hims.patients.matching import name_keys_like
from hims.patients.models import Patient

if TYPE_CHECKING:
    from django.http import HttpRequest

SP = "http://hl7.org/fhir/SearchParameter"
# A staff search needs one of these (or a birthdate without a range prefix).
NARROWING = frozenset({"identifier", "name", "phone", "_id"})

# --- string and token parameters ------------------------------------------------------


def _compact(code: str) -> str:
    return re.sub(r"[\s\-]", "", code)


def _identifier(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    code = value.code.strip()
    if value.system is None:  # any of our systems
        digits = digits_only(code)
        clauses = [Q(uhid=_compact(code).upper()), Q(abha_address=code.lower())]
        if re.fullmatch(r"\d{14}", digits):
            clauses.append(Q(abha_number=digits))
        return reduce(or_, clauses)
    if value.system == UHID_SYSTEM:
        return Q(uhid=_compact(code).upper())
    if value.system == ABHA_ADDRESS_SYSTEM or (value.system == ABHA_SYSTEM and "@" in code):
        return Q(abha_address=code.lower())
    if value.system == ABHA_SYSTEM:
        return Q(abha_number=digits_only(code))
    return NOTHING


def name_search_keys(text: str) -> list[str]:
    """The phonetic key of `text` and the keys that sound like it (the patients selector's
    name lookup: either script, misspellings forgiven)."""
    key = name_key(text)
    return [key, *[k for k in name_keys_like(key=key) if k != key]] if key else []


def _name(value: SearchValue) -> Q:
    assert isinstance(value, StringValue)
    if value.modifier == "contains":
        # A substring scan over every patient cannot use an index: refused.
        raise FhirError(
            _("The modifier ':contains' is not supported on Patient name; search without it."),
            code="not-supported",
        )
    if value.modifier == "exact":  # through the name-key index, then the name as written
        key = name_key(value.text)
        return Q(name_key=key) & (Q(name=value.text) | Q(name_hi=value.text)) if key else NOTHING
    keys = name_search_keys(value.text)
    return Q(name_key__in=keys) if keys else NOTHING


def _phone(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    if value.system:
        return NOTHING
    try:
        return Q(mobile=normalize_mobile(value.code))
    except ValidationError:
        return NOTHING  # not an Indian mobile: no patient has it


PATIENT_SEARCH = ResourceType(
    name="Patient",
    params=(
        SearchParam(
            "identifier",
            "token",
            gettext_lazy(
                "UHID (system https://hims.delhi.gov.in/fhir/sid/uhid), ABHA number (system "
                "https://healthid.ndhm.gov.in, with or without hyphens) or ABHA address (system "
                "https://healthid.abdm.gov.in/abha-address), as system|value or value."
            ),
            definition=f"{SP}/Patient-identifier",
        ),
        SearchParam(
            "name",
            "string",
            gettext_lazy(
                "Name in English or Hindi, matched by sound: Ramesh Kumaar finds रमेश कुमार. "
                "name:exact matches the whole name as written; name:contains is not supported."
            ),
            definition=f"{SP}/Patient-name",
        ),
        SearchParam(
            "phone",
            "token",
            gettext_lazy("Indian mobile number, 10 digits, with or without +91."),
            definition=f"{SP}/individual-phone",
        ),
        SearchParam(
            "gender",
            "token",
            gettext_lazy("male, female or other."),
            definition=f"{SP}/individual-gender",
        ),
        SearchParam(
            "active",
            "token",
            gettext_lazy(
                "true or false. Without this parameter a search returns records in use only; "
                "a record merged into another (active false) stays readable by id."
            ),
            definition=f"{SP}/Patient-active",
        ),
    ),
    sources=(
        Source(
            model=Patient,
            to_resource=patient_resource,
            prefetch_related=("merged_records",),
            filters={
                "identifier": _identifier,
                "name": _name,
                "phone": _phone,
                "gender": token_filter({GENDER_SYSTEM: "gender"}),
                "active": boolean_filter("merged_into__isnull"),
            },
            search_default=Q(merged_into__isnull=True),
        ),
    ),
)
SOURCE = PATIENT_SEARCH.sources[0]


@dataclass(frozen=True)
class DateParam:
    """A `date` search parameter, as the CapabilityStatement lists it."""

    name: str
    type: str
    documentation: str | Promise
    definition: str


BIRTHDATE = DateParam(
    "birthdate",
    "date",
    gettext_lazy(
        "Date of birth: YYYY, YYYY-MM or YYYY-MM-DD, optionally prefixed eq, ne, gt, lt, ge or "
        "le. A record whose date of birth is approximate is born within its year."
    ),
    f"{SP}/individual-birthdate",
)

# --- birthdate ---------------------------------------------------------------------------

_DATE_RE = re.compile(r"^([a-z]{2})?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_PREFIXES = frozenset({"eq", "ne", "gt", "lt", "ge", "le"})


@dataclass(frozen=True)
class DateValue:
    prefix: str
    start: date
    end: date  # the search value is the range [start, end], by its precision


def _date_value(raw: str) -> DateValue:
    match = _DATE_RE.match(raw.strip())
    bad = FhirError(
        _("The value '%(value)s' of search parameter 'birthdate' is not a date (YYYY-MM-DD).")
        % {"value": raw}
    )
    if not match:
        raise bad
    prefix, year_text, month_text, day_text = match.groups()
    prefix = prefix or "eq"
    if prefix not in DATE_PREFIXES:
        raise FhirError(
            _(
                "The prefix '%(prefix)s' is not supported on birthdate; use eq, ne, gt, lt, ge or le."
            )
            % {"prefix": prefix},
            code="not-supported",
        )
    year = int(year_text)
    try:
        if day_text:
            day = date(year, int(month_text), int(day_text))
            return DateValue(prefix, day, day)
        if month_text:
            month = int(month_text)
            last = calendar.monthrange(year, month)[1]
            return DateValue(prefix, date(year, month, 1), date(year, month, last))
        return DateValue(prefix, date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        raise bad from None


_EXACT = Q(birth_date_is_estimated=False)
_APPROXIMATE = Q(birth_date_is_estimated=True)


def _eq(value: DateValue) -> Q:
    """The search range contains the birth date's range: the day, or for an approximate
    date its whole year."""
    exact = _EXACT & Q(birth_date__gte=value.start, birth_date__lte=value.end)
    first = value.start.year + (0 if value.start == date(value.start.year, 1, 1) else 1)
    last = value.end.year - (0 if value.end == date(value.end.year, 12, 31) else 1)
    if first > last:
        return exact
    return exact | (_APPROXIMATE & Q(birth_date__year__gte=first, birth_date__year__lte=last))


def _gt(value: DateValue) -> Q:
    """Some of the birth date's range lies after the search range."""
    after = value.end + timedelta(days=1) if value.end < date.max else value.end
    return (_EXACT & Q(birth_date__gt=value.end)) | (
        _APPROXIMATE & Q(birth_date__year__gte=after.year)
    )


def _lt(value: DateValue) -> Q:
    """Some of the birth date's range lies before the search range."""
    before = value.start - timedelta(days=1) if value.start > date.min else value.start
    return (_EXACT & Q(birth_date__lt=value.start)) | (
        _APPROXIMATE & Q(birth_date__year__lte=before.year)
    )


def birthdate_filter(value: DateValue) -> Q:
    """FHIR R4 date search semantics, with an approximate date of birth as its year."""
    builders = {
        "eq": _eq,
        "ne": lambda v: ~_eq(v),
        "gt": _gt,
        "lt": _lt,
        "ge": lambda v: _gt(v) | _eq(v),
        "le": lambda v: _lt(v) | _eq(v),
    }
    return builders[value.prefix](value)


# --- the parsed search ---------------------------------------------------------------


@dataclass(frozen=True)
class PatientSearch:
    query: SearchQuery  # identifier, name, phone, gender, active, _id; _count, _offset
    birthdates: tuple[tuple[DateValue, ...], ...]  # per occurrence (AND), values (OR)

    @property
    def is_narrow(self) -> bool:
        if self.query.names & NARROWING:
            return True
        return any(all(v.prefix == "eq" for v in values) for values in self.birthdates)


def patient_search_parse(params: QueryDict) -> PatientSearch:
    """Validate every parameter (400 on anything unknown or malformed)."""
    rest = params.copy()
    for key in list(rest):
        if key.startswith(f"{BIRTHDATE.name}:"):
            raise FhirError(
                _("Search parameter 'birthdate' takes no modifier."), code="not-supported"
            )
    raws = rest.pop(BIRTHDATE.name, [])
    birthdates = []
    for raw in raws:
        if not raw.strip():
            raise FhirError(_("Search parameter 'birthdate' has an empty value."))
        birthdates.append(tuple(_date_value(part) for part in raw.split(",")))
    return PatientSearch(query=search_parse(PATIENT_SEARCH, rest), birthdates=tuple(birthdates))


def too_broad() -> FhirError:
    return FhirError(
        _(
            "This search is too broad: give an identifier, name, phone, _id or a date of birth "
            "(a day, month or year). Patient records are never listed wholesale."
        ),
        code="too-costly",
    )


def _filter(search: PatientSearch) -> Q:
    clauses = [] if "active" in search.query.names else [SOURCE.search_default]
    for param, values in search.query.criteria:
        if param.name == "_id":
            parts = [_id_filter(value) for value in values]
        else:
            parts = [SOURCE.filters[param.name](value) for value in values]
        clauses.append(reduce(or_, parts))
    for dates in search.birthdates:
        clauses.append(reduce(or_, (birthdate_filter(value) for value in dates)))
    return reduce(and_, clauses, Q())


def _id_filter(value: SearchValue) -> Q:
    code = value.code if isinstance(value, TokenValue) and not value.system else None
    pk = parse_pk(code) if code else None
    return Q(pk=pk) if pk is not None else NOTHING


def _ordered(search: PatientSearch, patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Records whose name sounds exactly like a searched name first, then by id."""
    exact_keys = [
        name_key(value.text)
        for param, values in search.query.criteria
        if param.name == "name"
        for value in values
        if isinstance(value, StringValue) and not value.modifier
    ]
    if not any(exact_keys):
        return patients.order_by("pk")
    rank = Case(
        When(name_key__in=exact_keys, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return patients.annotate(name_rank=rank).order_by("name_rank", "pk")


def patient_search_run(
    *, search: PatientSearch, reader: PatientReader, request: HttpRequest | None = None
) -> SearchPage:
    """Count, fetch one page and log every patient on it, in one transaction. Staff searches
    must be narrow; a patient's own search is already narrow (their family)."""
    if not reader.is_patient and not search.is_narrow:
        raise too_broad()
    patients = reader.scope(SOURCE.queryset().filter(_filter(search)))
    query = search.query
    with transaction.atomic():
        total = patients.count()
        rows = list(_ordered(search, patients)[query.offset : query.offset + query.count])
        patients_search_log(reader=reader, patients=rows, request=request)
    return SearchPage(
        total=total,
        resources=[patient_resource(row) for row in rows],
        count=query.count,
        offset=query.offset,
    )
