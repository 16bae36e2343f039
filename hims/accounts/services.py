"""Sign-in for staff (password, throttled) and patients (mobile OTP), and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import UserKind
from hims.accounts.models import ApiToken, LoginAttempt, OneTimePassword, User
from hims.accounts.selectors import grants_preload, grants_sql
from hims.core.errors import NotFound, RateLimited, ValidationFailed
from hims.lib.db import columns, instances, select_one
from hims.lib.identifiers import mask_mobile

logger = logging.getLogger(__name__)


# --- staff password sign-in throttling -------------------------------------------------


def login_ip_blocked(*, client_ip: str | None) -> bool:
    if not client_ip:
        return False
    since = timezone.now() - settings.HIMS_LOGIN_IP_WINDOW
    return (
        LoginAttempt.objects.filter(client_ip=client_ip, at__gte=since).count()
        >= settings.HIMS_LOGIN_IP_LIMIT
    )


def login_failure_record(*, username: str, client_ip: str | None) -> None:
    """Count one failure for the user (atomically) and the address; lock at the limit."""
    LoginAttempt.objects.create(client_ip=client_ip)
    with transaction.atomic():
        updated = User.objects.filter(username=username, kind=UserKind.STAFF).update(
            failed_logins=F("failed_logins") + 1
        )
        if updated:
            User.objects.filter(
                username=username, failed_logins__gte=settings.HIMS_LOGIN_MAX_FAILURES
            ).update(locked_until=timezone.now() + settings.HIMS_LOGIN_LOCKOUT, failed_logins=0)


def login_success_record(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


# --- patient one-time passwords ----------------------------------------------------------


def _otp_hash(code: str) -> str:
    return make_password(code, hasher="pbkdf2_sha256")


def otp_request(*, mobile: str, client_ip: str | None) -> OneTimePassword:
    """Issue a sign-in code for a mobile number and queue its SMS. Rate-limited per number and IP."""
    from hims.notifications.services import (
        message_queue,  # notifications depends on accounts models only
    )

    now = timezone.now()
    per_mobile, mobile_window = settings.HIMS_OTP_PER_MOBILE
    if (
        OneTimePassword.objects.filter(mobile=mobile, created_at__gte=now - mobile_window).count()
        >= per_mobile
    ):
        raise RateLimited(
            _("Too many codes were sent to this number. Please wait 15 minutes and try again.")
        )
    per_ip, ip_window = settings.HIMS_OTP_PER_IP
    if (
        client_ip
        and OneTimePassword.objects.filter(
            client_ip=client_ip, created_at__gte=now - ip_window
        ).count()
        >= per_ip
    ):
        raise RateLimited()

    code = "".join(secrets.choice("0123456789") for _ in range(settings.HIMS_OTP_LENGTH))
    with transaction.atomic():
        otp = OneTimePassword.objects.create(
            mobile=mobile,
            code_hash=_otp_hash(code),
            created_at=now,
            expires_at=now + settings.HIMS_OTP_TTL,
            client_ip=client_ip,
        )
        language = (
            User.objects.filter(kind=UserKind.PATIENT, mobile=mobile)
            .values_list("preferred_language", flat=True)
            .first()
        )
        message_queue(
            to=mobile,
            template="otp",
            context={"code": code, "minutes": int(settings.HIMS_OTP_TTL.total_seconds() // 60)},
            language=language or None,
            sensitive=True,
            dedupe_key=f"otp:{otp.pk}",
        )
    logger.info("otp issued id=%s to=%s", otp.pk, mask_mobile(mobile))
    return otp


def otp_verify(*, mobile: str, code: str) -> User:
    """Check a code; on success mark it used (once, even under concurrency) and return the patient user."""
    now = timezone.now()
    otp = (
        OneTimePassword.objects.filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    invalid = ValidationFailed(
        _("The code is wrong or has expired. Ask for a new code."), field="code"
    )
    if otp is None or otp.attempts >= settings.HIMS_OTP_MAX_ATTEMPTS:
        raise invalid
    # Count the attempt first, conditionally, so parallel guesses cannot exceed the limit.
    counted = OneTimePassword.objects.filter(
        pk=otp.pk, used_at__isnull=True, attempts__lt=settings.HIMS_OTP_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted or not check_password(code.strip(), otp.code_hash):
        raise invalid
    with transaction.atomic():
        # Single use: only the first request to flip used_at wins.
        if not OneTimePassword.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now):
            raise invalid
        user, _created = User.objects.get_or_create(
            kind=UserKind.PATIENT,
            mobile=mobile,
            defaults={"username": f"patient-{mobile}", "is_staff": False},
        )
        if _created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "hims_"  # noqa: S105 (a prefix, not a secret)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it and the secret, which is never stored and shown only now."""
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=_token_digest(secret), expires_at=expires_at
    )
    return token, secret


def api_token_authenticate(*, secret: str) -> User | None:
    """The token's user, if the token is valid and the user active. Every API call asks this, so
    it is one hand-written SELECT (the token joined to its user, and the user's role grants)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = _token_digest(secret)
    row = select_one(
        f"SELECT {columns(ApiToken, 't')}, {columns(User, 'u')}, {grants_sql('u.id')} "  # noqa: S608 (model columns)
        f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        "WHERE t.key_hash = %s",
        [digest],
    )
    if row is None:
        return None
    token, user = instances(row[:-1], ApiToken, User)
    assert isinstance(token, ApiToken) and isinstance(user, User)
    grants_preload(user, row[-1])  # the role checks that follow need no query of their own
    if not hmac.compare_digest(token.key_hash, digest) or not token.is_usable:
        return None
    if not user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def api_token_revoke(*, prefix: str) -> ApiToken:
    token = ApiToken.objects.filter(prefix=prefix).first()
    if token is None:
        raise NotFound(_("No API token has that prefix."))
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
    return token


def sign_in_records_prune() -> int:
    """Forget failed sign-ins older than the throttle window and OTPs a day past expiry."""
    now = timezone.now()
    attempts, _detail = LoginAttempt.objects.filter(
        at__lt=now - settings.HIMS_LOGIN_IP_WINDOW
    ).delete()
    codes, _detail = OneTimePassword.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return attempts + codes
