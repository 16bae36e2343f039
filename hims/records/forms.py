from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hims.accounts.models import User
from hims.clinical.models import Encounter
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.network.models import Facility
from hims.patients.models import Patient
from hims.records.choices import ConsentPurpose, HiType
from hims.records.models import Consent
from hims.records.selectors import AuditFilter
from hims.records.timeline import TimelineFilter


def _any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *list(choices)]


class AuditFilterForm(forms.Form):
    uhid = forms.CharField(label=_("Patient UHID"), required=False, max_length=20)
    username = forms.CharField(label=_("Staff user name"), required=False, max_length=150)
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.order_by("name"),
        required=False,
        empty_label=_("Any"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
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


class TimelineFilterForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.order_by("name"),
        required=False,
        empty_label=_("Any"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    code = forms.CharField(
        label=_("Diagnosis (ICD-10)"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"placeholder": "E11"}),
    )

    def __init__(self, *args: Any, patient_ids: Sequence[int] = (), **kwargs: Any) -> None:
        """Only the facilities where these patients have visits are offered."""
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Facility.objects.filter(
            pk__in=Encounter.objects.filter(patient_id__in=list(patient_ids)).values("facility_id")
        ).order_by("name")

    def filters(self) -> TimelineFilter:
        data = self.cleaned_data
        facility = data.get("facility")
        return TimelineFilter(
            facility_id=facility.pk if facility else None,
            since=data.get("since"),
            until=data.get("until"),
            diagnosis_code=(data.get("code") or "").strip(),
        )


def _default_from() -> date:
    return timezone.localdate() - timedelta(days=2 * 365)


class ConsentRequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=ConsentPurpose.choices, initial=ConsentPurpose.CARE_MANAGEMENT
    )
    hi_types = forms.MultipleChoiceField(
        label=_("Records needed"),
        choices=HiType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[HiType.OP_CONSULTATION, HiType.PRESCRIPTION, HiType.DIAGNOSTIC_REPORT],
        error_messages={"required": _("Choose which kinds of records you need.")},
    )
    records_from = forms.DateField(
        label=_("Records from"),
        initial=_default_from,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    records_to = forms.DateField(
        label=_("Records until"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_days = forms.IntegerField(
        label=_("Access for (days)"), min_value=1, max_value=365, initial=30
    )
    note = forms.CharField(
        label=_("Why you need them (the patient reads this)"), required=False, max_length=300
    )


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this an emergency?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ConsentGrantForm(forms.Form):
    """The patient's answer: the requested types and dates, which they may narrow."""

    hi_types = forms.MultipleChoiceField(
        label=_("Allow these records"),
        choices=HiType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of record, or refuse.")},
    )
    records_from = forms.DateField(
        label=_("Records from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    records_to = forms.DateField(
        label=_("Records until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label=_("Allow until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, consent: Consent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["hi_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (value, label) for value, label in HiType.choices if value in consent.hi_types
        ]
        if not self.is_bound:
            self.initial = {
                "hi_types": list(consent.hi_types),
                "records_from": consent.records_from,
                "records_to": consent.records_to,
                "until": timezone.localtime(consent.expires_at).date(),
            }
