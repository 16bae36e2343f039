"""The clinical types: their search parameters, the rows they are read from, and the runner.

Each type is declared as a `ResourceType` (so the shared strict parser in hims.fhir.search reads
its parameters and the CapabilityStatement lists the same declaration) and wrapped in a
`ClinicalType` that knows whose record a row is and what date it carries: the access scope
(the patients the reader may see, cut by a consent's record types and dates) is added to every
query in SQL, never applied to a page afterwards.

Results are newest first. Queries per page: one count and one fetch, plus one for a report's
results (Observation: the same over a UNION ALL of one SELECT per vital-signs LOINC code and one
of lab results, then one fetch of the readings and one of the lab results on the page).

Lab records are read under the ABDM type DiagnosticReport (hims.records.choices.HI_TYPE_OF):
ServiceRequest dated by the order, DiagnosticReport and lab Observations by the sign-off. Only
signed reports and their current results exist here, for reads as for searches; their `date`
search parameter is when the sample was collected (effectiveDateTime).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import CharField, F, Model, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy

from hims.clinical.choices import AllergyStatus, EncounterStatus, LabOrderStatus
from hims.clinical.models import (
    Allergy,
    Diagnosis,
    Encounter,
    LabOrder,
    LabResult,
    PrescriptionItem,
    VitalSigns,
)
from hims.clinical.selectors import CourseEnd, today_starts
from hims.core.choices import AccessBasis
from hims.fhir.clinical.access import ClinicalReader
from hims.fhir.clinical.mapping import (
    ALLERGY_CLINICAL,
    CONSENT_STATE_SYSTEM,
    DIAGNOSTIC_REPORT_STATUS_SYSTEM,
    ENCOUNTER_STATUS_SYSTEM,
    ICD10,
    LAB_RESULT_PREFIX,
    LOINC,
    MEDICATION_REQUEST_STATUS_SYSTEM,
    OBSERVATION_CATEGORIES,
    OBSERVATION_CATEGORY,
    REQUEST_STATUS_SYSTEM,
    REST,
    allergy_resource,
    condition_resource,
    consent_resource,
    diagnostic_report_resource,
    encounter_resource,
    lab_current_results,
    lab_observation,
    medication_request_resource,
    service_request_resource,
    vitals_observations,
)
from hims.fhir.search import (
    NOTHING,
    Filter,
    ResourceType,
    SearchParam,
    SearchQuery,
    SearchValue,
    Source,
    TokenValue,
    date_filter,
    parse_pk,
    reference_filter,
    source_filter,
    token_filter,
)
from hims.records.access import RecordAccess
from hims.records.choices import ConsentStatus
from hims.records.models import Consent

SP = "http://hl7.org/fhir/SearchParameter"
PATIENT_PARAMS = frozenset({"patient", "subject"})

# --- shared declarations -------------------------------------------------------------------


def _patient_param(resource_type: str) -> SearchParam:
    return SearchParam(
        "patient",
        "reference",
        gettext_lazy(
            "The patient, as Patient/[id] or [id]. Staff must name one patient; a patient "
            "signed in with their mobile sees their family's records without it."
        ),
        definition=f"{SP}/clinical-patient",
        target="Patient",
    )


def _subject_param(resource_type: str) -> SearchParam:
    return SearchParam(
        "subject",
        "reference",
        gettext_lazy("The same as patient: the patient, as Patient/[id]."),
        definition=f"{SP}/{resource_type}-subject",
        target="Patient",
    )


def _encounter_param(resource_type: str) -> SearchParam:
    return SearchParam(
        "encounter",
        "reference",
        gettext_lazy("The OPD visit, as Encounter/[id] or [id]."),
        definition=f"{SP}/{resource_type}-encounter",
        target="Encounter",
    )


def _date_param(name: str, definition: str, what: str | Any) -> SearchParam:
    return SearchParam(name, "date", what, definition=definition)


DATE_HELP = gettext_lazy(
    "A day (YYYY-MM-DD, the whole day in India time), a month, a year or a dateTime, with "
    "prefix eq, ne, gt, lt, ge or le; repeat the parameter for a range, e.g. "
    "date=ge2025-01-01&date=lt2026-01-01."
)


def _codes(system: str, mapping: dict[str, Any]) -> Filter:
    """A token among FHIR codes, each standing for a filter."""

    def build(value: SearchValue) -> Q:
        assert isinstance(value, TokenValue)
        if value.system not in (None, system) or value.code not in mapping:
            return NOTHING
        found = mapping[value.code]
        return found() if callable(found) else found

    return build


def _match_all(value: SearchValue) -> Q:
    """For parameters the runner applies itself (Observation code and category)."""
    return Q()


# --- the type wrapper ----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A row as it is answered: whose record it is, its date, the resource."""

    patient_id: int
    on: date | None
    resource: dict[str, Any]

    @property
    def shown(self) -> tuple[int, str, str]:
        return (self.patient_id, self.resource["resourceType"], self.resource["id"])


