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


class ConsortiumBudgetForm(forms.Form):
    """A consortium's rules for its shared budget, set by its leads (or the CPD team)."""

    budget_needs_approval = forms.BooleanField(
        label="Places paid from the partnership budget need a lead's approval",
        required=False,
        help_text="A place the budget would pay for, wholly or partly, waits with its place "
        "held until one of the consortium's leads approves. If a lead declines, the place "
        "stands and the school pays for it.",
    )
    drawing_schools = forms.TypedMultipleChoiceField(
        label="Member schools that may draw on the budget",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A school left unticked pays for its own places.",
        error_messages={"invalid_choice": "Choose from the consortium's member schools."},
    )

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drawing_schools"].choices = [(s.pk, s.name) for s in schools]


class ApprovalRulesForm(forms.Form):
    bookings_need_approval = forms.BooleanField(
        label="Staff bookings need the CPD lead's approval",
        required=False,
        help_text="A teacher's own booking waits, with its place held, until a CPD lead "
        "approves it.",
    )
    approval_spend_threshold = forms.DecimalField(
        label="Also ask the finance contact above this price a place (£)",
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text="The price before VAT (net). Leave empty if the CPD lead's approval is "
        "enough. Enter 0 to ask for every place that costs anything.",
        error_messages={
            "invalid": "Enter the spend limit as an amount in pounds, like 150 or 150.00.",
            "min_value": "Enter a spend limit of £0 or more, or leave it empty.",
            "max_digits": "Enter a spend limit under £1,000,000.",
            "max_whole_digits": "Enter a spend limit under £1,000,000.",
            "max_decimal_places": "Enter the spend limit in pounds and pence, like 150.50.",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("approval_spend_threshold") is not None and not data.get(
            "bookings_need_approval"
        ):
            self.add_error(
                "approval_spend_threshold",
                "A spend limit needs the CPD lead's approval too: tick the box above, or "
                "leave the limit empty.",
            )
        return data


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
