from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import AllergySeverity, DiagnosisCertainty, DiagnosisKind
from hims.clinical.models import PLAUSIBLE, VitalSigns


class NotesForm(forms.Form):
    chief_complaint = forms.CharField(
        label=_("Complaints"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    examination = forms.CharField(
        label=_("Examination"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    advice = forms.CharField(
        label=_("Advice"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VitalsForm(forms.Form):
    """Text boxes with a numeric keypad; the service checks the ranges (one rule, one place)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in PLAUSIBLE:
            label = getattr(VitalSigns._meta.get_field(name), "verbose_name", name)
            self.fields[name] = forms.CharField(
                label=str(label).capitalize(),
                required=False,
                max_length=8,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
        self.fields["glucose_fasting"] = forms.BooleanField(
            label=_("Glucose taken fasting"), required=False
        )


class DiagnosisForm(forms.Form):
    code = forms.CharField(max_length=8, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=DiagnosisKind.choices)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=DiagnosisCertainty.choices)


class AllergyForm(forms.Form):
    substance = forms.CharField(label=_("Allergic to"), max_length=120)
    reaction = forms.CharField(label=_("Reaction"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=AllergySeverity.choices, initial=AllergySeverity.MODERATE
    )


class AddendumForm(forms.Form):
    text = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 3}))