@dataclass(frozen=True)
class Reach:
    """What a search may cover: the patients, the reader and their access, and $everything's
    start and end (records dated in [start, end))."""

    patient_ids: tuple[int, ...]
    reader: ClinicalReader
    access: RecordAccess
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class ClinicalType:
    """One clinical FHIR type read from one table."""

    resource: ResourceType
    patient_field: str  # the patient's id, as a lookup from the row
    date_field: str | None  # the record's date (a consent's range, $everything start/end)
    map_row: Callable[[Any], dict[str, Any]]
    rows: Q = field(default_factory=Q)  # the rows that are resources at all, for reads too

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def source(self) -> Source:
        return self.resource.sources[0]

    def _patient_of(self, row: Model) -> int:
        value: Any = row
        for part in self.patient_field.split("__"):
            value = getattr(value, part)
        return int(value)

    def _date_of(self, row: Model) -> date | None:
        if self.date_field is None:
            return None
        moment: datetime = getattr(row, self.date_field)
        return timezone.localdate(moment)

    def found(self, row: Model) -> Found:
        return Found(self._patient_of(row), self._date_of(row), self.map_row(row))

    # --- the access scope, in SQL --------------------------------------------------------

    def visible(self, *, reader: ClinicalReader, access: RecordAccess) -> Q:
        """What the access shows of this type (a consent: its types and dates only)."""
        if self.date_field is None:
            return Q() if access.allows(self.name) else NOTHING
        return access.dates_q(self.name, f"{self.date_field}__date")

    def allows(self, *, reader: ClinicalReader, access: RecordAccess, found: Found) -> bool:
        return access.allows(self.name, found.on)

    def scope(
        self, *, patient_ids: Sequence[int], reader: ClinicalReader, access: RecordAccess
    ) -> Q:
        return Q(**{f"{self.patient_field}__in": list(patient_ids)}) & self.visible(
            reader=reader, access=access
        )

    def between(self, start: datetime | None, end: datetime | None) -> Q:
        """$everything's start/end: records dated in [start, end)."""
        return _between(self.date_field, start, end)

    def where(self, reach: Reach) -> Q:
        """The rows a search may return: the access scope and $everything's dates."""
        return (
            self.rows
            & self.scope(patient_ids=reach.patient_ids, reader=reach.reader, access=reach.access)
            & self.between(reach.start, reach.end)
        )

    # --- reading -------------------------------------------------------------------------

    def get(self, resource_id: str) -> Found | None:
        pk = parse_pk(resource_id)
        row = self.source.queryset().filter(self.rows, pk=pk).first() if pk is not None else None
        return self.found(row) if row is not None else None

    def matches(self, query: SearchQuery, reach: Reach) -> Matches:
        rows = self.source.queryset().filter(source_filter(self.source, query), self.where(reach))
        return RowMatches(self, rows)


def _between(date_field: str | None, start: datetime | None, end: datetime | None) -> Q:
    if date_field is None:
        return Q()
    clauses = Q()
    if start is not None:
        clauses &= Q(**{f"{date_field}__gte": start})
    if end is not None:
        clauses &= Q(**{f"{date_field}__lt": end})
    return clauses


class Matches:
    """What a search matched: counted in one query, sliced in one (or two) more."""

    def count(self) -> int:
        raise NotImplementedError

    def slice(self, offset: int, limit: int) -> list[Found]:
        raise NotImplementedError


