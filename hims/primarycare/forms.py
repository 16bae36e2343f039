"""Forms of the consultation page's immunization and pregnancy section. They check the shape
of the input; the services check the rules (one rule, one place)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hims.primarycare.choices import PregnancyOutcome
from hims.primarycare.models import VaccineDose
from hims.primarycare.selectors import ImmunizationStatus

GROUP_LABELS = {
    "owed": _("Due now or overdue"),
    "next": _("Next in the schedule"),
    "other": _("Other doses (entered from the card)"),
}


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ImmunizationForm(forms.Form):
    vaccine_dose = forms.IntegerField(label=_("Vaccine dose"), widget=forms.Select)
    given_on = forms.DateField(label=_("Given on"), widget=DayInput())
    batch_number = forms.CharField(label=_("Batch number"), max_length=40)

    def offer(self, status: ImmunizationStatus | None, today: date) -> ImmunizationForm:
        """Fill the chooser, what is owed first; the date defaults to today."""
        groups = status.choosable if status is not None else []
        self.fields["vaccine_dose"].widget.choices = [  # type: ignore[attr-defined]
            (GROUP_LABELS[key], [(dose.pk, dose.label) for dose in doses]) for key, doses in groups
        ]
        self.fields["given_on"].initial = today
        return self

    def clean_vaccine_dose(self) -> VaccineDose:
        # Any dose in use is accepted here: a dose given meanwhile gets the service's clear
        # "already recorded", not "not one of the choices".
        dose = VaccineDose.objects.filter(
            pk=self.cleaned_data["vaccine_dose"], is_active=True
        ).first()
        if dose is None:
            raise forms.ValidationError(_("Choose a vaccine dose from the list."))
        return dose


class PregnancyForm(forms.Form):
    lmp = forms.DateField(label=_("First day of the last period (LMP)"), widget=DayInput())


class PregnancyEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DayInput())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PregnancyOutcome.choices)

    def offer(self, today: date) -> PregnancyEndForm:
        self.fields["ended_on"].initial = today
        return self
