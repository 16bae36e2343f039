"""The lab's pages: the worklist of a facility's lab, one order (collect, enter results, sign
off, amend), and the report PDF. Lab technicians and doctors of the facility use them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.accounts.choices import Role
from hims.clinical import lab
from hims.clinical.choices import LabOrderStatus
from hims.clinical.lab_report import lab_report_pdf
from hims.clinical.models import LabOrder, LabParameter
from hims.clinical.selectors import (
    lab_orders_with_results,
    lab_recently_signed,
    lab_report_rows,
    lab_worklist,
)
from hims.core.access import access_record, access_record_listed
from hims.core.choices import AccessAction, AccessBasis
from hims.core.decorators import StaffRequest, staff_required
from hims.core.errors import DomainError, NotFound, ValidationFailed

LAB_ROLES = {Role.LAB_TECHNICIAN, Role.DOCTOR}
LAB_ACTIONS = {"collect", "results", "sign", "cancel", "amend"}


def _order(request: StaffRequest, order_id: int) -> LabOrder:
    """The order with its results, if it is at the facility the staff member works at; else 404."""
    order = (
        lab_orders_with_results(LabOrder.objects.filter(pk=order_id, facility=request.facility))
        .select_related("patient", "encounter__practitioner", "encounter__department")
        .first()
    )
    if order is None:
        raise NotFound(_("No such lab order at this facility."))
    return order


def _log(request: StaffRequest, order: LabOrder, action: str) -> None:
    access_record(
        actor=request.user,
        action=action,
        resource_type=lab.REPORT,
        resource_id=order.pk,
        patient_id=order.patient_id,
        facility=request.facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )


@staff_required(LAB_ROLES)
def lab_worklist_page(request: StaffRequest) -> HttpResponse:
    if request.facility is None:
        raise NotFound(_("Choose a facility role to see its lab."))
    pending = lab_worklist(facility_id=request.facility.pk)
    signed = lab_recently_signed(facility_id=request.facility.pk)
    shown = list(dict.fromkeys(o.patient_id for o in [*pending, *signed]))
    access_record_listed(
        actor=request.user,
        patient_ids=shown,
        basis=AccessBasis.TREATING,
        facility=request.facility,
        request=request,
    )
    by_status: dict[str, list[LabOrder]] = {s: [] for s in LabOrderStatus.values}
    for order in pending:
        by_status[order.status].append(order)
    return render(
        request,
        "clinical/lab_worklist.html",
        {
            "to_collect": by_status[LabOrderStatus.ORDERED],
            "to_enter": by_status[LabOrderStatus.COLLECTED],
            "to_sign": by_status[LabOrderStatus.RESULTED],
            "signed": signed,
            "language": get_language() or "en",
        },
    )


def _entry_fields(
    order: LabOrder, typed: dict[str, str] | None, errors: dict[str, list[str]], language: str
) -> list[dict[str, Any]]:
    """The results form: one field per parameter, with what was typed (or the current value),
    its error, and the range for the patient's sex."""
    current = {r.parameter_id: r for r in order.results.all() if r.is_current}
    fields = []
    parameters = LabParameter.objects.filter(panel_id=order.panel_id).order_by("sort_order")
    for parameter in parameters:
        result = current.get(parameter.pk)
        if typed is not None:
            value = typed.get(parameter.code, "")
        elif result is not None:
            value = result.value_text or result.value_display()
        else:
            value = ""
        low, high = parameter.reference_range(order.patient.gender)
        fields.append(
            {
                "parameter": parameter,
                "name": parameter.name_in(language),
                "value": value,
                "errors": errors.get(parameter.code, []),
                "answers": [(a, parameter.answer_in(a, language)) for a in parameter.answers()],
                "low": low,
                "high": high,
            }
        )
    return fields


def _render_order(
    request: StaffRequest,
    order: LabOrder,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    language = get_language() or "en"
    return render(
        request,
        "clinical/lab_order.html",
        {
            "order": order,
            "patient": order.patient,
            "rows": lab_report_rows(order, language),
            "fields": _entry_fields(order, typed, errors or {}, language),
            "can_enter": order.status in (LabOrderStatus.COLLECTED, LabOrderStatus.RESULTED),
            "language": language,
        },
        status=status,
    )


@staff_required(LAB_ROLES)
def lab_order_page(request: StaffRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    _log(request, order, AccessAction.READ)
    return _render_order(request, order)


@staff_required(LAB_ROLES)
@require_POST
def lab_order_act(request: StaffRequest, order_id: int, action: str) -> HttpResponse:
    """One step of the order; a refusal re-shows the order with the error, nothing written."""
    if action not in LAB_ACTIONS:
        raise NotFound()
    order = _order(request, order_id)
    user, data = request.user, request.POST
    typed: dict[str, str] | None = None
    try:
        if action == "collect":
            lab.lab_sample_collect(order=order, actor=user, request=request)
            messages.success(request, _("Sample collected."))
            return redirect("lab:worklist")
        if action == "results":
            codes = LabParameter.objects.filter(panel_id=order.panel_id).values_list(
                "code", flat=True
            )
            typed = {code: data.get(code, "") for code in codes}
            lab.lab_results_enter(order=order, actor=user, values=typed, request=request)
            messages.success(request, _("Results saved. Check them and sign off."))
        elif action == "sign":
            lab.lab_report_sign(order=order, actor=user, request=request)
            messages.success(request, _("Report signed off."))
        elif action == "cancel":
            lab.lab_order_cancel(
                order=order, actor=user, reason=data.get("reason", ""), request=request
            )
            messages.success(request, _("Order cancelled."))
            return redirect("lab:worklist")
        elif action == "amend":
            lab.lab_result_amend(
                order=order,
                actor=user,
                parameter_code=data.get("parameter", ""),
                value=data.get("value", ""),
                reason=data.get("reason", ""),
                request=request,
            )
            messages.success(request, _("Value corrected; the earlier value is kept."))
    except DomainError as refused:
        messages.error(request, str(refused))
        errors = refused.errors if isinstance(refused, ValidationFailed) else {}
        return _render_order(request, _order(request, order_id), typed=typed, errors=errors)
    return redirect("lab:order", order.pk)


def _language_of(order: LabOrder) -> str:
    wanted = order.patient.preferred_language or settings.LANGUAGE_CODE
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@staff_required({*LAB_ROLES, Role.NURSE})
def lab_order_report_pdf(request: StaffRequest, order_id: int) -> HttpResponse:
    """The signed report to print, in the patient's language (or ?lang=en|hi), A4 (or ?size=a5)."""
    order = _order(request, order_id)
    if not order.is_signed:
        raise NotFound(_("The report is not signed off yet."))
    language = request.GET.get("lang") or _language_of(order)
    if language not in dict(settings.LANGUAGES):
        language = _language_of(order)
    size = "a5" if request.GET.get("size") == "a5" else "a4"
    _log(request, order, AccessAction.PRINT)
    response = HttpResponse(
        lab_report_pdf(order, language, size=size), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="lab-report-{order.pk}.pdf"'
    return response