@dataclass(frozen=True)
class RowMatches(Matches):
    clinical: ClinicalType
    rows: QuerySet[Any]

    def count(self) -> int:
        return self.rows.count()

    def slice(self, offset: int, limit: int) -> list[Found]:
        return [self.clinical.found(row) for row in self.rows[offset : offset + limit]]


class NoMatches(Matches):
    def count(self) -> int:
        return 0

    def slice(self, offset: int, limit: int) -> list[Found]:
        return []


def search_page(matches: Matches, query: SearchQuery) -> tuple[int, list[Found]]:
    """The total and the page the query asks for."""
    total = matches.count()
    if not query.count or query.offset >= total:
        return total, []
    return total, matches.slice(query.offset, query.count)


# --- Encounter -----------------------------------------------------------------------------

PRACTITIONER_RELATED = ("practitioner__practitioner", "facility")

ENCOUNTER = ClinicalType(
    resource=ResourceType(
        name="Encounter",
        params=(
            _patient_param("Encounter"),
            _subject_param("Encounter"),
            _date_param("date", f"{SP}/clinical-date", DATE_HELP),
            SearchParam(
                "status",
                "token",
                gettext_lazy(
                    "in-progress (the patient is being seen) or finished (the visit is closed); "
                    "system http://hl7.org/fhir/encounter-status."
                ),
                definition=f"{SP}/Encounter-status",
            ),
            SearchParam(
                "service-provider",
                "reference",
                gettext_lazy("The facility, as Organization/[id] or [id]."),
                definition=f"{SP}/Encounter-service-provider",
                target="Organization",
            ),
        ),
        sources=(
            Source(
                model=Encounter,
                to_resource=lambda row: encounter_resource(row, REST),
                select_related=PRACTITIONER_RELATED,
                filters={
                    "patient": reference_filter("patient_id"),
                    "subject": reference_filter("patient_id"),
                    "date": date_filter("started_at"),
                    "status": _codes(
                        ENCOUNTER_STATUS_SYSTEM,
                        {
                            "in-progress": Q(status=EncounterStatus.IN_PROGRESS),
                            "finished": Q(status=EncounterStatus.CLOSED),
                        },
                    ),
                    "service-provider": reference_filter("facility_id"),
                },
                ordering=("-started_at", "-pk"),
            ),
        ),
    ),
    patient_field="patient_id",
    date_field="started_at",
    map_row=lambda row: encounter_resource(row, REST),
)

# --- Condition -----------------------------------------------------------------------------

CONDITION = ClinicalType(
    resource=ResourceType(
        name="Condition",
        params=(
            _patient_param("Condition"),
            _subject_param("Condition"),
            _encounter_param("Condition"),
            SearchParam(
                "code",
                "token",
                gettext_lazy(
                    "The ICD-10 code (system http://hl7.org/fhir/sid/icd-10), e.g. E11.9 or "
                    "http://hl7.org/fhir/sid/icd-10|I10."
                ),
                definition=f"{SP}/clinical-code",
            ),
            _date_param("recorded-date", f"{SP}/Condition-recorded-date", DATE_HELP),
        ),
        sources=(
            Source(
                model=Diagnosis,
                to_resource=lambda row: condition_resource(row, REST),
                select_related=("code", "encounter"),
                filters={
                    "patient": reference_filter("encounter__patient_id"),
                    "subject": reference_filter("encounter__patient_id"),
                    "encounter": reference_filter("encounter_id"),
                    "code": token_filter({ICD10: "code__code"}, normalize={ICD10: str.upper}),
                    "recorded-date": date_filter("recorded_at"),
                },
                ordering=("-recorded_at", "-pk"),
            ),
        ),
    ),
    patient_field="encounter__patient_id",
    date_field="recorded_at",
    map_row=lambda row: condition_resource(row, REST),
)

# --- AllergyIntolerance --------------------------------------------------------------------

