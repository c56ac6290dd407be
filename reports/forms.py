"""The buy-in target form: one scope (an LA, a phase or a trust), a year and a percentage."""

from django import forms

from accounts.models import LocalAuthority, School, Trust
from core.academic_year import AcademicYear

from .filters import year_choices

SCOPE_FIELDS = ("local_authority", "phase", "trust")


class BuyInTargetForm(forms.Form):
    year = forms.ChoiceField(label="Academic year")
    local_authority = forms.ModelChoiceField(
        LocalAuthority.objects.order_by("name"), required=False, empty_label="No LA"
    )
    phase = forms.ChoiceField(choices=[("", "No phase"), *School.Phase.choices], required=False)
    trust = forms.ModelChoiceField(
        Trust.objects.order_by("name"), required=False, empty_label="No trust"
    )
    percent = forms.DecimalField(
        label="Target (% of open schools bought in)",
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        help_text="For example 85 for 85% of the open schools in the scope.",
    )

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        selected = year or AcademicYear.current()
        self.fields["year"].choices = [(y.label, y.label) for y in year_choices(selected)]
        self.fields["year"].initial = selected.label

    def clean_year(self):
        try:
            return AcademicYear.parse(self.cleaned_data["year"])
        except ValueError as error:
            raise forms.ValidationError("Choose an academic year from the list.") from error

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in SCOPE_FIELDS if cleaned.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                "Choose one scope for the target: a local authority, a phase or a trust "
                f"({'none was' if not chosen else 'more than one was'} chosen)."
            )
        return cleaned

    @property
    def scope(self):
        return {
            "local_authority": self.cleaned_data.get("local_authority"),
            "phase": self.cleaned_data.get("phase") or "",
            "trust": self.cleaned_data.get("trust"),
        }
