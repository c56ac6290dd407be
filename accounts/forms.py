from django import forms

from .models import Membership


class FindSchoolForm(forms.Form):
    q = forms.CharField(
        label="School name, URN or postcode",
        max_length=100,
        required=False,
        help_text="For example: Oakfield, 990001 or HV3 1AA",
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Membership.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one role."},
    )


class CloseAccountForm(forms.Form):
    email = forms.EmailField(
        label="Type your email address to confirm",
        help_text="This cannot be undone.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email != self.user.email.lower():
            raise forms.ValidationError("That is not the email address on this account.")
        return email
