from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Membership, TrustMembership


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


class TrustRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=TrustMembership.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one role."},
    )


class GroupPersonForm(forms.Form):
    """Someone a consortium lead adds: an existing account by its email, or a new person."""

    email = forms.EmailField(label="Email address", max_length=254)
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        help_text="Only needed if they have no account yet.",
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        help_text="Only needed if they have no account yet.",
    )


class TrustPersonForm(GroupPersonForm):
    """Someone a trust's CPD lead adds, with the trust-wide roles they will hold."""

    roles = forms.MultipleChoiceField(
        label="Roles across the trust",
        choices=TrustMembership.Role.choices,
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


class NotForYourselfForm(WagtailAdminModelForm):
    """Admin forms that give a person a role at a school or trust: nobody gives one to
    themselves, whatever their permissions (a bookings officer could otherwise make
    themselves a school's finance contact and open its invoices)."""

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None and self.for_user is not None and user.pk == self.for_user.pk:
            raise forms.ValidationError(
                "You cannot give yourself a role. Ask another member of staff."
            )
        return user