ALLERGY = ClinicalType(
    resource=ResourceType(
        name="AllergyIntolerance",
        params=(
            _patient_param("AllergyIntolerance"),
            SearchParam(
                "clinical-status",
                "token",
                gettext_lazy(
                    "active or resolved (system http://terminology.hl7.org/CodeSystem/"
                    "allergyintolerance-clinical)."
                ),
                definition=f"{SP}/AllergyIntolerance-clinical-status",
            ),
        ),
        sources=(
            Source(
                model=Allergy,
                to_resource=lambda row: allergy_resource(row, REST),
                select_related=("recorded_by__practitioner",),
                filters={
                    "patient": reference_filter("patient_id"),
                    "clinical-status": _codes(
                        ALLERGY_CLINICAL,
                        {
                            "active": Q(status=AllergyStatus.ACTIVE),
                            "resolved": Q(status=AllergyStatus.RESOLVED),
                        },
                    ),
                },
                ordering=("-recorded_at", "-pk"),
            ),
        ),
    ),
    patient_field="patient_id",
    date_field="recorded_at",
    map_row=lambda row: allergy_resource(row, REST),
)

# --- MedicationRequest ---------------------------------------------------------------------


def _course_over() -> Q:
    """The same rule as `course_is_over` in the mapping: the course ended before today."""
    ended = PrescriptionItem.objects.alias(course_end=CourseEnd()).filter(
        course_end__lt=today_starts()
    )
    return Q(pk__in=ended.values("pk"))


MEDICATION_REQUEST = ClinicalType(
    resource=ResourceType(
        name="MedicationRequest",
        params=(
            _patient_param("MedicationRequest"),
            _subject_param("MedicationRequest"),
            _encounter_param("MedicationRequest"),
            SearchParam(
                "status",
                "token",
                gettext_lazy(
                    "active (the course is still running) or completed (it has ended); system "
                    "http://hl7.org/fhir/CodeSystem/medicationrequest-status."
                ),
                definition=f"{SP}/medications-status",
            ),
            _date_param("authoredon", f"{SP}/MedicationRequest-authoredon", DATE_HELP),
        ),
        sources=(
            Source(
                model=PrescriptionItem,
                to_resource=lambda row: medication_request_resource(row, REST),
                select_related=("medicine", "encounter", "prescribed_by__practitioner"),
                filters={
                    "patient": reference_filter("encounter__patient_id"),
                    "subject": reference_filter("encounter__patient_id"),
                    "encounter": reference_filter("encounter_id"),
                    "status": _codes(
                        MEDICATION_REQUEST_STATUS_SYSTEM,
                        {"active": lambda: ~_course_over(), "completed": _course_over},
                    ),
                    "authoredon": date_filter("prescribed_at"),
                },
                ordering=("-prescribed_at", "-pk"),
            ),
        ),
    ),
    patient_field="encounter__patient_id",
    date_field="prescribed_at",
    map_row=lambda row: medication_request_resource(row, REST),
)

# --- Consent -------------------------------------------------------------------------------


def _consent_state(code: str) -> Callable[[], Q]:
    """The same rule as `consent_state` in the mapping (a grant past its end is inactive)."""

    def build() -> Q:
        now = timezone.now()
        live = Q(status=ConsentStatus.GRANTED, expires_at__gt=now)
        lapsed = Q(status=ConsentStatus.GRANTED, expires_at__lte=now)
        return {
            "proposed": Q(status=ConsentStatus.REQUESTED),
            "active": live,
            "rejected": Q(status=ConsentStatus.DENIED),
            "inactive": Q(status__in=[ConsentStatus.REVOKED, ConsentStatus.EXPIRED]) | lapsed,
        }[code]

    return build


@dataclass(frozen=True)
class ConsentType(ClinicalType):
    """A consent is about access, not care: any basis shows it, but a doctor reading under a
    consent sees only the consents given to them (not the patient's other consents)."""

    def visible(self, *, reader: ClinicalReader, access: RecordAccess) -> Q:
        return Q(requester=reader.user) if access.basis == AccessBasis.CONSENT else Q()

    def allows(self, *, reader: ClinicalReader, access: RecordAccess, found: Found) -> bool:
        if access.basis != AccessBasis.CONSENT:
            return True
        return any(consent.pk == int(found.resource["id"]) for consent in access.consents)


