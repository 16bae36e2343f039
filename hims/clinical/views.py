"""The consultation screen, opened from the doctor's worklist."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.accounts.choices import Role
from hims.clinical import lab, referrals, services
from hims.clinical.choices import (
    AllergyStatus,
    EncounterStatus,
    Frequency,
    ReferralKind,
    ReferralUrgency,
    Timing,
)
from hims.clinical.forms import AddendumForm, AllergyForm, DiagnosisForm, NotesForm, VitalsForm
from hims.clinical.icd10 import icd10_search
from hims.clinical.medicines import item_directions, medicine_search
from hims.clinical.models import (
    PLAUSIBLE,
    Allergy,
    Diagnosis,
    Encounter,
    LabOrder,
    LabPanel,
    Referral,
)
from hims.clinical.prescription import prescription_pdf, prescription_unsign
from hims.clinical.selectors import (
    FLAG_TEXT,
    lab_orders_for_encounter,
    lab_report_rows,
    vitals_flags,
)
from hims.core.access import access_record, access_record_shown
from hims.core.choices import AccessAction, AccessBasis
from hims.core.decorators import StaffRequest, staff_required
from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.network.choices import Gender
from hims.network.models import Department, Facility
from hims.primarycare import services as primarycare
from hims.primarycare.forms import ImmunizationForm, PregnancyEndForm, PregnancyForm
from hims.primarycare.selectors import primarycare_summary_get
from hims.records.access import PURPOSE_TREATMENT, RecordAccess
from hims.records.timeline import summary_get
from hims.scheduling.models import QueueToken, Slot

VISIT_ROLES = {Role.DOCTOR, Role.NURSE}
DOCTOR_ONLY = {
    "notes",
    "diagnosis",
    "allergy",
    "close",
    "addendum",
    "medicine",
    "lab-order",
    "lab-cancel",
    "follow-up",
    "referral",
    "referral-cancel",
}
PRIMARY_CARE_ACTIONS = {"immunization", "pregnancy", "pregnancy-end"}  # nurses and doctors
VISIT_ACTIONS = {"vitals", *PRIMARY_CARE_ACTIONS, *DOCTOR_ONLY}
PREVIOUS_VISITS = 5


def _encounter(request: StaffRequest, encounter_id: int) -> Encounter:
    """The visit, if it is at the facility the staff member works at now; else 404."""
    encounter = (
        Encounter.objects.select_related("patient", "facility", "department__speciality", "token")
        .filter(pk=encounter_id, facility=request.facility)
        .first()
    )
    if encounter is None:
        raise NotFound(_("No such visit at this facility."))
    return encounter


@staff_required(VISIT_ROLES)
@require_POST
def visit_start(request: StaffRequest) -> HttpResponse:
    token_id = request.POST.get("token", "")
    token = (
        QueueToken.objects.filter(
            pk=int(token_id) if token_id.isdigit() else 0, queue__facility=request.facility
        )
        .select_related("queue")
        .first()
    )
    try:
        if token is None:
            raise NotFound(_("No such token today."))
        encounter = services.encounter_start(token=token, actor=request.user, request=request)
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect("opd:worklist")
    return redirect("visit:detail", encounter.pk)


def _treating_access(
    request: StaffRequest, encounter: Encounter, action: str, resource_type: str
) -> None:
    access_record(
        actor=request.user,
        action=action,
        resource_type=resource_type,
        resource_id=encounter.pk,
        patient_id=encounter.patient_id,
        facility=request.facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )


@staff_required(VISIT_ROLES)
def visit_detail(request: StaffRequest, encounter_id: int) -> HttpResponse:
    encounter = _encounter(request, encounter_id)
    _treating_access(request, encounter, AccessAction.READ, "Encounter")
    context = _context(request, encounter)
    summary = context["summary"]
    access_record_shown(
        actor=request.user,
        shown=[
            *((encounter.patient_id, "Encounter", e.pk) for e in context["previous"]),  # type: ignore[attr-defined]
            *((encounter.patient_id, "Condition", c.latest_id) for c in summary.conditions),  # type: ignore[attr-defined]
            *(
                (encounter.patient_id, "MedicationRequest", m.pk)
                for m in summary.current_medicines  # type: ignore[attr-defined]
            ),
            *context["primarycare"].shown,  # type: ignore[attr-defined]
        ],
        facility=request.facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )
    lab.lab_reports_log_read(
        actor=request.user,
        orders=[e["order"] for e in context["lab_orders"] if e["order"].is_signed],  # type: ignore[attr-defined]
        request=request,
    )
    return render(request, "clinical/visit.html", context)


def _language_of(encounter: Encounter) -> str:
    wanted = encounter.patient.preferred_language or settings.LANGUAGE_CODE
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _previous_visits(encounter: Encounter) -> list[Encounter]:
    """The patient's last closed visits at any facility of the network, with their diagnoses
    (two queries)."""
    return list(
        Encounter.objects.filter(patient_id=encounter.patient_id, status=EncounterStatus.CLOSED)
        .exclude(pk=encounter.pk)
        .select_related("facility", "department__speciality", "practitioner")
        .prefetch_related(Prefetch("diagnoses", queryset=Diagnosis.objects.select_related("code")))
        .order_by("-started_at")[:PREVIOUS_VISITS]
    )


def _context(request: StaffRequest, encounter: Encounter, **forms: object) -> dict[str, object]:
    vitals = list(encounter.vitals.order_by("-recorded_at", "-pk")[:5])
    latest = vitals[0] if vitals else None
    flags = vitals_flags(latest) if latest else {}
    readings = []
    if latest:
        for field in [*PLAUSIBLE, "bmi"]:
            value = latest.bmi if field == "bmi" else getattr(latest, field)
            if value is None:
                continue
            label = (
                _("BMI")
                if field == "bmi"
                else str(getattr(latest._meta.get_field(field), "verbose_name", field))
            )
            flag = flags.get(field)
            readings.append(
                {
                    "label": label,
                    "value": value,
                    "flag": flag,
                    "flag_text": FLAG_TEXT.get(flag or ""),
                }
            )
    query = request.GET.get("q", "").strip()
    med_query = request.GET.get("m", "").strip()
    patient_language = _language_of(encounter)
    items = [
        {
            "item": item,
            "directions": item_directions(item, get_language() or "en"),
            "patient_directions": item_directions(item, patient_language),
        }
        for item in encounter.prescription_items.select_related("medicine")
    ]
    language = get_language() or "en"
    today = timezone.localdate()
    # The visit is at the reader's facility: a treating relationship by definition.
    treating = RecordAccess(encounter.patient_id, AccessBasis.TREATING, PURPOSE_TREATMENT)
    primary_care = primarycare_summary_get(patient=encounter.patient, today=today, access=treating)
    immunization_form = forms.get("immunization_form") or ImmunizationForm()
    pregnancy_end_form = forms.get("pregnancy_end_form") or PregnancyEndForm()
    orders = lab_orders_for_encounter(encounter_id=encounter.pk)
    active = {o.panel_id for o in orders if o.status != "cancelled"}
    return {
        "lab_orders": [
            {
                "order": order,
                "name": order.panel.name_in(language),
                "rows": lab_report_rows(order, language) if order.is_signed else [],
            }
            for order in orders
        ],
        "lab_panels": [
            {"code": p.code, "label": p.name_in(language), "fasting": p.fasting}
            for p in LabPanel.objects.filter(is_active=True).exclude(pk__in=active)
        ],
        "lab_form_open": forms.get("lab_form_open", False),
        **_send_on_context(request, encounter),
        "items": items,
        "patient_language": patient_language,
        "med_query": med_query,
        "medicines": list(medicine_search(med_query)) if med_query else [],
        "frequencies": Frequency.choices,
        "timings": Timing.choices,
        "pending": forms.get("pending"),
        "encounter": encounter,
        "patient": encounter.patient,
        "previous": _previous_visits(encounter),
        "summary": summary_get(patient_ids=[encounter.patient_id], access=treating),
        "primarycare": primary_care,
        "is_female": encounter.patient.gender == Gender.FEMALE,
        "immunization_form": immunization_form.offer(primary_care.immunization, today),  # type: ignore[attr-defined]
        "pregnancy_form": forms.get("pregnancy_form") or PregnancyForm(),
        "pregnancy_end_form": pregnancy_end_form.offer(today),  # type: ignore[attr-defined]
        "allergies": Allergy.objects.filter(
            patient_id=encounter.patient_id, status=AllergyStatus.ACTIVE
        ),
        "readings": readings,
        "latest": latest,
        "diagnoses": encounter.diagnoses.select_related("code").order_by("kind", "pk"),
        "addenda": encounter.addenda.select_related("author"),
        "query": query,
        "codes": list(icd10_search(query)) if query else [],
        "is_doctor": request.membership.role == Role.DOCTOR,
        "notes_form": forms.get("notes_form")
        or NotesForm(
            initial={
                "chief_complaint": encounter.chief_complaint,
                "examination": encounter.examination,
                "advice": encounter.advice,
            }
        ),
        "vitals_form": forms.get("vitals_form") or VitalsForm(),
        "diagnosis_form": DiagnosisForm(),
        "allergy_form": forms.get("allergy_form") or AllergyForm(),
        "addendum_form": forms.get("addendum_form") or AddendumForm(),
    }


@staff_required(VISIT_ROLES)
@require_POST
def visit_act(request: StaffRequest, encounter_id: int, action: str) -> HttpResponse:
    """One write to the visit; a refusal re-shows the page with the error and nothing written."""
    if action not in VISIT_ACTIONS:
        raise NotFound()
    encounter = _encounter(request, encounter_id)
    if action in DOCTOR_ONLY and request.membership.role != Role.DOCTOR:
        messages.error(request, _("Only the doctor can change this."))
        return redirect("visit:detail", encounter.pk)
    user, data = request.user, request.POST
    forms: dict[str, object] = {}
    try:
        if action == "notes":
            forms["notes_form"] = notes = NotesForm(data)
            notes.is_valid()
            services.encounter_notes_save(
                encounter=encounter, actor=user, request=request, **notes.cleaned_data
            )
            messages.success(request, _("Saved."))
        elif action == "vitals":
            forms["vitals_form"] = VitalsForm(data)
            readings = {f: data.get(f, "") for f in PLAUSIBLE}
            services.vitals_record(
                encounter=encounter,
                actor=user,
                readings=readings,
                glucose_fasting=bool(data.get("glucose_fasting")),
                request=request,
            )
            messages.success(request, _("Vitals recorded."))
        elif action == "diagnosis":
            chosen = DiagnosisForm(data)
            if not chosen.is_valid():
                raise ValidationFailed(_("Choose a diagnosis from the ICD-10 list."), field="code")
            services.diagnosis_add(
                encounter=encounter, actor=user, request=request, **chosen.cleaned_data
            )
            messages.success(request, _("Diagnosis added."))
        elif action == "allergy":
            forms["allergy_form"] = allergy = AllergyForm(data)
            if not allergy.is_valid():
                raise ValidationFailed(_("Say what the patient is allergic to."), field="substance")
            services.allergy_record(
                encounter=encounter, actor=user, request=request, **allergy.cleaned_data
            )
            messages.success(request, _("Allergy recorded."))
        elif action == "medicine":
            forms["pending"] = data
            medicine_id = data.get("medicine", "")
            services.prescription_item_add(
                encounter=encounter,
                actor=user,
                medicine_id=int(medicine_id) if medicine_id.isdigit() else 0,
                dose=data.get("dose", ""),
                frequency=data.get("frequency", ""),
                duration_days=data.get("duration_days", ""),
                timing=data.get("timing", "after_food"),
                instructions=data.get("instructions", ""),
                override_reason=data.get("override_reason", ""),
                request=request,
            )
            messages.success(request, _("Medicine added."))
        elif action == "lab-order":
            forms["lab_form_open"] = True
            lab.lab_order_place(
                encounter=encounter,
                actor=user,
                panel_codes=data.getlist("panels"),
                note=data.get("note", ""),
                request=request,
            )
            messages.success(request, _("Tests ordered."))
        elif action == "lab-cancel":
            order_id = data.get("order", "")
            order = LabOrder.objects.filter(
                pk=int(order_id) if order_id.isdigit() else 0, encounter=encounter
            ).first()
            if order is None:
                raise NotFound(_("No such lab order in this visit."))
            lab.lab_order_cancel(
                order=order, actor=user, reason=data.get("reason", ""), request=request
            )
            messages.success(request, _("Test cancelled."))
        elif action in PRIMARY_CARE_ACTIONS:
            _primary_care(request, encounter, action, forms)
        elif action in {"follow-up", "referral", "referral-cancel"}:
            _send_on(request, encounter, action)
        elif action == "close":
            services.encounter_close(encounter=encounter, actor=user, request=request)
            messages.success(request, _("Visit closed."))
        elif action == "addendum":
            forms["addendum_form"] = AddendumForm(data)
            services.addendum_add(
                encounter=encounter, actor=user, text=data.get("text", ""), request=request
            )
            messages.success(request, _("Addendum added."))
    except DomainError as refused:
        messages.error(request, str(refused))
        if not isinstance(refused, services.PrescriptionWarning):
            forms.pop("pending", None)  # only a warning is answered with "prescribe anyway"
        encounter.refresh_from_db()
        return render(
            request, "clinical/visit.html", _context(request, encounter, **forms), status=200
        )
    return redirect(reverse("visit:detail", args=[encounter.pk]))


def _day(raw: str | None) -> date | None:
    """A YYYY-MM-DD from a form or query, or None (never an error: 2026-02-30 is None too)."""
    try:
        return parse_date(raw or "")
    except ValueError:
        return None


def _chosen(model: type[Any], raw: str, **scope: object) -> Any:
    return model.objects.filter(pk=int(raw) if raw.isdigit() else 0, **scope).first()


def _primary_care(
    request: StaffRequest, encounter: Encounter, action: str, forms: dict[str, object]
) -> None:
    """Record a dose given, register a pregnancy or end it (a nurse or the doctor)."""
    data, user, patient = request.POST, request.user, encounter.patient
    if action == "immunization":
        forms["immunization_form"] = dose = ImmunizationForm(data)
        if not dose.is_valid():
            raise ValidationFailed(_("Check the dose, the day it was given and the batch number."))
        primarycare.immunization_record(
            patient=patient,
            encounter=encounter,
            facility=encounter.facility,
            actor=user,
            request=request,
            **dose.cleaned_data,
        )
        messages.success(request, _("Dose recorded."))
    elif action == "pregnancy":
        forms["pregnancy_form"] = registration = PregnancyForm(data)
        if not registration.is_valid():
            raise ValidationFailed(_("Enter the first day of the last period."), field="lmp")
        primarycare.pregnancy_register(
            patient=patient,
            lmp=registration.cleaned_data["lmp"],
            encounter=encounter,
            facility=encounter.facility,
            actor=user,
            request=request,
        )
        messages.success(request, _("Pregnancy registered."))
    else:
        forms["pregnancy_end_form"] = ending = PregnancyEndForm(data)
        if not ending.is_valid():
            raise ValidationFailed(_("Enter the day it ended and the outcome."))
        primarycare.pregnancy_end(
            patient=patient,
            facility=encounter.facility,
            actor=user,
            request=request,
            **ending.cleaned_data,
        )
        messages.success(request, _("Saved."))


def _send_on(request: StaffRequest, encounter: Encounter, action: str) -> None:
    """Book a follow-up, refer (and book, when a time was chosen), or cancel one of them."""
    data, user = request.POST, request.user
    if action == "referral-cancel":
        referral = _chosen(Referral, data.get("referral", ""), encounter=encounter)
        if referral is None:
            raise NotFound(_("No such referral in this visit."))
        referrals.referral_cancel(referral=referral, actor=user, request=request)
        messages.success(request, _("Cancelled; the place is free again."))
        return
    kind = ReferralKind.FOLLOW_UP if action == "follow-up" else ReferralKind.REFERRAL
    department = (
        encounter.department
        if kind == ReferralKind.FOLLOW_UP
        else _chosen(Department, data.get("to_department", ""), is_active=True)
    )
    slot = _chosen(Slot, data.get("slot", "")) if data.get("slot") else None
    if data.get("slot") and slot is None:
        raise NotFound(_("No such time."))
    wanted = _day(data.get("wanted_on"))
    referral = referrals.referral_create(
        encounter=encounter,
        actor=user,
        kind=kind,
        to_department=department,
        reason=data.get("reason", ""),
        urgency=data.get("urgency", "routine"),
        wanted_on=wanted,
        slot=slot,
        request=request,
    )
    if referral.appointment is not None:
        messages.success(
            request,
            _("Booked: %(reference)s. The patient gets an SMS with the slip.")
            % {"reference": referral.appointment.reference},
        )
    else:
        messages.success(request, _("Saved. The patient can book the visit online."))


def _send_on_context(request: StaffRequest, encounter: Encounter) -> dict[str, object]:
    """The visit's follow-ups and referrals, the one that brought the patient here, and the
    pickers (a day of this OPD for a follow-up; a facility, department and day to refer to)."""
    sent = list(
        encounter.referrals.select_related(
            "to_department__facility", "to_department__speciality", "appointment__slot"
        ).order_by("pk")
    )
    brought = (
        Referral.objects.select_related("encounter__facility", "created_by")
        .filter(appointment_id=encounter.appointment_id)
        .first()
        if encounter.appointment_id
        else None
    )
    context: dict[str, object] = {"sent_on": sent, "referred_by": brought}
    if encounter.is_closed or request.membership.role != Role.DOCTOR:
        return context
    today = timezone.localdate()
    get = request.GET
    follow_day = _day(get.get("fu")) or today + timedelta(days=7)
    refer_day = _day(get.get("rd")) or today + timedelta(days=1)
    refer_facility = _chosen(Facility, get.get("rf", "")) or encounter.facility
    refer_department = _chosen(
        Department, get.get("rdep", ""), facility=refer_facility, is_active=True
    )
    context.update(
        {
            "follow_day": follow_day,
            "follow_slots": referrals.slots_with_places(
                department=encounter.department, day=follow_day, kind=ReferralKind.FOLLOW_UP
            )
            if encounter.department is not None
            else [],
            "refer_day": refer_day,
            "refer_facility": refer_facility,
            "refer_facilities": Facility.objects.live()
            .filter(departments__is_active=True)
            .distinct()
            .order_by("name"),
            "refer_departments": Department.objects.filter(facility=refer_facility, is_active=True)
            .select_related("speciality")
            .order_by("speciality__name"),
            "refer_department": refer_department,
            "refer_slots": referrals.slots_with_places(
                department=refer_department, day=refer_day, kind=ReferralKind.REFERRAL
            )
            if refer_department is not None
            else [],
            "urgencies": ReferralUrgency.choices,
        }
    )
    return context


@staff_required(VISIT_ROLES)
def visit_prescription_pdf(request: StaffRequest, encounter_id: int) -> HttpResponse:
    """The prescription to print, in the patient's language (or ?lang=en|hi)."""
    encounter = _encounter(request, encounter_id)
    language = request.GET.get("lang") or _language_of(encounter)
    if language not in dict(settings.LANGUAGES):
        language = _language_of(encounter)
    _treating_access(request, encounter, AccessAction.PRINT, "MedicationRequest")
    response = HttpResponse(
        prescription_pdf(encounter=encounter, language=language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="prescription-{encounter.pk}.pdf"'
    return response


def prescription_verify(request: HttpRequest, signed: str) -> HttpResponse:
    """What the prescription's QR code opens for anyone: that it is genuine, where and when it
    was written and how many medicines it holds; no name, no medicines."""
    try:
        encounter_id = prescription_unsign(signed)
    except ValidationFailed as invalid:
        return render(
            request, "scheduling/slip/slip_invalid.html", {"message": str(invalid)}, status=400
        )
    encounter = Encounter.objects.select_related("facility").filter(pk=encounter_id).first()
    if encounter is None:
        raise NotFound(_("This prescription code is not genuine."))
    return render(
        request,
        "clinical/verified.html",
        {
            "facility": encounter.facility.display_name,
            "day": encounter.started_at,
            "medicines": encounter.prescription_items.count(),
        },
    )
