"""Who viewed my record (patients) and the access log (auditors)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from hims.accounts.choices import Role
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis
from hims.core.decorators import patient_required, staff_required
from hims.core.models import AccessEvent
from hims.patients.models import Patient
from hims.records.forms import AuditFilterForm
from hims.records.selectors import (
    AUDIT_ROLES,
    AuditFilter,
    access_list_for_audit,
    access_list_for_patients,
    access_rows_for_export,
    record_type_label,
)
from hims.scheduling.selectors import family_for_login

PAGE = 50


def _page(
    events: QuerySet[AccessEvent], before: str | None
) -> tuple[list[AccessEvent], int | None]:
    """One page, newest first, and the id to continue from (keyset paging: no COUNT over a log
    of crores of rows)."""
    if before and before.isdigit():
        last = AccessEvent.objects.filter(pk=int(before)).values_list("at", flat=True).first()
        if last is not None:
            events = events.filter(Q(at__lt=last) | Q(at=last, pk__lt=int(before)))
    rows = list(events[: PAGE + 1])
    older = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return rows[:PAGE], older


def _label(event: AccessEvent) -> None:
    event.record_label = record_type_label(event.resource_type)  # type: ignore[attr-defined]
    event.role_label = (  # type: ignore[attr-defined]
        Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
    )


@patient_required
def my_access(request: HttpRequest) -> HttpResponse:
    """Every access to the records of the people registered with this mobile: who, as what,
    where, what they did and why; refused attempts and emergency accesses stand out."""
    family = family_for_login(user=request.user)  # type: ignore[arg-type]
    events, older = _page(access_list_for_patients(patients=family), request.GET.get("before"))
    names = {p.pk: p for p in family}
    for event in events:
        _label(event)
        event.person = names.get(event.patient_id or 0)  # type: ignore[attr-defined]
    return render(
        request,
        "records/my_access.html",
        {"events": events, "older": older, "family": family, "self_id": request.user.pk},
    )


def _query_string(form: AuditFilterForm, **extra: Any) -> str:
    pairs = [(k, v) for k, v in form.data.items() if k not in {"before", "format"} and v]
    pairs += [(k, v) for k, v in extra.items() if v]
    return urlencode(pairs)


@staff_required(roles=AUDIT_ROLES)
def audit_access(request: HttpRequest) -> HttpResponseBase:
    """The access log for auditors: by patient, user, facility and time; CSV export."""
    form = AuditFilterForm(request.GET or None)
    events: list[AccessEvent] = []
    older = None
    query = AuditFilter()
    if form.is_bound and not form.is_valid():
        return render(request, "records/audit_access.html", {"form": form, "events": []})
    if form.is_bound:
        query = form.query()
    if query.patient_id is not None or request.GET.get("format") == "csv":
        # Reading a patient's log is itself an access the patient sees.
        access_record(
            actor=request.user,  # type: ignore[arg-type]
            actor_role=request.membership.role,  # type: ignore[attr-defined]
            action=AccessAction.EXPORT if request.GET.get("format") == "csv" else AccessAction.READ,
            resource_type="AccessLog",
            patient_id=query.patient_id,
            basis=AccessBasis.ADMINISTRATION,
            purpose="audit",
            request=request,
        )
    if request.GET.get("format") == "csv":
        return _csv(query)
    events, older = _page(access_list_for_audit(query), request.GET.get("before"))
    uhids = dict(
        Patient.objects.filter(pk__in={e.patient_id for e in events if e.patient_id}).values_list(
            "pk", "uhid"
        )
    )
    for event in events:
        _label(event)
        event.uhid = uhids.get(event.patient_id or 0, "")  # type: ignore[attr-defined]
    return render(
        request,
        "records/audit_access.html",
        {
            "form": form,
            "events": events,
            "older_query": _query_string(form, before=older) if older else "",
            "csv_query": _query_string(form, format="csv"),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(query: AuditFilter) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        for row in access_rows_for_export(query):
            yield writer.writerow(row)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response
