from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hims.accounts.selectors import login_is_locked
from hims.core.access import client_ip
from hims.lib.identifiers import normalize_mobile


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is switched off. Ask your facility administrator."),
        "locked": _("Too many failed attempts. This sign-in is locked for 15 minutes."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and login_is_locked(username=username, client_ip=client_ip(self.request)):
            raise ValidationError(self.error_messages["locked"], code="locked")
        return super().clean()


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel-national", "placeholder": "98XXXXXXXX"}
        ),
    )

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])


class OtpForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
