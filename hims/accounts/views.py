from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.accounts.forms import MobileForm, OtpForm, StaffLoginForm
from hims.accounts.models import User
from hims.accounts.services import otp_request, otp_verify
from hims.core.access import client_ip
from hims.core.errors import DomainError
from hims.lib.identifiers import mask_mobile
from hims.notifications.sms import sms_file_read

PATIENT_MOBILE_KEY = "otp_mobile"


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        _remember_language(self.request, response, form.get_user())
        return response


def _remember_language(request: HttpRequest, response: HttpResponse, user: User) -> None:
    if user.preferred_language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
    else:
        current = translation.get_language()
        if current in dict(settings.LANGUAGES):
            User.objects.filter(pk=user.pk).update(preferred_language=current)


PATIENT_NEXT_KEY = "patient_next"


def patient_login(request: HttpRequest) -> HttpResponse:
    """Step 1: the patient gives a mobile number and gets a code by SMS."""
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            otp_request(mobile=mobile, client_ip=client_ip(request))
        except DomainError as error:
            form.add_error("mobile", str(error))
        else:
            request.session[PATIENT_MOBILE_KEY] = mobile
            wanted = request.POST.get("next") or request.GET.get("next") or ""
            if url_has_allowed_host_and_scheme(
                wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                request.session[PATIENT_NEXT_KEY] = wanted
            return redirect("accounts:patient-verify")
    return render(request, "accounts/patient_login.html", {"form": form})


def patient_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS signs the patient in."""
    mobile = request.session.get(PATIENT_MOBILE_KEY)
    if not mobile:
        return redirect("accounts:patient-login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = otp_verify(mobile=mobile, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            next_url = request.session.pop(PATIENT_NEXT_KEY, "")
            login(request, user, backend="hims.accounts.backends.ThrottledModelBackend")
            response = redirect(next_url or "core:home")
            _remember_language(request, response, user)
            return response
    return render(
        request,
        "accounts/patient_verify.html",
        {"form": form, "masked_mobile": mask_mobile(mobile)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; remembered in a cookie and, for a signed-in user, on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    return response


def demo_sms(request: HttpRequest) -> HttpResponse:
    """DEMO ONLY: the last SMS messages the local gateway wrote, so testers can read OTPs."""
    if not settings.HIMS_DEMO:
        raise Http404
    rows = [
        {"to": mask_mobile(row["to"]), "body": row["body"], "at": row["at"]}
        for row in sms_file_read(limit=10)
    ]
    return render(
        request,
        "accounts/demo_sms.html",
        {"rows": rows, "login_url": reverse("accounts:patient-login")},
    )
