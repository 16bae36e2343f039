"""Staff pages for the patient index (search, register, view, change, merge) and the patient's
own registration of themself or a family member."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hims.accounts.choices import Role
from hims.core.decorators import PatientRequest, StaffRequest, patient_required, staff_required
from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.lib.htmx import template_for
from hims.patients.choices import RegistrationChannel
from hims.patients.forms import PATIENT_FIELDS, PatientDataForm, PatientSearchForm
from hims.patients.matching import candidate_list
from hims.patients.models import Patient
from hims.patients.selectors import (
    MERGE_ROLES,
    PATIENT_ROLES,
    PatientQuery,
    patient_get_for_staff,
    patient_list_for_account,
    patient_list_recent,
    patient_search,
    scan_share_list_today,
)
from hims.patients.services import (
    DuplicateSuspected,
    patient_data_clean,
    patient_merge,
    patient_register,
    patient_update,
)
from hims.records.access import CLINICAL_ROLES

STAFF = PATIENT_ROLES | {Role.NETWORK_ADMIN}


def _form_errors_from(error: ValidationFailed, form: PatientDataForm) -> None:
    for field, field_messages in (error.errors or {error.field or "__all__": [str(error)]}).items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@staff_required(STAFF)
def patient_list(request: StaffRequest) -> HttpResponse:
    """Find a patient by UHID, ABHA number or address, mobile or name (either script, misspelt)."""
    form = PatientSearchForm(request.GET or None)
    results: list[Patient] | None = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        query = PatientQuery(
            text=data["q"],
            gender=data["gender"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            district=data["district"],
        )
        results = patient_search(
            user=request.user, facility=request.facility, query=query, request=request
        )
        recent = None
    else:
        recent = patient_list_recent(
            user=request.user,
            facility=request.facility,
            page=request.GET.get("page"),
            request=request,
        )
    template = template_for(
        request, page="patients/patient_list.html", partial="patients/partials/_results.html"
    )
    return render(request, template, {"form": form, "results": results, "recent": recent})


@staff_required(STAFF)
@require_http_methods(["GET", "POST"])
def patient_register_view(request: StaffRequest) -> HttpResponse:
    """Search first, register second: likely duplicates are shown before a new record is made."""
    form = PatientDataForm(request.POST or None)
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_register(
                data=request.POST,
                actor=request.user,
                facility=request.facility,
                confirm_new=request.POST.get("confirm_new") == "1",
                request=request,
            )
        except DuplicateSuspected as duplicate:
            candidates = duplicate.candidates
        except ValidationFailed as error:
            _form_errors_from(error, form)
        else:
            messages.success(
                request, _("Registered. UHID %(uhid)s.") % {"uhid": patient.uhid_display}
            )
            return redirect("patients:detail", uhid=patient.uhid)
    return render(
        request, "patients/patient_register.html", {"form": form, "candidates": candidates}
    )


@staff_required(STAFF)
@require_POST
def patient_candidates_view(request: StaffRequest) -> HttpResponse:
    """HTMX: likely duplicates once enough of the form is filled (name + age, or mobile, or ABHA)."""
    enough = (
        (
            request.POST.get("name")
            and (
                request.POST.get("birth_date")
                or request.POST.get("age_years")
                or request.POST.get("birth_year")
            )
        )
        or request.POST.get("mobile")
        or request.POST.get("abha_number")
    )
    candidates: list[Any] = []
    if enough:
        try:
            data = patient_data_clean(request.POST)
        except ValidationFailed:
            data = None
        if data:
            candidates = candidate_list(data=data)
    return render(
        request,
        "patients/partials/_candidates.html",
        {"candidates": candidates, "checked": bool(enough)},
    )


@staff_required(STAFF)
def patient_detail(request: StaffRequest, uhid: str) -> HttpResponse:
    patient = patient_get_for_staff(
        user=request.user, facility=request.facility, uhid=uhid, request=request
    )
    if patient.merged_into is not None:
        messages.info(
            request,
            _("Record %(old)s was merged into %(new)s.")
            % {"old": patient.uhid_display, "new": patient.merged_into.uhid_display},
        )
        return redirect("patients:detail", uhid=patient.merged_into.uhid)
    changes = patient.changes.select_related("changed_by", "facility")[:20]
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "changes": changes,
            "may_merge": request.membership.role in MERGE_ROLES,
            "may_read_record": request.membership.role in CLINICAL_ROLES,
            "facility_numbers": patient.facility_numbers.select_related("facility"),
        },
    )


@staff_required(STAFF)
@require_http_methods(["GET", "POST"])
def patient_edit(request: StaffRequest, uhid: str) -> HttpResponse:
    patient = patient_get_for_staff(
        user=request.user, facility=request.facility, uhid=uhid, request=request
    )
    initial = {name: getattr(patient, name) for name in PATIENT_FIELDS}
    form = PatientDataForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            patient_update(
                patient=patient,
                data=request.POST,
                actor=request.user,
                facility=request.facility,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except ValidationFailed as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("Saved. The change is kept in the record's history."))
            return redirect("patients:detail", uhid=patient.uhid)
    return render(request, "patients/patient_edit.html", {"form": form, "patient": patient})


@staff_required(MERGE_ROLES)
@require_http_methods(["GET", "POST"])
def patient_merge_view(request: StaffRequest) -> HttpResponse:
    """Merge two records of one person: choose, compare side by side, confirm with a reason."""
    survivor_uhid = (
        (request.POST.get("survivor") or request.GET.get("survivor") or "").strip().upper()
    )
    loser_uhid = (request.POST.get("loser") or request.GET.get("loser") or "").strip().upper()
    pair: list[Patient] = []
    error = ""
    if survivor_uhid and loser_uhid:
        try:
            pair = [
                patient_get_for_staff(
                    user=request.user, facility=request.facility, uhid=u, request=request
                )
                for u in (survivor_uhid, loser_uhid)
            ]
        except NotFound as missing:
            error = str(missing)
    if request.method == "POST" and len(pair) == 2:
        try:
            patient_merge(
                survivor_id=pair[0].pk,
                loser_id=pair[1].pk,
                actor=request.user,
                facility=request.facility,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except DomainError as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                _("Merged. %(old)s now redirects to %(new)s.")
                % {"old": pair[1].uhid_display, "new": pair[0].uhid_display},
            )
            return redirect("patients:detail", uhid=pair[0].uhid)
    return render(
        request,
        "patients/patient_merge.html",
        {
            "pair": pair,
            "error": error,
            "survivor": survivor_uhid,
            "loser": loser_uhid,
            "fields": [
                "name",
                "name_hi",
                "gender",
                "birth_date",
                "mobile",
                "abha_number",
                "district",
                "pincode",
            ],
        },
    )


@staff_required(STAFF)
def scan_share_list(request: StaffRequest) -> HttpResponse:
    """Profiles shared by Scan and Share at this facility's counters today (refreshes itself)."""
    counter = request.GET.get("counter", "").strip()[:50]
    tokens, counters = scan_share_list_today(
        user=request.user, facility=request.facility, counter=counter, request=request
    )
    template = template_for(
        request,
        page="patients/scan_share_list.html",
        partial="patients/partials/_scan_share_rows.html",
    )
    return render(request, template, {"tokens": tokens, "counter": counter, "counters": counters})