CONSENT = ConsentType(
    resource=ResourceType(
        name="Consent",
        params=(
            _patient_param("Consent"),
            SearchParam(
                "status",
                "token",
                gettext_lazy(
                    "proposed (waiting for the patient), active (granted and in force), "
                    "rejected (refused) or inactive (withdrawn or ended); system "
                    "http://hl7.org/fhir/consent-state-codes."
                ),
                definition=f"{SP}/Consent-status",
            ),
        ),
        sources=(
            Source(
                model=Consent,
                to_resource=lambda row: consent_resource(row, REST),
                select_related=("requester__practitioner", "facility"),
                filters={
                    "patient": reference_filter("patient_id"),
                    "status": _codes(
                        CONSENT_STATE_SYSTEM,
                        {
                            code: _consent_state(code)
                            for code in ("proposed", "active", "rejected", "inactive")
                        },
                    ),
                },
                ordering=("-requested_at", "-pk"),
            ),
        ),
    ),
    patient_field="patient_id",
    date_field=None,
    map_row=lambda row: consent_resource(row, REST),
)

# --- ServiceRequest and DiagnosticReport (lab orders and their signed reports) -------------
# Both fall under the ABDM type DiagnosticReport (HI_TYPE_OF), so `visible` and `allows` need
# nothing of their own.

LAB_ORDER_RELATED = ("panel", "ordered_by__practitioner", "signed_by__practitioner")
SIGNED = Q(status=LabOrderStatus.SIGNED)


SERVICE_REQUEST = ClinicalType(
    resource=ResourceType(
        name="ServiceRequest",
        params=(
            _patient_param("ServiceRequest"),
            _subject_param("ServiceRequest"),
            _encounter_param("ServiceRequest"),
            SearchParam(
                "status",
                "token",
                gettext_lazy(
                    "active (ordered, sample collected or results entered), completed (the "
                    "report is signed off) or revoked (cancelled); system "
                    "http://hl7.org/fhir/request-status."
                ),
                definition=f"{SP}/ServiceRequest-status",
            ),
            _date_param("authored", f"{SP}/ServiceRequest-authored", DATE_HELP),
        ),
        sources=(
            Source(
                model=LabOrder,
                to_resource=lambda row: service_request_resource(row, REST),
                select_related=LAB_ORDER_RELATED,
                filters={
                    "patient": reference_filter("patient_id"),
                    "subject": reference_filter("patient_id"),
                    "encounter": reference_filter("encounter_id"),
                    "status": _codes(
                        REQUEST_STATUS_SYSTEM,
                        {
                            "active": Q(
                                status__in=[
                                    LabOrderStatus.ORDERED,
                                    LabOrderStatus.COLLECTED,
                                    LabOrderStatus.RESULTED,
                                ]
                            ),
                            "completed": SIGNED,
                            "revoked": Q(status=LabOrderStatus.CANCELLED),
                        },
                    ),
                    "authored": date_filter("ordered_at"),
                },
                ordering=("-ordered_at", "-pk"),
            ),
        ),
    ),
    patient_field="patient_id",
    date_field="ordered_at",
    map_row=lambda row: service_request_resource(row, REST),
)

DIAGNOSTIC_REPORT = ClinicalType(
    resource=ResourceType(
        name="DiagnosticReport",
        params=(
            _patient_param("DiagnosticReport"),
            _subject_param("DiagnosticReport"),
            _encounter_param("DiagnosticReport"),
            SearchParam(
                "status",
                "token",
                gettext_lazy(
                    "final (signed off) or amended (a value was corrected after sign-off); "
                    "system http://hl7.org/fhir/diagnostic-report-status. Reports not yet "
                    "signed off are never returned."
                ),
                definition=f"{SP}/DiagnosticReport-status",
            ),
            SearchParam(
                "code",
                "token",
                gettext_lazy(
                    "The test's LOINC code (system http://loinc.org), e.g. 58410-2 complete "
                    "blood count, 57698-3 lipid profile, 4548-4 HbA1c."
                ),
                definition=f"{SP}/clinical-code",
            ),
            _date_param(
                "date",
                f"{SP}/clinical-date",
                gettext_lazy(
                    "When the sample was collected. A day (YYYY-MM-DD, the whole day in India "
                    "time), a month, a year or a dateTime, with prefix eq, ne, gt, lt, ge or le."
                ),
            ),
        ),
        sources=(
            Source(
                model=LabOrder,
                to_resource=lambda row: diagnostic_report_resource(row, REST),
                select_related=LAB_ORDER_RELATED,
                prefetch_related=(lab_current_results(),),
                filters={
                    "patient": reference_filter("patient_id"),
                    "subject": reference_filter("patient_id"),
                    "encounter": reference_filter("encounter_id"),
                    "status": _codes(
                        DIAGNOSTIC_REPORT_STATUS_SYSTEM,
                        {
                            "final": Q(amended_at__isnull=True),
                            "amended": Q(amended_at__isnull=False),
                        },
                    ),
                    "code": token_filter({LOINC: "panel__loinc"}),
                    "date": date_filter("collected_at"),
                },
                ordering=("-signed_at", "-pk"),
            ),
        ),
    ),
    patient_field="patient_id",
    date_field="signed_at",
    map_row=lambda row: diagnostic_report_resource(row, REST),
    rows=SIGNED,
)

