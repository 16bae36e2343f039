"""Validation of patient demographics, shared by the counter form, self-registration, the API,
FHIR, Scan and Share and the CSV import (they all call `patient_data_clean`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.lib.identifiers import (
    normalize_abha_address,
    normalize_abha_number,
    normalize_mobile,
    normalize_pincode,
)
from hims.network.choices import District, Gender
from hims.patients.choices import Relation

MAX_AGE = 120


class PatientDataForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    name_hi = forms.CharField(label=_("Name in Hindi (optional)"), max_length=200, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_date_is_estimated = forms.BooleanField(label=_("The date is approximate"), required=False)
    age_years = forms.IntegerField(
        label=_("Or age in years"), required=False, min_value=0, max_value=MAX_AGE
    )
    birth_year = forms.IntegerField(label=_("Or year of birth"), required=False, min_value=1900)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    abha_number = forms.CharField(
        label=_("ABHA number (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "XX-XXXX-XXXX-XXXX"}),
    )
    abha_address = forms.CharField(
        label=_("ABHA address (optional)"), max_length=64, required=False
    )
    address_line = forms.CharField(label=_("House, street"), max_length=300, required=False)
    locality = forms.CharField(label=_("Locality"), max_length=120, required=False)
    district = forms.ChoiceField(
        label=_("District"), choices=[("", "—"), *District.choices], required=False
    )
    pincode = forms.CharField(
        label=_("PIN code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    emergency_contact_name = forms.CharField(
        label=_("Emergency contact"), max_length=200, required=False
    )
    emergency_contact_mobile = forms.CharField(
        label=_("Emergency contact mobile"), max_length=16, required=False
    )
    emergency_contact_relation = forms.ChoiceField(
        label=_("Relation"), choices=[("", "—"), *Relation.choices], required=False
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=[("hi", "हिन्दी"), ("en", "English")],
        initial="hi",
        required=False,
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2 or not any(char.isalpha() for char in name):
            raise ValidationError(_("Enter the patient's name."), code="name")
        return name

    def clean_name_hi(self) -> str:
        return " ".join(self.cleaned_data.get("name_hi", "").split())

    def clean_birth_date(self) -> date | None:
        born = self.cleaned_data.get("birth_date")
        if born and born > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."), code="future")
        if born and born.year < timezone.localdate().year - MAX_AGE:
            raise ValidationError(
                _("Check the date of birth: that is more than 120 years ago."), code="too_old"
            )
        return born

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.localdate().year:
            raise ValidationError(_("The year of birth cannot be in the future."), code="future")
        return year

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile", "")
        return normalize_mobile(value) if value else ""

    def clean_emergency_contact_mobile(self) -> str:
        value = self.cleaned_data.get("emergency_contact_mobile", "")
        return normalize_mobile(value) if value else ""

    def clean_abha_number(self) -> str | None:
        value = self.cleaned_data.get("abha_number", "")
        return normalize_abha_number(value, luhn=settings.HIMS_ABHA_LUHN) if value.strip() else None

    def clean_abha_address(self) -> str | None:
        value = self.cleaned_data.get("abha_address", "")
        return normalize_abha_address(value) if value.strip() else None

    def clean_pincode(self) -> str:
        value = self.cleaned_data.get("pincode", "")
        return normalize_pincode(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        if data.get("birth_date"):
            data["birth_date_is_estimated"] = bool(data.get("birth_date_is_estimated"))
        elif data.get("birth_year"):
            data["birth_date"] = (
                date(data["birth_year"], 7, 1)
                if data["birth_year"] < today.year
                else date(today.year, 1, 1)
            )
            data["birth_date_is_estimated"] = True
        elif data.get("age_years") is not None:
            years = data["age_years"]
            try:
                data["birth_date"] = today.replace(year=today.year - years)
            except ValueError:  # 29 February
                data["birth_date"] = today.replace(year=today.year - years, day=28)
            data["birth_date_is_estimated"] = True
        elif (
            "birth_date" not in self.errors
            and "age_years" not in self.errors
            and "birth_year" not in self.errors
        ):
            self.add_error(
                "birth_date",
                _("Give the date of birth, or the age or year of birth if it is not known."),
            )
        if not data.get("preferred_language"):
            data["preferred_language"] = "hi"
        return data


PATIENT_FIELDS = [
    "name",
    "name_hi",
    "gender",
    "birth_date",
    "birth_date_is_estimated",
    "mobile",
    "abha_number",
    "abha_address",
    "address_line",
    "locality",
    "district",
    "pincode",
    "emergency_contact_name",
    "emergency_contact_mobile",
    "emergency_contact_relation",
    "preferred_language",
]


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("UHID, ABHA, mobile or name"), max_length=100, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("Any")), *Gender.choices], required=False
    )
    age_min = forms.IntegerField(
        label=_("Age from"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_max = forms.IntegerField(label=_("Age to"), min_value=0, max_value=MAX_AGE, required=False)
    district = forms.ChoiceField(
        label=_("District"), choices=[("", _("Any")), *District.choices], required=False
    )
