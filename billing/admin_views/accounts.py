"""Billing accounts: the forms that make and edit one (where its documents go, its price band)
and its page (balance, credit ledger, packages)."""

from django import forms
from django.shortcuts import get_object_or_404
from wagtail.admin.views.generic import InspectView

from core.admin import may

from .. import services
from ..addresses import is_uk_postcode, normalise_postcode
from ..models import Account, AccountPackage, CreditEntry, Invoice, Payment
from .base import BillingInspectMixin

BILLING_CONTACT_FIELDS = ["contact_name", "contact_email", *Account.ADDRESS_FIELDS]


class BillingAddressForm(forms.ModelForm):
    """Where the account's invoices and credit notes go. Left blank on a school's account, the
    school's address from GIAS is used; when given, it must be whole, not half an address."""

    ADDRESS_HELP = {
        "address_line_1": "Leave the address blank on a school's account to use the school's "
        "address from GIAS. A trust or consortium needs its own.",
        "contact_name": "Printed on invoices and credit notes: “For the attention of …”.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in self.ADDRESS_HELP.items():
            self.fields[name].help_text = text

    def clean_postcode(self):
        postcode = self.cleaned_data.get("postcode", "").strip()
        if postcode and not is_uk_postcode(postcode):
            raise forms.ValidationError(
                f"'{postcode}' is not a UK postcode: it looks like HV3 1AA or SW1A 2AA."
            )
        return normalise_postcode(postcode)

    def clean(self):
        cleaned = super().clean()
        given = [f for f in Account.ADDRESS_FIELDS if (cleaned.get(f) or "").strip()]
        if given:
            for name, words in (
                ("address_line_1", "the first line"),
                ("town", "the town"),
                ("postcode", "the postcode"),
            ):
                if not (cleaned.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, f"An address needs {words}.")
        return cleaned


class AccountCreateForm(BillingAddressForm):
    """An account for a school, a centrally billed trust, or a consortium's shared budget."""

    class Meta:
        model = Account
        fields = [
            "school",
            "trust",
            "consortium",
            "invoicing",
            "price_band",
            "reminders_paused",
            *BILLING_CONTACT_FIELDS,
        ]
        help_texts = {"school": "Choose one of school, trust or consortium."}

    def clean(self):
        cleaned = super().clean()
        parties = [
            (kind, cleaned.get(kind))
            for kind in (Account.Kind.SCHOOL, Account.Kind.TRUST, Account.Kind.CONSORTIUM)
            if cleaned.get(kind)
        ]
        if len(parties) != 1:
            raise forms.ValidationError(
                "Choose exactly one of a school, a trust or a consortium: an account belongs "
                "to one of them."
            )
        self.instance.kind = parties[0][0]
        if cleaned.get("price_band") and self.instance.kind != Account.Kind.SCHOOL:
            self.add_error(
                "price_band", "A price band is set on a school's account: prices are per school."
            )
        return cleaned


class AccountEditForm(BillingAddressForm):
    class Meta:
        model = Account
        fields = ["invoicing", "price_band", "reminders_paused", *BILLING_CONTACT_FIELDS]

    def clean_price_band(self):
        band = self.cleaned_data.get("price_band")
        if band and self.instance.kind != Account.Kind.SCHOOL:
            raise forms.ValidationError(
                "A price band is set on a school's account: prices are per school."
            )
        return band


class AccountInspectView(BillingInspectMixin, InspectView):
    """An account's balance, credit ledger and packages."""

    template_name = "billing/admin/account_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Account.objects.select_related("school", "trust", "consortium", "price_band"),
            pk=self.pk,
        )

    def get_page_subtitle(self):
        return self.object.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.object
        statement = services.statement(account)
        context.update(
            statement=statement,
            credit_lots=services.credit_lots(account),
            reservations=services.reservations(account),
            credit_entries=CreditEntry.objects.filter(account=account)
            .select_related("invoice", "credit_note", "created_by")
            .order_by("-created_at", "-pk")[:50],
            packages=AccountPackage.objects.filter(account=account).select_related("package"),
            band=services.band_for(account.school) if account.school_id else None,
            takes_payments=may(self.request.user, Payment, "add"),
            adjusts_credit=may(self.request.user, Account, "change"),
            invoices_by_hand=may(self.request.user, Invoice, "add"),
            address=account.billing_address,
            address_missing=account.billing_address.missing(),
        )
        return context