# --- Observation (vital signs and lab results) ---------------------------------------------

# LOINC code -> the readings of a set of vital signs that give that Observation.
READINGS: dict[str, Q] = {
    "85354-9": Q(systolic_mmhg__isnull=False, diastolic_mmhg__isnull=False),
    "8867-4": Q(pulse_per_min__isnull=False),
    "8310-5": Q(temperature_c__isnull=False),
    "59408-5": Q(spo2_percent__isnull=False),
    "9279-1": Q(respiratory_rate__isnull=False),
    "29463-7": Q(weight_kg__isnull=False),
    "8302-2": Q(height_cm__isnull=False),
    "39156-5": Q(weight_kg__isnull=False, height_cm__isnull=False),
    "1558-6": Q(glucose_mg_dl__isnull=False, glucose_fasting=True),
    "2339-0": Q(glucose_mg_dl__isnull=False) & ~Q(glucose_fasting=True),
}
assert set(READINGS) == set(OBSERVATION_CATEGORIES)
OBSERVATION_RELATED = ("encounter", "recorded_by__practitioner")
# The pseudo-code of lab results in the (date, id, code) pairs of a search.
LAB = "lab"
# The record type lab results are read as (their ABDM type is DiagnosticReport's).
LAB_RECORD_TYPE = "DiagnosticReport"
# A current value of a signed report; dated by the sign-off for access (HI type
# DiagnosticReport), by the sample for the date parameter.
LAB_RESULT_ROWS = Q(is_current=True, order__status=LabOrderStatus.SIGNED)
LAB_RESULT_RELATED = (
    "parameter",
    "entered_by__practitioner",
    "order",
    "order__signed_by__practitioner",
)
LAB_RESULTS = Source(
    model=LabResult,
    to_resource=lambda row: lab_observation(row, row.order, REST),
    select_related=LAB_RESULT_RELATED,
    filters={
        "patient": reference_filter("patient_id"),
        "subject": reference_filter("patient_id"),
        "encounter": reference_filter("order__encounter_id"),
        "category": _match_all,
        "code": _match_all,
        "date": date_filter("order__collected_at"),
    },
    ordering=("-order__collected_at", "-pk"),
)


def observation_id_parse(resource_id: str) -> tuple[int, str] | None:
    """`12-8867-4` -> (12, "8867-4"), `lab-40` -> (40, "lab"); None when it is not such an id."""
    if resource_id.startswith(LAB_RESULT_PREFIX):
        pk = parse_pk(resource_id.removeprefix(LAB_RESULT_PREFIX))
        return (pk, LAB) if pk is not None else None
    head, dash, code = resource_id.partition("-")
    pk = parse_pk(head)
    if not dash or pk is None or code not in READINGS:
        return None
    return pk, code


def _code_values(value: SearchValue) -> set[str]:
    """The LOINC codes asked for (any code: lab parameters have many)."""
    assert isinstance(value, TokenValue)
    return {value.code} if value.system in (None, LOINC) else set()


def _category_values(value: SearchValue) -> set[str]:
    """The vital-signs codes of the category asked for, and LAB when it is laboratory."""
    assert isinstance(value, TokenValue)
    if value.system not in (None, OBSERVATION_CATEGORY):
        return set()
    found = {code for code, category in OBSERVATION_CATEGORIES.items() if category == value.code}
    return found | {LAB} if value.code == "laboratory" else found


