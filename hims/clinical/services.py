"""Writing the OPD consultation. Every write locks the encounter row first, so a visit being
closed on another screen is either closed before the write (which is then refused) or after
it; a closed visit changes only by addendum. Every write is one access-log entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import (
    AllergySeverity,
    AllergyStatus,
    DiagnosisCertainty,
    DiagnosisKind,
    EncounterStatus,
    Frequency,
    Route,
    Timing,
)
from hims.clinical.models import (
    PLAUSIBLE,
    Addendum,
    Allergy,
    Diagnosis,
    Encounter,
    Icd10Code,
    Medicine,
    PrescriptionItem,
    VitalSigns,
)
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import Conflict, ValidationFailed
from hims.scheduling.choices import TokenStatus
from hims.scheduling.models import QueueToken
from hims.scheduling.queues import token_complete, token_start

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User


class PrescriptionWarning(Conflict):
    """A known allergy or duplicate therapy: the doctor may go ahead, giving a reason."""

    code = "prescription_warning"


class EncounterClosed(Conflict):
    code = "encounter_closed"
    default_message = _("This visit is closed; add an addendum instead.")


def _log(
    encounter: Encounter,
    actor: User,
    action: str,
    resource_type: str,
    resource_id: object,
    request: HttpRequest | None,
) -> None:
    access_record(
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        patient_id=encounter.patient_id,
        facility=encounter.facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )


def _locked_open(encounter: Encounter) -> Encounter:
    """The encounter row, locked for this transaction; refused when it is closed."""
    locked = (
        Encounter.objects.select_for_update(of=("self",))
        .select_related("facility", "patient")
        .get(pk=encounter.pk)
    )
    if locked.is_closed:
        raise EncounterClosed()
    return locked


def encounter_start(
    *, token: QueueToken, actor: User, request: HttpRequest | None = None
) -> Encounter:
    """Open the visit for a called token (the doctor pressed "start"); the token goes into the
    room. Starting again returns the same visit."""
    with transaction.atomic():
        token = QueueToken.objects.select_for_update().select_related("queue").get(pk=token.pk)
        existing = Encounter.objects.filter(token=token).first()
        if existing is not None:
            return existing
        if token.patient_id is None:
            raise ValidationFailed(_("This token has no registered patient yet."))
        if token.status not in (TokenStatus.CALLED, TokenStatus.IN_CONSULTATION):
            raise Conflict(_("Call the token before starting the visit."))
        if token.status == TokenStatus.CALLED:
            token_start(token=token)
        encounter = Encounter.objects.create(
            patient_id=token.patient_id,
            facility_id=token.queue.facility_id,
            department_id=token.queue.department_id,
            practitioner=actor,
            token=token,
            appointment_id=token.appointment_id,
        )
        _log(encounter, actor, AccessAction.CREATE, "Encounter", encounter.pk, request)
    return encounter


def encounter_notes_save(
    *,
    encounter: Encounter,
    actor: User,
    chief_complaint: str,
    examination: str,
    advice: str,
    request: HttpRequest | None = None,
) -> Encounter:
    with transaction.atomic():
        locked = _locked_open(encounter)
        locked.chief_complaint = chief_complaint.strip()[:4000]
        locked.examination = examination.strip()[:4000]
        locked.advice = advice.strip()[:4000]
        locked.save(update_fields=["chief_complaint", "examination", "advice"])
        _log(locked, actor, AccessAction.UPDATE, "Encounter", locked.pk, request)
    return locked


def _reading(field: str, raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationFailed(_("Enter a number."), field=field) from None
    low, high = PLAUSIBLE[field]
    if not value.is_finite() or not low <= value <= high:
        label = getattr(VitalSigns._meta.get_field(field), "verbose_name", field)
        raise ValidationFailed(
            _("%(reading)s should be between %(low)s and %(high)s; check what was typed."),
            field=field,
            params={"reading": str(label).capitalize(), "low": low, "high": high},
        )
    return value


INTEGER_READINGS = {
    "systolic_mmhg",
    "diastolic_mmhg",
    "pulse_per_min",
    "spo2_percent",
    "respiratory_rate",
    "glucose_mg_dl",
}


def vitals_record(
    *,
    encounter: Encounter,
    actor: User,
    readings: dict[str, Any],
    glucose_fasting: bool | None = None,
    request: HttpRequest | None = None,
) -> VitalSigns:
    """Record a set of readings (any of them; at least one). An implausible value is refused
    with the reading named and nothing is written."""
    unknown = set(readings) - set(PLAUSIBLE)
    if unknown:
        raise ValidationFailed(_("Unknown reading."), field=sorted(unknown)[0])
    values: dict[str, Any] = {}
    for field in PLAUSIBLE:
        value = _reading(field, readings.get(field))
        if value is not None and field in INTEGER_READINGS:
            if value != value.to_integral_value():
                raise ValidationFailed(_("Enter a whole number."), field=field)
            value = int(value)  # type: ignore[assignment]
        values[field] = value
    if not any(v is not None for v in values.values()):
        raise ValidationFailed(_("Enter at least one reading."))
    systolic, diastolic = values["systolic_mmhg"], values["diastolic_mmhg"]
    if (systolic is None) != (diastolic is None):
        raise ValidationFailed(_("Enter both BP readings."), field="systolic_mmhg")
    if systolic is not None and systolic <= diastolic:
        raise ValidationFailed(
            _("The systolic BP must be higher than the diastolic."), field="systolic_mmhg"
        )
    with transaction.atomic():
        locked = _locked_open(encounter)
        vitals = VitalSigns.objects.create(
            encounter=locked,
            recorded_by=actor,
            glucose_fasting=glucose_fasting if values["glucose_mg_dl"] is not None else None,
            **values,
        )
        _log(locked, actor, AccessAction.CREATE, "Observation", vitals.pk, request)
    return vitals


def diagnosis_add(
    *,
    encounter: Encounter,
    actor: User,
    code: str,
    kind: str = DiagnosisKind.PRIMARY,
    certainty: str = DiagnosisCertainty.PROVISIONAL,
    request: HttpRequest | None = None,
) -> Diagnosis:
    if kind not in DiagnosisKind.values or certainty not in DiagnosisCertainty.values:
        raise ValidationFailed(_("Choose the kind and certainty of the diagnosis."), field="kind")
    icd = Icd10Code.objects.filter(code=code.strip().upper()).first()
    if icd is None:
        raise ValidationFailed(_("Choose a diagnosis from the ICD-10 list."), field="code")
    with transaction.atomic():
        locked = _locked_open(encounter)
        if Diagnosis.objects.filter(encounter=locked, code=icd).exists():
            raise Conflict(_("This diagnosis is already recorded for the visit."), field="code")
        if (
            kind == DiagnosisKind.PRIMARY
            and Diagnosis.objects.filter(encounter=locked, kind=DiagnosisKind.PRIMARY).exists()
        ):
            raise Conflict(
                _("The visit has a main diagnosis already; add this one as another."),
                field="kind",
            )
        diagnosis = Diagnosis.objects.create(
            encounter=locked, code=icd, kind=kind, certainty=certainty, recorded_by=actor
        )
        _log(locked, actor, AccessAction.CREATE, "Condition", diagnosis.pk, request)
    return diagnosis


def allergy_record(
    *,
    encounter: Encounter,
    actor: User,
    substance: str,
    reaction: str = "",
    severity: str = AllergySeverity.MODERATE,
    request: HttpRequest | None = None,
) -> Allergy:
    """A known allergy of the patient, noted during the visit (kept across visits)."""
    substance = " ".join(substance.split())
    if not substance:
        raise ValidationFailed(_("Say what the patient is allergic to."), field="substance")
    if severity not in AllergySeverity.values:
        raise ValidationFailed(_("Choose how severe the reaction is."), field="severity")
    with transaction.atomic():
        locked = _locked_open(encounter)
        try:
            with transaction.atomic():
                allergy = Allergy.objects.create(
                    patient_id=locked.patient_id,
                    substance=substance[:120],
                    reaction=reaction.strip()[:200],
                    severity=severity,
                    encounter=locked,
                    recorded_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("This allergy is already on the patient's record."), field="substance"
            ) from None
        _log(locked, actor, AccessAction.CREATE, "AllergyIntolerance", allergy.pk, request)
    return allergy


def encounter_close(
    *,
    encounter: Encounter,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Encounter:
    """Close the visit (and finish the token). From now on it changes only by addendum."""
    with transaction.atomic():
        locked = _locked_open(encounter)
        now = now or timezone.now()  # once the row is ours: every earlier write is before it
        if not locked.chief_complaint and not locked.diagnoses.exists():
            raise ValidationFailed(
                _("Write the complaints or a diagnosis before closing the visit."),
                field="chief_complaint",
            )
        Encounter.objects.filter(pk=locked.pk, status=EncounterStatus.IN_PROGRESS).update(
            status=EncounterStatus.CLOSED, closed_at=now
        )
        if locked.token_id is not None:
            token = QueueToken.objects.get(pk=locked.token_id)
            if token.status in (TokenStatus.CALLED, TokenStatus.IN_CONSULTATION):
                token_complete(token=token, now=now)
        _log(locked, actor, AccessAction.UPDATE, "Encounter", locked.pk, request)
        if locked.patient.abha_number and locked.facility.hfr_id:
            transaction.on_commit(lambda: _care_context_link_later(locked.pk))
    locked.refresh_from_db()
    return locked


def _care_context_link_later(encounter_id: int) -> None:
    """The closed visit becomes a care context of the patient's ABHA, in a worker (the ABDM
    gateway is slow and may be down; the visit is closed either way)."""
    from hims.abdm.tasks import link_care_context  # the ABDM app builds on this one

    link_care_context.delay(encounter_id)


def addendum_add(
    *, encounter: Encounter, actor: User, text: str, request: HttpRequest | None = None
) -> Addendum:
    """A note on a closed visit, signed and timed; the visit itself stays as it was closed."""
    text = text.strip()
    if not text:
        raise ValidationFailed(_("Write the addendum."), field="text")
    with transaction.atomic():
        locked = (
            Encounter.objects.select_for_update().select_related("facility").get(pk=encounter.pk)
        )
        if not locked.is_closed:
            raise Conflict(_("The visit is still open: edit it directly."))
        addendum = Addendum.objects.create(encounter=locked, author=actor, text=text[:4000])
        _log(locked, actor, AccessAction.UPDATE, "Encounter", locked.pk, request)
    return addendum


def _allergy_hits(patient_id: int, medicine: Medicine) -> list[Allergy]:
    """Active allergies of the patient that name this medicine, its salt's words, its allergy
    group or its class (an allergy to "penicillin" covers amoxicillin)."""
    names = {medicine.salt.lower(), medicine.therapeutic_class.lower()}
    names |= {w for w in medicine.salt.lower().replace(",", " ").split() if len(w) > 3}
    if medicine.allergy_group:
        names.add(medicine.allergy_group.lower())
    hits = []
    for allergy in Allergy.objects.filter(patient_id=patient_id, status=AllergyStatus.ACTIVE):
        substance = allergy.substance.lower()
        if any(name in substance or substance in name for name in names if name):
            hits.append(allergy)
    return hits


def prescription_item_add(
    *,
    encounter: Encounter,
    actor: User,
    medicine_id: int,
    dose: Any,
    frequency: str,
    duration_days: Any,
    timing: str = Timing.AFTER_FOOD,
    route: str = Route.ORAL,
    instructions: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> PrescriptionItem:
    """Prescribe one medicine in the visit. A known allergy or a second medicine of the same
    class is refused with a warning (`PrescriptionWarning`) unless the doctor gives a reason,
    which is kept with the item."""
    medicine = Medicine.objects.filter(pk=medicine_id, is_active=True).first()
    if medicine is None:
        raise ValidationFailed(_("Choose a medicine from the list."), field="medicine")
    try:
        amount = Decimal(str(dose).strip())
    except InvalidOperation:
        raise ValidationFailed(_("Enter the dose as a number."), field="dose") from None
    if not amount.is_finite() or not Decimal(0) < amount <= Decimal(100):
        raise ValidationFailed(_("Enter the dose as a number."), field="dose")
    try:
        days = int(str(duration_days).strip())
    except ValueError:
        raise ValidationFailed(
            _("Enter the number of days (1 to 365)."), field="duration_days"
        ) from None
    if not 1 <= days <= 365:
        raise ValidationFailed(_("Enter the number of days (1 to 365)."), field="duration_days")
    if frequency not in Frequency.values:
        raise ValidationFailed(_("Choose how often."), field="frequency")
    if timing not in Timing.values or route not in Route.values:
        raise ValidationFailed(_("Choose when and how it is taken."), field="timing")
    override_reason = override_reason.strip()
    with transaction.atomic():
        locked = _locked_open(encounter)
        if PrescriptionItem.objects.filter(encounter=locked, medicine=medicine).exists():
            raise Conflict(_("This medicine is already prescribed in the visit."), field="medicine")
        if not override_reason:
            allergies = _allergy_hits(locked.patient_id, medicine)
            if allergies:
                raise PrescriptionWarning(
                    _(
                        "The patient is allergic to %(substance)s. Give a reason to prescribe it anyway."
                    ),
                    field="override_reason",
                    params={"substance": allergies[0].substance},
                )
            same = (
                PrescriptionItem.objects.filter(
                    encounter=locked, medicine__therapeutic_class=medicine.therapeutic_class
                )
                .select_related("medicine")
                .first()
            )
            if same is not None:
                raise PrescriptionWarning(
                    _("%(other)s is of the same kind already. Give a reason to add this one too."),
                    field="override_reason",
                    params={"other": same.medicine.salt},
                )
        item = PrescriptionItem.objects.create(
            encounter=locked,
            medicine=medicine,
            dose=amount,
            frequency=frequency,
            timing=timing,
            route=route,
            duration_days=days,
            instructions=instructions.strip()[:200],
            warning_override=override_reason[:200],
            prescribed_by=actor,
        )
        _log(locked, actor, AccessAction.CREATE, "MedicationRequest", item.pk, request)
    return item
