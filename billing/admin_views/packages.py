"""Packages and prices: the forms for a package and for a band's fixed price on a course or a
run, and selling a package to an account (services.buy_package)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from core.academic_year import AcademicYear
from core.params import id_param

from .. import services
from ..models import Account, AccountPackage, CourseBandPrice, Package, RunBandPrice
from ..services import BillingError
from .base import BillingPage


def _price_field(label="Price"):
    return forms.DecimalField(
        label=label, min_value=0, max_digits=10, decimal_places=2, help_text="Pounds, before VAT."
    )


class PackageForm(forms.ModelForm):
    price = _price_field("What the package costs")

    class Meta:
        model = Package
        fields = [
            "name",
            "kind",
            "price",
            "discount_percent",
            "credit_amount",
            "voucher_type",
            "nominal_code",
        ]
        help_texts = {
            "voucher_type": "Prepaid credit is a voucher for VAT. Multi-purpose (the default, "
            "for credit that may buy any course): no VAT when sold; each place it pays for "
            "carries its course's VAT. Single-purpose (only if every course it can buy is "
            "standard-rated): 20% VAT when sold; the places it pays for carry none, and it "
            "pays standard-rated places only. Ignored for a discount package.",
            "nominal_code": "Where a discount package's sale is posted. Prepaid credit is posted "
            "to the deferred-income code in billing settings until it pays for places.",
        }

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        discount = cleaned.get("discount_percent")
        credit = cleaned.get("credit_amount")
        if kind == Package.Kind.DISCOUNT and not (discount and 0 < discount <= 100):
            self.add_error("discount_percent", "A discount package needs a discount of 0–100%.")
        if kind == Package.Kind.DISCOUNT:
            # Not a voucher, whatever the select was left on (it starts on multi-purpose).
            cleaned["voucher_type"] = self.instance.voucher_type = ""
        if kind == Package.Kind.CREDITS and not (credit and credit > 0):
            self.add_error("credit_amount", "A prepaid-credit package needs an amount of credit.")
        price = cleaned.get("price")
        multi = cleaned.get("voucher_type") in ("", Package.VoucherType.MULTI)
        bonus = credit is not None and price is not None and credit > price
        if kind == Package.Kind.CREDITS and multi and bonus:
            # Sch 10B para 7: VAT on a place is due on what was paid for the credit that pays
            # for it; the service charges it on the place's price, which is only right when
            # the credit cost what it is worth (docs/vat.md).
            self.add_error(
                "credit_amount",
                f"Multi-purpose credit is sold at its face value: £{credit:,.2f} of credit "
                f"for £{price:,.2f} would make the VAT on each place wrong. Sell bonus "
                "credit as a single-purpose voucher, or give a discount package instead.",
            )
        return cleaned


class CourseBandPriceForm(forms.ModelForm):
    price = _price_field()

    class Meta:
        model = CourseBandPrice
        fields = ["course", "band", "price"]


class RunBandPriceForm(forms.ModelForm):
    price = _price_field()

    class Meta:
        model = RunBandPrice
        fields = ["run", "band", "price"]


long_date = services.long_date


class SellPackageForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.select_related("school", "trust", "consortium"),
        empty_label="Choose an account",
        help_text="No account yet for a school? Add one under Billing → Accounts first.",
    )
    package = forms.ModelChoiceField(queryset=Package.objects.all(), empty_label="Choose one")
    starts_on = forms.DateField(label="Starts on", help_text="It runs for a year from this date.")

    def clean_starts_on(self):
        starts = self.cleaned_data["starts_on"]
        if (starts.month, starts.day) == (2, 29):
            raise forms.ValidationError(
                "A package runs for a year: start it on 28 February or 1 March."
            )
        return starts

    def clean(self):
        cleaned = super().clean()
        account, package = cleaned.get("account"), cleaned.get("package")
        starts = cleaned.get("starts_on")
        if account and package and starts:
            # The same package twice over the same months is a slip (or a double click);
            # a different one, e.g. a credit top-up, is a sale.
            held = AccountPackage.objects.filter(
                account=account,
                package=package,
                starts_on__lt=starts.replace(year=starts.year + 1),
                ends_on__gt=starts,
            ).first()
            if held:
                raise forms.ValidationError(
                    f"{account.name} already holds {package.name} from "
                    f"{long_date(held.starts_on)} to {long_date(held.ends_on)}."
                )
        return cleaned


class SellPackageView(BillingPage, FormView):
    model = AccountPackage
    permission_required = "add"
    page_title = "Sell a package"
    header_icon = "tag"
    template_name = "billing/admin/sell_package.html"
    form_class = SellPackageForm

    def get_initial(self):
        initial = {"starts_on": AcademicYear.current().first_day}
        account = id_param(self.request.GET, "account")
        if account is not None:
            initial["account"] = account
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["packages"] = Package.objects.all()
        return context

    def form_valid(self, form):
        account, package = form.cleaned_data["account"], form.cleaned_data["package"]
        try:
            held = services.buy_package(
                account, package, starts_on=form.cleaned_data["starts_on"], by=self.request.user
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        said = f"{account.name} now holds {package.name} until {long_date(held.ends_on)}."
        if package.price > 0:
            said += " Its invoice is issued and on its way to the finance contacts."
        messages.success(self.request, said)
        return redirect("billing_accounts:inspect", account.pk)