def _lab_found(result: LabResult) -> Found:
    signed = result.order.signed_at
    on = timezone.localdate(signed) if signed is not None else None
    return Found(result.patient_id, on, lab_observation(result, result.order, REST))


@dataclass(frozen=True)
class ObservationType(ClinicalType):
    """One Observation per reading of a set of vital signs, and one per current value of a
    signed lab report: a search runs over (date, row id, LOINC code or "lab") triples, so
    counts and pages are exact across both."""

    def found_all(self, vitals: VitalSigns) -> list[Found]:
        patient_id = vitals.encounter.patient_id
        on = timezone.localdate(vitals.recorded_at)
        return [Found(patient_id, on, resource) for resource in vitals_observations(vitals, REST)]

    def allows(self, *, reader: ClinicalReader, access: RecordAccess, found: Found) -> bool:
        if found.resource["id"].startswith(LAB_RESULT_PREFIX):
            return access.allows(LAB_RECORD_TYPE, found.on)
        return access.allows(self.name, found.on)

    def get(self, resource_id: str) -> Found | None:
        parsed = observation_id_parse(resource_id)
        if parsed is None:
            return None
        pk, code = parsed
        if code == LAB:
            result = LAB_RESULTS.queryset().filter(LAB_RESULT_ROWS, pk=pk).first()
            return _lab_found(result) if result is not None else None
        vitals = self.source.queryset().filter(pk=pk).first()
        if vitals is None:
            return None
        return next((f for f in self.found_all(vitals) if f.resource["id"] == resource_id), None)

    def _lab_where(self, reach: Reach) -> Q:
        return (
            LAB_RESULT_ROWS
            & Q(patient_id__in=list(reach.patient_ids))
            & reach.access.dates_q(LAB_RECORD_TYPE, "order__signed_at__date")
            & _between("order__signed_at", reach.start, reach.end)
        )

    def _pairs(self, query: SearchQuery, reach: Reach) -> QuerySet[Any] | None:
        """(date, row id, LOINC code or LAB) of every Observation that matches."""
        codes: dict[str, Q] = {code: Q() for code in READINGS}
        lab: Q | None = Q()
        rest = []
        for param, values in query.criteria:
            if param.name == "code":
                allowed = reduce(or_, (_code_values(value) for value in values))
                codes = {code: q for code, q in codes.items() if code in allowed}
                lab = lab & Q(parameter__loinc__in=sorted(allowed)) if lab is not None else None
            elif param.name == "category":
                allowed = reduce(or_, (_category_values(value) for value in values))
                codes = {code: q for code, q in codes.items() if code in allowed}
                lab = lab if LAB in allowed else None
            elif param.name == "_id":
                wanted: dict[str, set[int]] = {}
                for value in values:
                    assert isinstance(value, TokenValue)
                    parsed = observation_id_parse(value.code) if not value.system else None
                    if parsed is not None:
                        wanted.setdefault(parsed[1], set()).add(parsed[0])
                codes = {
                    code: q & Q(pk__in=sorted(wanted[code]))
                    for code, q in codes.items()
                    if code in wanted
                }
                lab = (
                    lab & Q(pk__in=sorted(wanted[LAB]))
                    if lab is not None and LAB in wanted
                    else None
                )
            else:
                rest.append((param, values))
        others = replace(query, criteria=tuple(rest))
        selects: list[QuerySet[Any]] = []
        if codes:
            base = VitalSigns.objects.filter(
                source_filter(self.source, others), super().where(reach)
            )
            selects = [
                base.filter(READINGS[code], extra)
                .annotate(loinc=Value(code, output_field=CharField()))
                .values_list("recorded_at", "id", "loinc")
                .order_by()
                for code, extra in codes.items()
            ]
        if lab is not None:
            selects.append(
                LabResult.objects.filter(
                    source_filter(LAB_RESULTS, others), self._lab_where(reach), lab
                )
                .annotate(
                    recorded_at=F("order__collected_at"),
                    loinc=Value(LAB, output_field=CharField()),
                )
                .values_list("recorded_at", "id", "loinc")
                .order_by()
            )
        if not selects:
            return None
        first, *more = selects
        return first.union(*more, all=True) if more else first

    def matches(self, query: SearchQuery, reach: Reach) -> Matches:
        pairs = self._pairs(query, reach)
        return NoMatches() if pairs is None else ObservationMatches(self, pairs)


