"""The patient's own record, on their phone: visits from every facility, prescriptions as
PDFs, and the consents they gave. A family signed in with one mobile sees each member's
record. Each read is logged with basis "self", so "who viewed my record" is complete."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.clinical.lab_report import lab_report_pdf
from hims.clinical.medicines import item_directions
from hims.clinical.models import Encounter, LabOrder
from hims.clinical.prescription import prescription_pdf
from hims.clinical.selectors import lab_orders_with_results, lab_report_rows, vitals_flags
from hims.core.access import access_record, access_record_shown
from hims.core.choices import AccessAction, AccessBasis
from hims.core.decorators import patient_required
from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.patients.models import Patient
from hims.records import services
from hims.records.access import self_access
from hims.records.choices import ConsentStatus
from hims.records.forms import ConsentGrantForm
from hims.records.models import Consent
from hims.records.record_views import shown_records
from hims.records.timeline import LabReport, summary_get, timeline_get
from hims.scheduling.selectors import family_for_login


def _family(request: HttpRequest) -> list[Patient]:
    return family_for_login(user=request.user)  # type: ignore[arg-type]


def _language_of(patient: Patient) -> str:
    wanted = patient.preferred_language or settings.LANGUAGE_CODE
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@patient_required
def my_records(request: HttpRequest) -> HttpResponse:
    """One family member's summary and visits (the first, or ?p=<UHID>)."""
    family = _family(request)
    if not family:
        return render(request, "records/my_records.html", {"family": [], "person": None})
    wanted = request.GET.get("p", "").upper()
    person = next((p for p in family if p.uhid == wanted), family[0])
    access = self_access(person.pk)
    timeline = timeline_get(
        patient_ids=[person.pk], access=access, before=request.GET.get("before", "")
    )
    summary = summary_get(patient_ids=[person.pk], access=access)
    access_record_shown(
        actor=request.user,  # type: ignore[arg-type]
        shown=[(person.pk, kind, pk) for kind, pk in shown_records(timeline, summary)],
        basis=AccessBasis.SELF,
        purpose="PATRQT",
        request=request,
    )
    return render(
        request,
        "records/my_records.html",
        {
            "family": family,
            "person": person,
            "timeline": timeline,
            "summary": summary,
            "older": timeline.older,
        },
    )


def _my_encounter(request: HttpRequest, encounter_id: int) -> Encounter:
    encounter = (
        Encounter.objects.select_related(
            "patient", "facility", "department__speciality", "practitioner"
        )
        .filter(pk=encounter_id, patient__in=[p.pk for p in _family(request)])
        .first()
    )
    if encounter is None:
        raise NotFound(_("No such visit in your records."))
    return encounter


def _log_self(
    request: HttpRequest,
    encounter: Encounter,
    action: str,
    resource_type: str,
    resource_id: int | None = None,
) -> None:
    access_record(
        actor=request.user,  # type: ignore[arg-type]
        action=action,
        resource_type=resource_type,
        resource_id=resource_id or encounter.pk,
        patient_id=encounter.patient_id,
        facility=encounter.facility,
        basis=AccessBasis.SELF,
        purpose="PATRQT",
        request=request,
    )


@patient_required
def my_visit(request: HttpRequest, encounter_id: int) -> HttpResponse:
    encounter = _my_encounter(request, encounter_id)
    _log_self(request, encounter, AccessAction.READ, "Encounter")
    language = _language_of(encounter.patient)
    vitals = encounter.vitals.order_by("-recorded_at", "-pk").first()
    reports = [
        LabReport(order, lab_report_rows(order, request.LANGUAGE_CODE), request.LANGUAGE_CODE)
        for order in lab_orders_with_results(
            LabOrder.objects.signed().filter(encounter=encounter).order_by("signed_at", "pk")
        )
    ]
    access_record_shown(
        actor=request.user,  # type: ignore[arg-type]
        shown=[(encounter.patient_id, "DiagnosticReport", r.order.pk) for r in reports],
        basis=AccessBasis.SELF,
        purpose="PATRQT",
        request=request,
    )
    items = [
        {"item": item, "directions": item_directions(item, request.LANGUAGE_CODE or language)}
        for item in encounter.prescription_items.select_related("medicine")
    ]
    return render(
        request,
        "records/my_visit.html",
        {
            "encounter": encounter,
            "patient": encounter.patient,
            "diagnoses": encounter.diagnoses.select_related("code").order_by("kind", "pk"),
            "vitals": vitals,
            "vitals_flags": vitals_flags(vitals) if vitals else {},
            "items": items,
            "addenda": encounter.addenda.all(),
            "lab_reports": reports,
        },
    )


