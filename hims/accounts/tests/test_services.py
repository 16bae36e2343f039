from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from hims.accounts.choices import UserKind
from hims.accounts.models import ApiToken, OneTimePassword, User
from hims.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    otp_request,
    otp_verify,
)
from hims.accounts.tests.factories import PASSWORD
from hims.core.errors import NotFound, RateLimited, ValidationFailed
from hims.notifications.models import OutboxMessage

MOBILE = "9876501234"


def _request(ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)


@pytest.fixture
def send_otp(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Request a code and run the on-commit delivery, as a committed request would."""

    def send(mobile: str = MOBILE, client_ip: str | None = None) -> OneTimePassword:
        with django_capture_on_commit_callbacks(execute=True):
            return otp_request(mobile=mobile, client_ip=client_ip)

    return send


def _last_code(sms_file) -> str:  # type: ignore[no-untyped-def]
    line = sms_file.read_text(encoding="utf-8").strip().splitlines()[-1]
    body = json.loads(line)["body"]
    return next(
        word for word in body.replace(".", " ").split() if word.isdigit() and len(word) == 6
    )


# --- staff sign-in ----------------------------------------------------------------------


def test_staff_signs_in_with_the_right_password(clerk):
    assert authenticate(_request(), username="alice", password=PASSWORD) == clerk


def test_account_locks_after_five_failures_and_then_refuses_even_the_right_password(clerk):
    for _ in range(5):
        assert authenticate(_request(), username="alice", password="wrong") is None
    clerk.refresh_from_db()
    assert clerk.is_locked
    assert authenticate(_request(), username="alice", password=PASSWORD) is None


def test_lock_expires_after_the_lockout_time(clerk):
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert authenticate(_request(), username="alice", password=PASSWORD) == clerk


def test_success_resets_the_failure_count(clerk):
    for _ in range(4):
        authenticate(_request(), username="alice", password="wrong")
    assert authenticate(_request(), username="alice", password=PASSWORD) == clerk
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0 and not clerk.is_locked


def test_one_address_is_throttled_across_usernames(clerk, settings):
    settings.HIMS_LOGIN_IP_LIMIT = 3
    for name in ("x1", "x2", "x3"):
        authenticate(_request("10.9.9.9"), username=name, password="wrong")
    assert authenticate(_request("10.9.9.9"), username="alice", password=PASSWORD) is None
    assert authenticate(_request("10.9.9.8"), username="alice", password=PASSWORD) == clerk


def test_patients_cannot_sign_in_with_a_password(db):
    user = User.objects.create_user(
        username="patient-9876501234", password=PASSWORD, kind=UserKind.PATIENT, mobile=MOBILE
    )
    assert authenticate(_request(), username=user.username, password=PASSWORD) is None


def test_staff_passwords_are_hashed_with_argon2(clerk):
    assert clerk.password.startswith("argon2")


# --- patient one-time passwords -------------------------------------------------------------


def test_otp_is_sent_by_sms_and_stored_only_as_a_hash(db, sms_file, send_otp):
    otp = send_otp(client_ip="10.0.0.1")
    code = _last_code(sms_file)
    assert code not in otp.code_hash
    assert json.loads(sms_file.read_text().splitlines()[-1])["to"] == MOBILE
    message = OutboxMessage.objects.get()
    assert message.status == "sent" and message.body == ""  # sensitive text blanked once delivered


def test_otp_signs_in_once_and_creates_the_patient_login(db, sms_file, send_otp):
    send_otp()
    code = _last_code(sms_file)
    user = otp_verify(mobile=MOBILE, code=code)
    assert user.kind == UserKind.PATIENT and user.mobile == MOBILE
    assert not user.has_usable_password()
    with pytest.raises(ValidationFailed):
        otp_verify(mobile=MOBILE, code=code)


def test_expired_otp_is_refused(db, sms_file, send_otp):
    send_otp()
    OneTimePassword.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationFailed):
        otp_verify(mobile=MOBILE, code=_last_code(sms_file))


def test_after_five_wrong_codes_even_the_right_one_is_refused(db, sms_file, send_otp):
    send_otp()
    code = _last_code(sms_file)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            otp_verify(mobile=MOBILE, code=wrong)
    with pytest.raises(ValidationFailed):
        otp_verify(mobile=MOBILE, code=code)
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_a_code_for_one_number_does_not_sign_in_another(db, sms_file, send_otp):
    send_otp()
    with pytest.raises(ValidationFailed):
        otp_verify(mobile="9876509999", code=_last_code(sms_file))


def test_otp_requests_are_limited_per_number(db):
    for _ in range(3):
        otp_request(mobile=MOBILE, client_ip=None)
    with pytest.raises(RateLimited):
        otp_request(mobile=MOBILE, client_ip=None)
    assert OneTimePassword.objects.count() == 3
    assert OutboxMessage.objects.count() == 3


def test_otp_requests_are_limited_per_address(db, settings):
    settings.HIMS_OTP_PER_IP = (2, timedelta(hours=1))
    otp_request(mobile="9876500001", client_ip="10.1.1.1")
    otp_request(mobile="9876500002", client_ip="10.1.1.1")
    with pytest.raises(RateLimited):
        otp_request(mobile="9876500003", client_ip="10.1.1.1")
    otp_request(mobile="9876500003", client_ip="10.1.1.2")


def test_otp_sms_is_in_the_patients_language(db, sms_file, send_otp):
    User.objects.create(
        username="patient-x", kind=UserKind.PATIENT, mobile=MOBILE, preferred_language="hi"
    )
    send_otp()
    assert "कोड" in sms_file.read_text(encoding="utf-8")


# --- API tokens ---------------------------------------------------------------------------------


def test_api_token_secret_is_shown_once_and_stored_hashed(clerk):
    token, secret = api_token_create(user=clerk, name="counter")
    assert secret.startswith("hims_") and secret not in token.key_hash
    assert api_token_authenticate(secret=secret) == clerk
    assert api_token_authenticate(secret=secret + "x") is None
    assert api_token_authenticate(secret="not-a-token") is None


def test_revoked_and_expired_tokens_are_refused(clerk):
    token, secret = api_token_create(user=clerk, name="counter", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(secret=secret) is None
    token2, secret2 = api_token_create(user=clerk, name="other")
    api_token_revoke(prefix=token2.prefix)
    assert api_token_authenticate(secret=secret2) is None
    with pytest.raises(NotFound):
        api_token_revoke(prefix="nope")


def test_token_of_a_switched_off_user_is_refused(clerk):
    _token, secret = api_token_create(user=clerk, name="counter")
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    assert api_token_authenticate(secret=secret) is None


def test_old_sign_in_records_are_pruned(clerk):
    from hims.accounts.models import LoginAttempt
    from hims.accounts.services import sign_in_records_prune

    LoginAttempt.objects.create(client_ip="10.0.0.1", at=timezone.now() - timedelta(hours=1))
    LoginAttempt.objects.create(client_ip="10.0.0.1")
    OneTimePassword.objects.create(
        mobile=MOBILE, code_hash="x", expires_at=timezone.now() - timedelta(days=2)
    )
    OneTimePassword.objects.create(
        mobile=MOBILE, code_hash="y", expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert sign_in_records_prune() == 2
    assert LoginAttempt.objects.count() == 1 and OneTimePassword.objects.count() == 1