@dataclass(frozen=True)
class ObservationMatches(Matches):
    clinical: ObservationType
    pairs: QuerySet[Any]

    def count(self) -> int:
        return self.pairs.count()

    def slice(self, offset: int, limit: int) -> list[Found]:
        page = list(self.pairs.order_by("-recorded_at", "-id", "loinc")[offset : offset + limit])
        vitals = self.clinical.source.queryset().in_bulk(
            {pk for _at, pk, code in page if code != LAB}
        )
        results = LAB_RESULTS.queryset().in_bulk({pk for _at, pk, code in page if code == LAB})
        built: dict[int, dict[str, Found]] = {}
        found = []
        for _at, pk, code in page:
            if code == LAB:
                found.append(_lab_found(results[pk]))
                continue
            if pk not in built:
                built[pk] = {
                    f.resource["id"].split("-", 1)[1]: f
                    for f in self.clinical.found_all(vitals[pk])
                }
            found.append(built[pk][code])
        return found


OBSERVATION = ObservationType(
    resource=ResourceType(
        name="Observation",
        params=(
            _patient_param("Observation"),
            _subject_param("Observation"),
            _encounter_param("Observation"),
            SearchParam(
                "category",
                "token",
                gettext_lazy(
                    "vital-signs (blood pressure, pulse, temperature, SpO2, respiratory rate, "
                    "weight, height, BMI) or laboratory (the values of signed lab reports, and "
                    "blood glucose taken with the vital signs); system "
                    "http://terminology.hl7.org/CodeSystem/observation-category."
                ),
                definition=f"{SP}/Observation-category",
            ),
            SearchParam(
                "code",
                "token",
                gettext_lazy(
                    "The LOINC code (system http://loinc.org), e.g. 85354-9 blood pressure, "
                    "8867-4 pulse, 8310-5 temperature, 29463-7 weight, 2339-0 blood glucose, "
                    "718-7 haemoglobin of a lab report."
                ),
                definition=f"{SP}/clinical-code",
            ),
            _date_param(
                "date",
                f"{SP}/clinical-date",
                gettext_lazy(
                    "When the vital signs were taken, or the lab sample collected. A day "
                    "(YYYY-MM-DD, the whole day in India time), a month, a year or a dateTime, "
                    "with prefix eq, ne, gt, lt, ge or le; repeat the parameter for a range, "
                    "e.g. date=ge2025-01-01&date=lt2026-01-01."
                ),
            ),
        ),
        sources=(
            Source(
                model=VitalSigns,
                to_resource=lambda row: vitals_observations(row, REST)[0],
                select_related=OBSERVATION_RELATED,
                filters={
                    "patient": reference_filter("encounter__patient_id"),
                    "subject": reference_filter("encounter__patient_id"),
                    "encounter": reference_filter("encounter_id"),
                    "category": _match_all,
                    "code": _match_all,
                    "date": date_filter("recorded_at"),
                },
                ordering=("-recorded_at", "-pk"),
            ),
        ),
    ),
    patient_field="encounter__patient_id",
    date_field="recorded_at",
    map_row=lambda row: vitals_observations(row, REST)[0],
)

# In the order $everything returns them, after the Patient.
CLINICAL_TYPES: dict[str, ClinicalType] = {
    clinical.name: clinical
    for clinical in (
        ENCOUNTER,
        CONDITION,
        OBSERVATION,
        ALLERGY,
        MEDICATION_REQUEST,
        SERVICE_REQUEST,
        DIAGNOSTIC_REPORT,
        CONSENT,
    )
}


def named_patient_ids(query: SearchQuery) -> tuple[bool, set[int | None]]:
    """Whether the search names a patient (patient or subject), and the ids it names (None
    for a value that is no id of ours)."""
    named = False
    ids: set[int | None] = set()
    for param, values in query.criteria:
        if param.name in PATIENT_PARAMS:
            named = True
            for value in values:
                ids.add(parse_pk(getattr(value, "id", "")))
    return named, ids