@patient_required
def my_lab_report_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    """A signed lab report of the family, in the patient's language (or ?lang=en|hi)."""
    order = (
        LabOrder.objects.signed()
        .select_related("encounter__facility", "patient")
        .filter(pk=order_id, patient__in=[p.pk for p in _family(request)])
        .first()
    )
    if order is None:
        raise NotFound(_("No such test report in your records."))
    language = request.GET.get("lang") or _language_of(order.patient)
    if language not in dict(settings.LANGUAGES):
        language = _language_of(order.patient)
    _log_self(request, order.encounter, AccessAction.PRINT, "DiagnosticReport", order.pk)
    response = HttpResponse(lab_report_pdf(order, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lab-report-{order.pk}.pdf"'
    return response


@patient_required
def my_prescription_pdf(request: HttpRequest, encounter_id: int) -> HttpResponse:
    encounter = _my_encounter(request, encounter_id)
    if not encounter.prescription_items.exists():
        raise NotFound(_("This visit has no prescription."))
    language = request.GET.get("lang") or _language_of(encounter.patient)
    if language not in dict(settings.LANGUAGES):
        language = _language_of(encounter.patient)
    _log_self(request, encounter, AccessAction.PRINT, "MedicationRequest")
    response = HttpResponse(
        prescription_pdf(encounter=encounter, language=language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="prescription-{encounter.pk}.pdf"'
    return response


def _my_consents(request: HttpRequest) -> list[Consent]:
    return list(
        Consent.objects.filter(patient__in=[p.pk for p in _family(request)])
        .select_related("requester", "facility", "patient")
        .order_by("-requested_at")[:100]
    )


@patient_required
def my_consents(request: HttpRequest) -> HttpResponse:
    """Requests waiting for an answer, consents in force (withdraw), and the past ones."""
    consents = _my_consents(request)
    waiting = [c for c in consents if c.status_now == ConsentStatus.REQUESTED]
    return render(
        request,
        "records/my_consents.html",
        {
            "waiting": [(c, ConsentGrantForm(consent=c)) for c in waiting],
            "in_force": [c for c in consents if c.is_in_force],
            "past": [c for c in consents if c not in waiting and not c.is_in_force],
        },
    )


@patient_required
@require_POST
def my_consent_act(request: HttpRequest, consent_id: int, action: str) -> HttpResponse:
    consent = (
        Consent.objects.select_related("facility")
        .filter(pk=consent_id, patient__in=[p.pk for p in _family(request)])
        .first()
    )
    if consent is None or action not in {"grant", "deny", "revoke"}:
        raise NotFound(_("No such consent."))
    user = request.user
    try:
        if action == "grant":
            form = ConsentGrantForm(request.POST, consent=consent)
            if not form.is_valid():
                raise ValidationFailed(str(next(iter(form.errors.values()))[0]))
            data = form.cleaned_data
            ends = timezone.make_aware(datetime.combine(data["until"], time.max))
            services.consent_grant(
                consent=consent,
                actor=user,  # type: ignore[arg-type]
                hi_types=data["hi_types"],
                records_from=data["records_from"],
                records_to=data["records_to"],
                expires_at=ends,
                request=request,
            )
            messages.success(request, _("Allowed. You can withdraw it at any time."))
        elif action == "deny":
            services.consent_deny(consent=consent, actor=user, request=request)  # type: ignore[arg-type]
            messages.success(request, _("Refused. The doctor cannot see your records."))
        else:
            services.consent_revoke(consent=consent, actor=user, request=request)  # type: ignore[arg-type]
            messages.success(request, _("Withdrawn. The doctor can no longer see your records."))
    except DomainError as refused:
        messages.error(request, str(refused))
    return redirect("records:my-consents")
