"""The shared record for staff: the patient's timeline from every facility, or, without a basis
to read it, the two ways to get one (ask the patient, or break the glass); and the review
queue of emergency accesses."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.core.access import access_record_shown
from hims.core.decorators import StaffRequest, staff_required
from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.patients.models import Patient
from hims.records import services
from hims.records.access import CLINICAL_ROLES, REQUESTING_ROLES, record_access_for_request
from hims.records.choices import EmergencyReview
from hims.records.forms import ConsentRequestForm, EmergencyAccessForm, TimelineFilterForm
from hims.records.models import Consent, EmergencyAccess
from hims.records.services import REVIEW_ROLES
from hims.records.timeline import (
    Summary,
    Timeline,
    TimelineFilter,
    summary_get,
    timeline_get,
)


def _patient(uhid: str) -> Patient:
    patient = Patient.objects.select_related("merged_into").filter(uhid=uhid.upper()).first()
    if patient is None:
        raise NotFound(_("No patient has this UHID."))
    return patient


def shown_records(timeline: Timeline, summary: Summary | None = None) -> list[tuple[str, int]]:
    """(record type, id) of everything a timeline page shows, for the access log."""
    shown: list[tuple[str, int]] = []
    for entry in timeline.entries:
        shown.append(("Encounter", entry.encounter.pk))
        if entry.show_prescription and entry.prescription:
            shown.extend(("MedicationRequest", item.pk) for item in entry.prescription)
        shown.extend(("DiagnosticReport", report.order.pk) for report in entry.lab_reports)
    if summary is not None:
        shown.extend(("AllergyIntolerance", a.pk) for a in summary.allergies)  # type: ignore[attr-defined]
        shown.extend(("Condition", c.latest_id) for c in summary.conditions)
        shown.extend(("MedicationRequest", m.pk) for m in summary.current_medicines)
    return list(dict.fromkeys(shown))


def _refusal(
    request: StaffRequest,
    patient: Patient,
    *,
    consent_form: ConsentRequestForm | None = None,
    emergency_form: EmergencyAccessForm | None = None,
) -> HttpResponse:
    asked = Consent.objects.filter(
        patient=patient, requester=request.user, facility=request.facility
    ).order_by("-requested_at")[:5]
    return render(
        request,
        "records/record_refused.html",
        {
            "patient": patient,
            "may_ask": request.membership.role in REQUESTING_ROLES,
            "consent_form": consent_form or ConsentRequestForm(),
            "emergency_form": emergency_form or EmergencyAccessForm(),
            "asked": asked,
        },
        status=403,
    )


@staff_required(CLINICAL_ROLES)
def patient_record(request: StaffRequest, uhid: str) -> HttpResponse:
    """The timeline and summary, cut to what the reader's basis allows; every visit and
    record shown is one access-log entry."""
    patient = _patient(uhid)
    if patient.merged_into is not None:
        return redirect("records:patient", uhid=patient.merged_into.uhid)
    access = record_access_for_request(
        request=request, patient_id=patient.pk, resource_type="Encounter"
    )
    if access is None:
        return _refusal(request, patient)
    form = TimelineFilterForm(request.GET or None, patient_ids=[patient.pk])
    filters = form.filters() if form.is_bound and form.is_valid() else TimelineFilter()
    timeline = timeline_get(
        patient_ids=[patient.pk],
        access=access,
        filters=filters,
        before=request.GET.get("before", ""),
    )
    summary = summary_get(patient_ids=[patient.pk], access=access)
    access_record_shown(
        actor=request.user,
        shown=[(patient.pk, kind, pk) for kind, pk in shown_records(timeline, summary)],
        basis=access.basis,
        facility=request.facility,
        purpose=access.purpose,
        reason=access.reason,
        request=request,
    )
    return render(
        request,
        "records/record.html",
        {
            "patient": patient,
            "access": access,
            "timeline": timeline,
            "summary": summary,
            "form": form,
            "older_query": _older_query(request, timeline.older),
        },
    )


def _older_query(request: StaffRequest, older: str | None) -> str:
    if not older:
        return ""
    query = request.GET.copy()
    query["before"] = older
    return query.urlencode()


@staff_required(REQUESTING_ROLES)
@require_POST
def consent_ask(request: StaffRequest, uhid: str) -> HttpResponse:
    patient = _patient(uhid)
    form = ConsentRequestForm(request.POST)
    if not form.is_valid():
        return _refusal(request, patient, consent_form=form)
    try:
        services.consent_request(
            patient=patient,
            requester=request.user,
            role=request.membership.role,
            facility=request.facility,
            request=request,
            **form.cleaned_data,
        )
    except DomainError as refused:
        messages.error(request, str(refused))
        return _refusal(request, patient, consent_form=form)
    messages.success(request, _("Asked. The patient has been sent a message to answer."))
    return redirect("records:patient", uhid=patient.uhid)


@staff_required(REQUESTING_ROLES)
@require_POST
def emergency_open(request: StaffRequest, uhid: str) -> HttpResponse:
    patient = _patient(uhid)
    form = EmergencyAccessForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(_("Say why this is an emergency."), field="reason")
        services.emergency_access_open(
            patient=patient,
            actor=request.user,
            role=request.membership.role,
            facility=request.facility,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except DomainError as refused:
        messages.error(request, str(refused))
        return _refusal(request, patient, emergency_form=form)
    messages.warning(
        request,
        _("Emergency access is open. The patient has been told, and it will be reviewed."),
    )
    return redirect("records:patient", uhid=patient.uhid)


@staff_required(REVIEW_ROLES)
def emergency_review(request: StaffRequest) -> HttpResponse:
    """Emergency accesses to judge, oldest waiting first; then the last judged."""
    accesses = EmergencyAccess.objects.select_related("actor", "facility", "patient", "reviewed_by")
    if request.facility is not None:  # a facility administrator sees their own facility
        accesses = accesses.filter(facility=request.facility)
    if request.method == "POST":
        raw = request.POST.get("access", "")
        chosen = accesses.filter(pk=int(raw) if raw.isdigit() else 0).first()
        try:
            if chosen is None:
                raise NotFound(_("No such emergency access."))
            services.emergency_access_review(
                emergency=chosen,
                reviewer=request.user,
                role=request.membership.role,
                facility=request.facility,
                justified=request.POST.get("verdict") == "justified",
                note=request.POST.get("note", ""),
            )
        except DomainError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Review saved."))
            return redirect("records:emergency-review")
    return render(
        request,
        "records/emergency_review.html",
        {
            "pending": list(
                accesses.filter(review=EmergencyReview.PENDING).order_by("started_at")[:100]
            ),
            "done": list(
                accesses.exclude(review=EmergencyReview.PENDING).order_by("-reviewed_at")[:20]
            ),
        },
    )