@patient_required
@require_http_methods(["GET", "POST"])
def patient_self_register(request: PatientRequest) -> HttpResponse:
    """A patient registers themself or a family member; the mobile is the one they signed in with."""
    user = request.user
    post = request.POST.copy() if request.method == "POST" else None
    if post is not None:
        post["mobile"] = user.mobile
    form = PatientDataForm(post, initial={"mobile": user.mobile})
    form.fields["mobile"].disabled = True
    if post is not None and form.is_valid():
        try:
            patient = patient_register(
                data=post,
                actor=user,
                facility=None,
                channel=RegistrationChannel.ONLINE,
                confirm_new=False,
                request=request,
            )
        except DuplicateSuspected as duplicate:
            same_family = [c for c in duplicate.candidates if c.patient.mobile == user.mobile]
            if same_family:
                form.add_error(
                    None,
                    _("%(name)s is already registered with this mobile number (UHID %(uhid)s).")
                    % {
                        "name": same_family[0].patient.name,
                        "uhid": same_family[0].patient.uhid_display,
                    },
                )
            else:
                # A likely match under another number: register, and let staff merge if it is the same person.
                patient = patient_register(
                    data=post,
                    actor=user,
                    facility=None,
                    channel=RegistrationChannel.ONLINE,
                    confirm_new=True,
                    request=request,
                )
                messages.success(
                    request, _("Registered. UHID %(uhid)s.") % {"uhid": patient.uhid_display}
                )
                return redirect("core:home")
        except ValidationFailed as error:
            _form_errors_from(error, form)
        else:
            messages.success(
                request, _("Registered. UHID %(uhid)s.") % {"uhid": patient.uhid_display}
            )
            return redirect("core:home")
    family = patient_list_for_account(user=user, request=request)
    return render(request, "patients/self_register.html", {"form": form, "family": family})
