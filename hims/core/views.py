from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hims.accounts.selectors import membership_active, membership_list_for_user
from hims.core.decorators import ACTIVE_MEMBERSHIP_KEY
from hims.core.selectors import home_context
from hims.patients.selectors import patient_list_for_account


def home(request: HttpRequest) -> HttpResponse:
    """The first page: a landing page, the patient's home, or the home of the staff role in use."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    if user.is_patient:  # type: ignore[union-attr]
        family = patient_list_for_account(user=user, request=request)  # type: ignore[arg-type]
        return render(request, "core/home_patient.html", {"family": family})
    memberships = list(membership_list_for_user(user=user))  # type: ignore[arg-type]
    if not memberships and not user.is_superuser:
        return render(request, "core/home_no_role.html")
    current = membership_active(user=user, chosen_id=request.session.get(ACTIVE_MEMBERSHIP_KEY))
    context = home_context(user=user, membership=current)  # type: ignore[arg-type]
    context["memberships"] = memberships
    return render(request, "core/home_staff.html", context)


@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        wanted = request.POST.get("membership", "")
        allowed = {m.pk for m in membership_list_for_user(user=request.user)}  # type: ignore[arg-type]
        if wanted.isdigit() and int(wanted) in allowed:
            request.session[ACTIVE_MEMBERSHIP_KEY] = int(wanted)
    return redirect("core:home")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. No database touched."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
