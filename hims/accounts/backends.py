from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from hims.accounts.choices import UserKind
from hims.accounts.selectors import login_is_locked
from hims.accounts.services import login_failure_record, login_success_record
from hims.core.access import client_ip


class ThrottledModelBackend(ModelBackend):
    """Password sign-in for staff, with per-account lockout and a per-address limit.

    Patients never sign in by password (their users have unusable passwords); they come in
    through `otp_verify` and `login(..., backend=this)`. Sessions of both kinds load here.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or password is None:
            return None
        ip = client_ip(request)
        if login_is_locked(username=username, client_ip=ip):
            # Refuse without checking the password, so a locked account cannot be guessed at.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or user.kind != UserKind.STAFF:
            login_failure_record(username=username, client_ip=ip)
            return None
        login_success_record(user=user)
        return user
