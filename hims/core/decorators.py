"""View decorators: who may open a page, and as which facility they are working."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from hims.accounts.selectors import membership_active
from hims.core.errors import AccessDenied

if TYPE_CHECKING:
    from hims.accounts.models import Membership, User
    from hims.network.models import Facility

ACTIVE_MEMBERSHIP_KEY = "active_membership"


class StaffRequest(HttpRequest):
    """What a view under @staff_required receives."""

    user: User  # type: ignore[assignment]
    membership: Membership
    facility: Facility | None  # None for network-wide roles


class PatientRequest(HttpRequest):
    """What a view under @patient_required receives."""

    user: User  # type: ignore[assignment]


View = Callable[..., HttpResponseBase]


def staff_required(roles: Collection[str] | None = None) -> Callable[[View], View]:
    """Signed-in staff working at a facility (with one of `roles`); sets request.membership and
    request.facility. Patients and anonymous users are sent to sign in or refused."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "is_patient", False):
                raise AccessDenied(_("This page is for network staff."))
            membership = membership_active(
                user=user, chosen_id=request.session.get(ACTIVE_MEMBERSHIP_KEY)
            )
            if membership is None or (roles is not None and membership.role not in roles):
                raise AccessDenied(
                    _("Your current role cannot open this page. Switch role on the start page.")
                )
            request.membership = membership  # type: ignore[attr-defined]
            request.facility = membership.facility  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def patient_required(view: View) -> View:
    """A patient signed in with their mobile number."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="accounts:patient-login")
        if not getattr(user, "is_patient", False):
            raise AccessDenied(_("This page is for patients signed in with their mobile number."))
        return view(request, *args, **kwargs)

    return wrapper
