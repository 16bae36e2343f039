"""Writes to the master patient index: register, change, merge. Every write is audited."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.access import access_record_patient
from hims.core.choices import AccessAction
from hims.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from hims.lib.identifiers import format_uhid, uhid_from_serial
from hims.lib.phonetic import name_key
from hims.patients.choices import RegistrationChannel
from hims.patients.forms import PATIENT_FIELDS, PatientDataForm
from hims.patients.matching import Candidate, candidate_list
from hims.patients.models import Patient, PatientChange, PatientMerge, PatientNameKey

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility

UHID_ATTEMPTS = 5


class DuplicateSuspected(Conflict):
    """Likely the same person is already registered; the caller shows the candidates."""

    code = "duplicate_suspected"
    default_message = _("This person may already be registered. Check the records below first.")

    def __init__(self, candidates: list[Candidate]) -> None:
        super().__init__()
        self.candidates = candidates


def uhid_new() -> str:
    return uhid_from_serial(secrets.randbelow(10**9))


def patient_data_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalize demographics from any channel; raises ValidationFailed with every error."""
    form = PatientDataForm(data=data)
    if not form.is_valid():
        raise ValidationFailed(
            errors={name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    cleaned = {name: form.cleaned_data.get(name) for name in PATIENT_FIELDS}
    for name in PATIENT_FIELDS:
        if cleaned[name] is None and name not in {"abha_number", "abha_address", "birth_date"}:
            cleaned[name] = False if name == "birth_date_is_estimated" else ""
    return cleaned


def name_key_remember(*, key: str) -> None:
    if key:
        PatientNameKey.objects.bulk_create([PatientNameKey(key=key)], ignore_conflicts=True)


def _identity_conflict(error: IntegrityError, cleaned: dict[str, Any]) -> ValidationFailed:
    text = str(error).lower()
    if "abha_number" in text:
        owner = Patient.objects.filter(abha_number=cleaned.get("abha_number")).first()
        return ValidationFailed(
            _("This ABHA number is already registered, to UHID %(uhid)s.")
            % {"uhid": owner.uhid_display if owner else "?"},
            field="abha_number",
        )
    if "abha_address" in text:
        return ValidationFailed(
            _("This ABHA address is already registered to another patient."), field="abha_address"
        )
    raise error


def patient_register(
    *,
    data: Mapping[str, Any],
    actor: User | None,
    facility: Facility | None,
    channel: str = RegistrationChannel.COUNTER,
    confirm_new: bool = False,
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> Patient:
    """Register a person once for the whole network.

    Likely duplicates stop the registration (DuplicateSuspected, with scored candidates)
    unless the clerk confirmed that none of them is this person. An ABHA number can never be
    registered twice: the unique index decides, even for two clerks at the same instant.
    """
    cleaned = patient_data_clean(data)
    if not confirm_new:
        candidates = candidate_list(data=cleaned)
        if candidates:
            raise DuplicateSuspected(candidates)
    key = name_key(cleaned["name"]) or name_key(cleaned["name_hi"])
    for _attempt in range(UHID_ATTEMPTS):
        try:
            with transaction.atomic():
                patient = Patient.objects.create(
                    uhid=uhid_new(),
                    name_key=key,
                    registered_at=facility,
                    registered_by=actor,
                    registration_channel=channel,
                    **cleaned,
                    **(extra or {}),
                )
                name_key_remember(key=key)
                PatientChange.objects.create(
                    patient=patient,
                    changed_by=actor,
                    facility=facility,
                    action="created",
                    changes={
                        k: [None, _jsonable(v)]
                        for k, v in cleaned.items()
                        if v not in ("", None, False)
                    },
                )
                access_record_patient(
                    actor=actor,
                    patient_id=patient.pk,
                    action=AccessAction.CREATE,
                    facility=facility,
                    request=request,
                    actor_role=channel,
                )
                return patient
        except IntegrityError as error:
            if "uhid" in str(error).lower():
                continue
            raise _identity_conflict(error, cleaned) from error
    raise RuntimeError("could not allocate a UHID")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def patient_update(
    *,
    patient: Patient,
    data: Mapping[str, Any],
    actor: User,
    facility: Facility | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Patient:
    """Change demographics; the history keeps every field's old and new value."""
    if patient.merged_into is not None:
        raise Conflict(
            _("This record was merged into %(uhid)s; change that one.")
            % {"uhid": patient.merged_into.uhid_display}
        )
    cleaned = patient_data_clean(data)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        changes = {
            name: [_jsonable(getattr(locked, name)), _jsonable(value)]
            for name, value in cleaned.items()
            if getattr(locked, name) != value
        }
        if not changes:
            return locked
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.name_key = name_key(locked.name) or name_key(locked.name_hi)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise _identity_conflict(error, cleaned) from error
        name_key_remember(key=locked.name_key)
        PatientChange.objects.create(
            patient=locked,
            changed_by=actor,
            facility=facility,
            action="updated",
            changes=changes,
            reason=reason[:300],
        )
        access_record_patient(
            actor=actor,
            patient_id=locked.pk,
            action=AccessAction.UPDATE,
            facility=facility,
            request=request,
        )
    return locked


# --- merge --------------------------------------------------------------------------------

MERGE_FILL_FIELDS = [
    "name_hi",
    "abha_number",
    "abha_address",
    "mobile",
    "address_line",
    "locality",
    "district",
    "pincode",
    "emergency_contact_name",
    "emergency_contact_mobile",
    "emergency_contact_relation",
]
# Relations that describe the merge itself and must not be moved.
_MERGE_SKIP = {("patients", "patientmerge"), ("patients", "patient")}


def _snapshot(patient: Patient) -> dict[str, Any]:
    return {name: _jsonable(getattr(patient, name)) for name in ["uhid", *PATIENT_FIELDS]}


def patient_merge(
    *,
    survivor_id: int,
    loser_id: int,
    actor: User,
    facility: Facility | None,
    reason: str,
    request: HttpRequest | None = None,
) -> PatientMerge:
    """Merge two records of one person. Every row linked to the loser moves to the survivor in
    one transaction; the loser keeps its UHID and redirects; blank survivor fields are filled
    from the loser. Both rows are locked in key order, so two merges cannot cross."""
    if survivor_id == loser_id:
        raise ValidationFailed(_("Choose two different records to merge."))
    if not reason.strip():
        raise ValidationFailed(_("Say why these records are the same person."), field="reason")
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Patient.objects.select_for_update()
            .filter(pk__in=[survivor_id, loser_id])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise NotFound(_("One of the records does not exist."))
        survivor, loser = locked[survivor_id], locked[loser_id]
        if survivor.merged_into_id or loser.merged_into_id:
            raise Conflict(_("One of these records has already been merged."))
        snapshot = _snapshot(loser)
        moved: dict[str, int] = {}
        earlier = Patient.objects.filter(merged_into=loser).update(merged_into=survivor)
        if earlier:
            moved["patients.patient.merged_into"] = earlier
        for relation in Patient._meta.related_objects:
            model = cast("type[Model]", relation.related_model)
            label = (model._meta.app_label, model._meta.model_name)
            if label in _MERGE_SKIP or not relation.field.concrete:
                continue
            count = model._base_manager.filter(**{relation.field.name: loser}).update(
                **{relation.field.name: survivor}
            )
            if count:
                moved[f"{label[0]}.{label[1]}.{relation.field.name}"] = count
        filled: dict[str, list[Any]] = {}
        loser_values = {name: getattr(loser, name) for name in MERGE_FILL_FIELDS}
        loser.abha_number = None
        loser.abha_address = None
        loser.merged_into = survivor
        loser.save(update_fields=["abha_number", "abha_address", "merged_into", "updated_at"])
        for name, value in loser_values.items():
            if value and not getattr(survivor, name):
                setattr(survivor, name, value)
                filled[name] = [None, _jsonable(value)]
        if filled:
            survivor.save()
        merge = PatientMerge.objects.create(
            survivor=survivor,
            loser=loser,
            merged_by=actor,
            reason=reason[:300],
            loser_snapshot=snapshot,
            moved=moved,
        )
        note = _("merged from %(uhid)s") % {"uhid": format_uhid(loser.uhid)}
        PatientChange.objects.create(
            patient=survivor,
            changed_by=actor,
            facility=facility,
            action="merged",
            changes=filled,
            reason=str(note),
        )
        PatientChange.objects.create(
            patient=loser,
            changed_by=actor,
            facility=facility,
            action="merged",
            changes={"merged_into": [None, survivor.uhid]},
            reason=reason[:300],
        )
        for patient in (survivor, loser):
            access_record_patient(
                actor=actor,
                patient_id=patient.pk,
                action=AccessAction.MERGE,
                facility=facility,
                request=request,
                reason=reason,
            )
    return merge


def patient_merge_review(*, merge: PatientMerge, actor: User) -> PatientMerge:
    if merge.merged_by_id == actor.pk:
        raise AccessDenied(_("Another administrator must review a merge."))
    PatientMerge.objects.filter(pk=merge.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=actor
    )
    merge.refresh_from_db()
    return merge


def patient_create(**fields: Any) -> Patient:
    """Low-level insert with a fresh UHID (tests and the demo seed); real registrations use patient_register."""
    fields.setdefault("name_key", name_key(fields.get("name", "")))
    for _attempt in range(UHID_ATTEMPTS):
        try:
            with transaction.atomic():
                patient = Patient.objects.create(uhid=uhid_new(), **fields)
                name_key_remember(key=patient.name_key)
                return patient
        except IntegrityError as error:
            if "uhid" not in str(error).lower():
                raise
    raise RuntimeError("could not allocate a UHID")
