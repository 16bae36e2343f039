from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hims.accounts.models import User
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.network.models import Facility
from hims.patients.models import Patient
from hims.records.selectors import AuditFilter


def _any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *list(choices)]


class AuditFilterForm(forms.Form):
    uhid = forms.CharField(label=_("Patient UHID"), required=False, max_length=20)
    username = forms.CharField(label=_("Staff user name"), required=False, max_length=150)
    facility = forms.ModelChoiceField(
        label=_("Facility"), queryset=Facility.objects.order_by("name"), required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=_any(AccessAction.choices)
    )
    basis = forms.ChoiceField(label=_("Basis"), required=False, choices=_any(AccessBasis.choices))
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=_any(AccessOutcome.choices)
    )

    def clean_uhid(self) -> Patient | None:
        uhid = self.cleaned_data["uhid"].replace(" ", "").upper()
        if not uhid:
            return None
        patient = Patient.objects.filter(uhid=uhid).first()
        if patient is None:
            raise forms.ValidationError(_("No patient has this UHID."))
        return patient

    def clean_username(self) -> User | None:
        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No user has this name."))
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day is before the first."))
        return data

    def query(self) -> AuditFilter:
        data = self.cleaned_data
        patient, user, facility = data.get("uhid"), data.get("username"), data.get("facility")
        return AuditFilter(
            patient_id=patient.pk if patient else None,
            actor_id=user.pk if user else None,
            facility_id=facility.pk if facility else None,
            since=data.get("since"),
            until=data.get("until"),
            action=data.get("action") or "",
            basis=data.get("basis") or "",
            outcome=data.get("outcome") or "",
        )
