"""The laboratory: ordering tests in a visit, collecting the sample, entering results,
signing the report off, cancelling, and amending a signed report.

- An order is placed only on an open visit (with the visit row locked, and a trigger behind it).
  Everything after it (sample, results, sign-off) may happen after the visit is closed: results
  arrive later.
- Each step moves the order on with a conditional UPDATE (`... WHERE status = <the step
  before>`), so two people pressing "sign off" at once give one signature and one refusal.
- A signed report is final. A correction is an amendment with a reason: a new result row that
  supersedes the old one, which is kept and shown as corrected.
- Every read and write is one access-log entry, written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import LabOrderStatus, LabValueKind
from hims.clinical.models import Encounter, LabOrder, LabPanel, LabParameter, LabResult
from hims.clinical.services import _locked_open
from hims.core.access import access_record, access_record_resources
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User

ORDER, REPORT, RESULT = "ServiceRequest", "DiagnosticReport", "Observation"


class LabOrderMoved(Conflict):
    """The order is no longer at the step the action needs (someone else was quicker)."""

    code = "lab_order_moved"


def _log(
    order: LabOrder, actor: User, action: str, resource_type: str, resource_id: object,
    request: HttpRequest | None,
) -> None:  # fmt: skip
    access_record(
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        patient_id=order.patient_id,
        facility=order.facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )


def lab_reports_log_read(
    *, actor: User, orders: Iterable[LabOrder], request: HttpRequest | None = None
) -> None:
    """One `read` entry per report shown (for pages listing one patient's reports)."""
    by_patient: dict[int, list[int]] = {}
    for order in orders:
        by_patient.setdefault(order.patient_id, []).append(order.pk)
    facility = getattr(request, "facility", None)
    for patient_id, ids in by_patient.items():
        access_record_resources(
            actor=actor,
            resource_type=REPORT,
            resource_ids=ids,
            patient_id=patient_id,
            facility=facility,
            basis=AccessBasis.TREATING,
            purpose="treatment",
            request=request,
        )


def lab_order_place(
    *,
    encounter: Encounter,
    actor: User,
    panel_codes: Iterable[str],
    note: str = "",
    request: HttpRequest | None = None,
) -> list[LabOrder]:
    """Order one or more tests in an open visit. A test already ordered (and not cancelled) in
    the visit is refused, naming it, and nothing is ordered."""
    codes = list(dict.fromkeys(c.strip().upper() for c in panel_codes if c.strip()))
    if not codes:
        raise ValidationFailed(_("Choose at least one test."), field="panels")
    panels = {p.code: p for p in LabPanel.objects.filter(code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in panels]
    if unknown:
        raise ValidationFailed(_("Choose tests from the list."), field="panels")
    with transaction.atomic():
        locked = _locked_open(encounter)
        taken = set(
            LabOrder.objects.filter(encounter=locked, panel__code__in=codes)
            .exclude(status=LabOrderStatus.CANCELLED)
            .values_list("panel__code", flat=True)
        )
        if taken:
            first = panels[sorted(taken)[0]]
            raise Conflict(
                _("%(test)s is already ordered in this visit."),
                field="panels",
                params={"test": first.name_in(_language())},
            )
        orders = []
        for code in codes:
            order = LabOrder.objects.create(
                encounter=locked,
                patient_id=locked.patient_id,
                facility=locked.facility,
                panel=panels[code],
                note=" ".join(note.split())[:200],
                ordered_by=actor,
            )
            _log(order, actor, AccessAction.CREATE, ORDER, order.pk, request)
            orders.append(order)
    return orders


def _language() -> str:
    from django.utils.translation import get_language

    return get_language() or "en"


def _step(order: LabOrder, *, before: Iterable[str], refused: Any, **changes: Any) -> LabOrder:
    """Move the order on only from the statuses in `before` (a compare-and-swap); refused with
    `refused` when someone else moved it first. The caller is inside a transaction."""
    moved = LabOrder.objects.filter(pk=order.pk, status__in=list(before)).update(**changes)
    if moved != 1:
        raise LabOrderMoved(refused)
    return LabOrder.objects.select_related("facility", "panel").get(pk=order.pk)


def lab_sample_collect(
    *, order: LabOrder, actor: User, now: datetime | None = None,
    request: HttpRequest | None = None,
) -> LabOrder:  # fmt: skip
    """The sample is taken (and labelled with the order number)."""
    with transaction.atomic():
        collected = _step(
            order,
            before=[LabOrderStatus.ORDERED],
            refused=_("The sample of this order is already collected, or it was cancelled."),
            status=LabOrderStatus.COLLECTED,
            collected_at=now or timezone.now(),
            collected_by=actor,
        )
        _log(collected, actor, AccessAction.UPDATE, ORDER, collected.pk, request)
    return collected


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _number(parameter: LabParameter, raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed(_("Enter a number.")) from None
    low = Decimal(parameter.plausible_low or 0)  # a CHECK constraint: numbers have both
    high = Decimal(parameter.plausible_high or 0)
    if not value.is_finite() or not low <= value <= high:
        raise ValidationFailed(
            _("This should be between %(low)s and %(high)s; check what was typed."),
            params={"low": f"{low.normalize():f}", "high": f"{high.normalize():f}"},
        )
    if _places(value) > parameter.decimals:
        if parameter.decimals == 0:
            raise ValidationFailed(_("Enter a whole number."))
        raise ValidationFailed(
            _("Enter at most %(places)s decimal places."), params={"places": parameter.decimals}
        )
    return value


def _value(parameter: LabParameter, raw: Any) -> tuple[Decimal | None, str]:
    """(number, text) for what was typed or chosen; ValidationFailed if it cannot be right."""
    text = " ".join(str(raw or "").split())
    if parameter.kind == LabValueKind.NUMERIC:
        return _number(parameter, text), ""
    for answer in parameter.answers():
        if answer.lower() == text.lower():
            return None, answer
    raise ValidationFailed(_("Choose one of the answers."))


def _result(
    order: LabOrder, parameter: LabParameter, number: Decimal | None, text: str, sex: str,
    actor: User, now: datetime, **extra: Any,
) -> LabResult:  # fmt: skip
    low, high = parameter.reference_range(sex) if number is not None else (None, None)
    return LabResult(
        order=order,
        patient_id=order.patient_id,
        parameter=parameter,
        value_numeric=number,
        value_text=text,
        unit=parameter.unit,
        reference_low=low,
        reference_high=high,
        flag=parameter.flag_for(number=number, text=text, sex=sex),
        entered_by=actor,
        entered_at=now,
        **extra,
    )


def lab_results_enter(
    *,
    order: LabOrder,
    actor: User,
    values: Mapping[str, Any],
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> list[LabResult]:
    """Enter the values of a collected sample ({parameter code: typed value}); the order is then
    ready for sign-off. Every value is checked first (plausible range, decimal places, one of the
    answers, a differential that adds up to 100), each error is reported against its parameter,
    and nothing is written unless all are right. Entering again before sign-off corrects the
    values (the earlier ones are kept as superseded); after sign-off only an amendment does."""
    parameters = list(LabParameter.objects.filter(panel_id=order.panel_id).order_by("sort_order"))
    known = {p.code for p in parameters}
    errors: dict[str, list[str]] = {}
    for code in values:
        if code not in known:
            errors[code] = [str(_("Not a parameter of this test."))]
    parsed: dict[str, tuple[Decimal | None, str]] = {}
    for parameter in parameters:
        raw = values.get(parameter.code)
        if raw is None or not str(raw).strip():
            if not parameter.optional:
                errors[parameter.code] = [str(_("Enter this value."))]
            continue
        try:
            parsed[parameter.code] = _value(parameter, raw)
        except ValidationFailed as wrong:
            errors[parameter.code] = [str(wrong)]
    groups: dict[str, list[Decimal]] = {}
    for parameter in parameters:
        number = parsed.get(parameter.code, (None, ""))[0]
        if parameter.sum_group and number is not None:
            groups.setdefault(parameter.sum_group, []).append(number)
    for group, numbers in groups.items():
        total = sum(numbers, Decimal(0))
        if abs(total - 100) > 1:
            first = next(p.code for p in parameters if p.sum_group == group)
            errors.setdefault(first, []).append(
                str(_("The differential count adds up to %(total)s; it must be 100."))
                % {"total": f"{total.normalize():f}"}
            )
    if errors:
        raise ValidationFailed(
            _("Some values need checking: see the marked fields."), errors=errors, field=None
        )
    with transaction.atomic():
        locked = (
            LabOrder.objects.select_for_update()
            .select_related("facility", "patient")
            .filter(pk=order.pk)
            .first()
        )
        if locked is None:
            raise NotFound()
        if locked.status not in (LabOrderStatus.COLLECTED, LabOrderStatus.RESULTED):
            if locked.status == LabOrderStatus.SIGNED:
                raise LabOrderMoved(_("The report is signed off; amend a value instead."))
            raise LabOrderMoved(_("Collect the sample before entering results."))
        now = now or timezone.now()
        sex = locked.patient.gender
        earlier = {
            r.parameter_id: r for r in LabResult.objects.filter(order=locked, is_current=True)
        }
        if earlier:
            LabResult.objects.filter(pk__in=[r.pk for r in earlier.values()]).update(
                is_current=False
            )
        rows = [
            _result(locked, p, *parsed[p.code], sex, actor, now, supersedes=earlier.get(p.pk))
            for p in parameters
            if p.code in parsed
        ]
        LabResult.objects.bulk_create(rows)
        if locked.status == LabOrderStatus.COLLECTED:
            locked = _step(
                locked,
                before=[LabOrderStatus.COLLECTED],
                refused=_("Collect the sample before entering results."),
                status=LabOrderStatus.RESULTED,
                resulted_at=now,
                resulted_by=actor,
            )
        _log(locked, actor, AccessAction.UPDATE, REPORT, locked.pk, request)
    return rows


def lab_report_sign(
    *, order: LabOrder, actor: User, now: datetime | None = None,
    request: HttpRequest | None = None,
) -> LabOrder:  # fmt: skip
    """Sign the report off: it becomes final and visible to the doctor and the patient. One
    conditional UPDATE: of two sign-offs at the same moment one wins, the other is refused."""
    with transaction.atomic():
        signed = _step(
            order,
            before=[LabOrderStatus.RESULTED],
            refused=_("This report is already signed off, or has no results yet."),
            status=LabOrderStatus.SIGNED,
            signed_at=now or timezone.now(),
            signed_by=actor,
        )
        _log(signed, actor, AccessAction.UPDATE, REPORT, signed.pk, request)
    return signed


def lab_order_cancel(
    *, order: LabOrder, actor: User, reason: str, request: HttpRequest | None = None
) -> LabOrder:
    """Cancel an order not yet signed off (not needed any more, sample spoilt), with a reason."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed(_("Say why the test is cancelled."), field="reason")
    with transaction.atomic():
        cancelled = _step(
            order,
            before=[LabOrderStatus.ORDERED, LabOrderStatus.COLLECTED, LabOrderStatus.RESULTED],
            refused=_("A signed-off or cancelled order cannot be cancelled."),
            status=LabOrderStatus.CANCELLED,
            cancelled_at=timezone.now(),
            cancelled_by=actor,
            cancel_reason=reason[:200],
        )
        _log(cancelled, actor, AccessAction.UPDATE, ORDER, cancelled.pk, request)
    return cancelled


def lab_result_amend(
    *,
    order: LabOrder,
    actor: User,
    parameter_code: str,
    value: Any,
    reason: str,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> LabResult:
    """Correct one value of a signed report. The new value supersedes the old one, which stays
    on the report as corrected, with who corrected it, when and why."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed(_("Say why the value is corrected."), field="reason")
    parameter = LabParameter.objects.filter(panel_id=order.panel_id, code=parameter_code).first()
    if parameter is None:
        raise ValidationFailed(_("Not a parameter of this test."), field="parameter")
    try:
        number, text = _value(parameter, value)
    except ValidationFailed as wrong:
        wrong.field = "value"
        raise
    with transaction.atomic():
        locked = (
            LabOrder.objects.select_for_update()
            .select_related("facility", "patient")
            .filter(pk=order.pk)
            .first()
        )
        if locked is None:
            raise NotFound()
        if locked.status != LabOrderStatus.SIGNED:
            raise LabOrderMoved(
                _("Only a signed-off report is amended; correct the value instead.")
            )
        now = now or timezone.now()
        old = LabResult.objects.filter(order=locked, parameter=parameter, is_current=True).first()
        if old is not None and (old.value_numeric, old.value_text) == (number, text):
            raise ValidationFailed(_("This is the value the report has already."), field="value")
        if old is not None:
            LabResult.objects.filter(pk=old.pk, is_current=True).update(is_current=False)
        try:
            with transaction.atomic():
                new = _result(
                    locked, parameter, number, text, locked.patient.gender, actor, now,
                    supersedes=old, amend_reason=reason[:200],
                )  # fmt: skip
                new.save()
        except IntegrityError:
            raise LabOrderMoved(_("Someone else corrected this value just now; reload.")) from None
        LabOrder.objects.filter(pk=locked.pk, status=LabOrderStatus.SIGNED).update(amended_at=now)
        _log(locked, actor, AccessAction.UPDATE, RESULT, new.pk, request)
    return new
