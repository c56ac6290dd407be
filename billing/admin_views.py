"""Finance officers' pages in the Wagtail admin.

Thin views over billing.services: recording a payment (record_payment), selling a package
(buy_package), the monthly invoicing run (run_invoicing, in a Celery task), plus the reports in
billing.reports (ledger export, aged debt). A refusal (BillingError) or bad input is shown on the
form and nothing is written."""

import csv
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from core.academic_year import AcademicYear
from core.admin import ReadableInspectMixin, may
from core.params import id_param

from . import jobs, pdf, reports, services
from .addresses import is_uk_postcode, normalise_postcode
from .models import (
    ZERO,
    Account,
    AccountPackage,
    CourseBandPrice,
    CreditEntry,
    CreditNote,
    Invoice,
    Package,
    Payment,
    RunBandPrice,
)
from .services import BillingError

PAYABLE = (Invoice.Status.ISSUED, Invoice.Status.PART_PAID)


def _invoice_url(invoice):
    return reverse("billing_invoices:inspect", args=[invoice.pk])


def _csv_response(filename, rows):
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    response.write("\ufeff")  # the BOM makes Excel read UTF-8
    writer = csv.writer(response)
    for row in rows:
        writer.writerow(row)
    return response


def _pdf_response(field_file, filename):
    return FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )


class BillingInspectMixin(ReadableInspectMixin):
    """Inspect pages as finance reads them: pounds for money, VAT in capitals."""

    labels = {
        "vat": "VAT",
        "net": "Net",
        "gross": "Total",
        "issued_on": "Issued",
        "due_on": "Due",
        "created_by": "Made by hand by",
        "created_at": "Recorded",
    }

    def get_field_label(self, field_name, field):
        labels = {**BillingInspectMixin.labels, **self.labels}
        return labels.get(field_name) or super().get_field_label(field_name, field)


class BillingPage(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """A page of the Billing menu. `model` and `permission_required` name what it needs."""

    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


# --- invoices and credit notes -----------------------------------------------------------------


class InvoiceInspectView(BillingInspectMixin, InspectView):
    """An invoice with its lines, credit notes and payments, and what is still owed."""

    template_name = "billing/admin/invoice_inspect.html"
    money_fields = ("net", "vat", "gross")

    def get_object(self, queryset=None):
        return get_object_or_404(
            Invoice.objects.select_related(
                "account__school", "account__trust", "account__consortium", "booking"
            ),
            pk=self.pk,
        )

    def get_account_display_value(self):
        account = self.object.account
        url = reverse("billing_accounts:inspect", args=[account.pk])
        return format_html('<a href="{}">{}</a>', url, account.name)

    def get_period_display_value(self):
        return services.period_label(self.object.period) or "—"

    @cached_property
    def header_buttons(self):
        invoice = self.object
        buttons = []
        if invoice.number:
            buttons.append(
                HeaderButton(
                    "Download PDF",
                    url=reverse("billing_invoices:pdf", args=[invoice.pk]),
                    icon_name="download",
                    priority=10,
                )
            )
        if invoice.status in PAYABLE and may(self.request.user, Payment, "add"):
            buttons.append(
                HeaderButton(
                    "Record a payment",
                    url=reverse("billing_record_payment:index") + f"?invoice={invoice.pk}",
                    icon_name="plus",
                    priority=20,
                )
            )
            buttons.append(
                HeaderButton(
                    "Allocate a remittance",
                    url=reverse("billing_allocate_remittance:index") + f"?invoice={invoice.pk}",
                    icon_name="tick-inverse",
                    priority=30,
                )
            )
        if invoice.status in (*PAYABLE, Invoice.Status.PAID) and may(
            self.request.user, CreditNote, "add"
        ):
            buttons += [
                HeaderButton(
                    "Credit note…",
                    url=reverse("billing_correct_invoice:credit", args=[invoice.pk]),
                    icon_name="doc-empty",
                    priority=40,
                ),
                HeaderButton(
                    "Void (credit in full)…",
                    url=reverse("billing_correct_invoice:void", args=[invoice.pk]),
                    icon_name="bin",
                    priority=50,
                ),
            ]
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.object
        owed = services.outstanding(invoice) if invoice.status != Invoice.Status.DRAFT else None
        context.update(
            lines=invoice.lines.select_related("enrolment"),
            credit_notes=invoice.credit_notes.all(),
            payments=invoice.payments.select_related("recorded_by"),
            owed=owed,
            overdue=bool(owed and owed > 0 and invoice.due_on < timezone.localdate()),
            school_page=reverse("billing:invoice", args=[invoice.pk]),
        )
        return context


class InvoicePDFView(PermissionCheckedMixin, View):
    model = Invoice
    any_permission_required = ["view", "change"]

    def get(self, request, pk):
        invoice = get_object_or_404(Invoice.objects.exclude(status=Invoice.Status.DRAFT), pk=pk)
        return _pdf_response(pdf.invoice_pdf(invoice), f"{invoice.number}.pdf")


class CreditNoteInspectView(BillingInspectMixin, InspectView):
    template_name = "billing/admin/credit_note_inspect.html"
    money_fields = ("net", "vat", "gross", "returned")

    def get_invoice_display_value(self):
        invoice = self.object.invoice
        return format_html(
            '<a href="{}">{}</a> of {}',
            _invoice_url(invoice),
            invoice.number,
            services.long_date(invoice.issued_on),
        )

    def get_field_label(self, field_name, field):
        if field_name == "invoice":
            return "Original invoice"
        return super().get_field_label(field_name, field)

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                "Download PDF",
                url=reverse("billing_credit_notes:pdf", args=[self.object.pk]),
                icon_name="download",
                priority=10,
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.all()
        return context


class CreditNotePDFView(PermissionCheckedMixin, View):
    model = CreditNote
    any_permission_required = ["view", "change"]

    def get(self, request, pk):
        note = get_object_or_404(CreditNote, pk=pk)
        return _pdf_response(pdf.credit_note_pdf(note), f"{note.number}.pdf")


class PaymentInspectView(BillingInspectMixin, InspectView):
    money_fields = ("amount", "applied", "refunded")
    labels = {"applied": "Applied to the invoice"}

    def get_invoice_display_value(self):
        invoice = self.object.invoice
        return format_html('<a href="{}">{}</a>', _invoice_url(invoice), invoice.number)


# --- accounts ----------------------------------------------------------------------------------


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


# --- prices ------------------------------------------------------------------------------------


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


# --- recording a payment -----------------------------------------------------------------------


class RecordPaymentForm(forms.Form):
    invoice_number = forms.CharField(
        max_length=24, help_text="As quoted on the remittance, e.g. CPD-2026-000123."
    )
    amount = forms.DecimalField(
        label="Amount received (£)",
        max_digits=10,
        decimal_places=2,
        min_value=ZERO,
        help_text="Part payments are fine, up to what is owed. A remittance for several "
        "invoices, or for more than is owed, is allocated from the account's page.",
    )
    method = forms.ChoiceField(
        choices=[
            (Payment.Method.BACS, Payment.Method.BACS.label),
            (Payment.Method.CHEQUE, Payment.Method.CHEQUE.label),
        ],
        widget=forms.RadioSelect,
        initial=Payment.Method.BACS,
    )
    received_on = forms.DateField(label="Received on", help_text="e.g. 24/11/2026")
    reference = forms.CharField(
        label="Remittance or cheque reference", max_length=120, required=False
    )

    def clean_invoice_number(self):
        number = self.cleaned_data["invoice_number"].strip().upper()
        invoice = (
            Invoice.objects.exclude(status=Invoice.Status.DRAFT)
            .select_related("account")
            .filter(number=number)
            .first()
        )
        if invoice is None:
            raise forms.ValidationError(f"No issued invoice has the number {number}.")
        if invoice.status == Invoice.Status.VOID:
            raise forms.ValidationError(f"{number} is void: it takes no payments.")
        self.invoice = invoice
        return number

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("Enter an amount more than £0.00.")
        return amount

    def clean(self):
        cleaned = super().clean()
        invoice = getattr(self, "invoice", None)
        reference = cleaned.get("reference", "").strip()
        # A double click, or the same remittance keyed twice.
        if (
            invoice
            and reference
            and cleaned.get("amount")
            and Payment.objects.filter(
                invoice=invoice, reference=reference, amount=cleaned["amount"]
            ).exists()
        ):
            raise forms.ValidationError(
                f"£{cleaned['amount']:,.2f} with reference '{reference}' is already recorded "
                f"against {invoice.number}."
            )
        return cleaned


class RecordPaymentView(BillingPage, FormView):
    model = Payment
    permission_required = "add"
    page_title = "Record a payment"
    header_icon = "plus"
    template_name = "billing/admin/record_payment.html"
    form_class = RecordPaymentForm

    @cached_property
    def chosen_invoice(self):
        pk = id_param(self.request.GET, "invoice")
        if pk is None:
            return None
        return Invoice.objects.filter(pk=pk, status__in=PAYABLE).select_related("account").first()

    def get_initial(self):
        initial = {"received_on": timezone.localdate(), "method": Payment.Method.BACS}
        if self.chosen_invoice:
            initial["invoice_number"] = self.chosen_invoice.number
            initial["amount"] = services.outstanding(self.chosen_invoice)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.chosen_invoice
        context.update(invoice=invoice, owed=services.outstanding(invoice) if invoice else None)
        return context

    def form_valid(self, form):
        invoice = form.invoice
        try:
            payment = services.record_payment(
                invoice,
                form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"].strip(),
                by=self.request.user,
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        invoice.refresh_from_db()
        owed = services.outstanding(invoice)
        said = f"£{payment.amount:,.2f} recorded against {invoice.number}."
        if payment.amount > payment.applied:
            extra = payment.amount - payment.applied
            said += (
                f" £{extra:,.2f} more than was owed is held as credit on "
                f"{invoice.account.name}'s account."
            )
        elif owed > 0:
            said += f" £{owed:,.2f} is still to pay."
        else:
            said += " It is paid in full."
        messages.success(self.request, said)
        return redirect(_invoice_url(invoice))


# --- allocating a remittance across invoices -----------------------------------------------------


def _allocation_field(label, help_text=""):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=ZERO,
        help_text=help_text,
        error_messages={"min_value": "Allocate £0.00 or more: a remittance only pays in."},
    )


class RemittanceForm(forms.Form):
    """One receipt, and how much of it pays each of the account's open invoices. An
    `alloc_<invoice id>` field is made for each open invoice, and for any other invoice the
    data names, so the service can refuse one that is not the account's."""

    amount = forms.DecimalField(
        label="Amount received (£)", max_digits=10, decimal_places=2, min_value=ZERO
    )
    method = RecordPaymentForm.base_fields["method"]
    received_on = forms.DateField(label="Received on", help_text="e.g. 24/11/2026")
    reference = forms.CharField(
        label="Remittance or cheque reference", max_length=120, required=False
    )

    def __init__(self, *args, account, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.invoices = {invoice.pk: invoice for invoice in invoices}
        named = {
            int(key.removeprefix("alloc_"))
            for key in (self.data or {})
            if key.startswith("alloc_") and key.removeprefix("alloc_").isdigit()
        }
        others = Invoice.objects.filter(pk__in=named - set(self.invoices))
        self.invoices.update({invoice.pk: invoice for invoice in others})
        for invoice in self.invoices.values():
            owed = getattr(invoice, "owed", None)
            help_text = (
                f"Issued {services.long_date(invoice.issued_on)}; £{owed:,.2f} owed."
                if owed is not None
                else ""
            )
            self.fields[f"alloc_{invoice.pk}"] = _allocation_field(
                f"To {invoice.number or invoice} (£)", help_text
            )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("Enter an amount more than £0.00.")
        return amount

    def allocation_fields(self):
        return [self[f"alloc_{pk}"] for pk in self.invoices]

    def allocations(self):
        return [
            (invoice, self.cleaned_data.get(f"alloc_{pk}")) for pk, invoice in self.invoices.items()
        ]


class AllocateRemittanceView(BillingPage, FormView):
    """Finance enters one receipt and shares it across an account's open invoices (oldest
    first, to start with); services.record_remittance does the rest."""

    model = Payment
    permission_required = "add"
    page_title = "Allocate a remittance"
    header_icon = "tick-inverse"
    template_name = "billing/admin/allocate_remittance.html"
    form_class = RemittanceForm

    @cached_property
    def account(self):
        account, invoice = self.request.GET.get("account", ""), self.request.GET.get("invoice", "")
        accounts = Account.objects.select_related("school", "trust", "consortium")
        if account.isdigit():
            return get_object_or_404(accounts, pk=account)
        if invoice.isdigit():
            return get_object_or_404(accounts, invoices__pk=invoice)
        raise Http404("Allocate a remittance from an account's or an invoice's page.")

    @cached_property
    def open_invoices(self):
        return services.payable_invoices(self.account)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "account": self.account,
            "invoices": self.open_invoices,
        }

    def get_initial(self):
        return {"received_on": timezone.localdate(), "method": Payment.Method.BACS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            account=self.account,
            open_invoices=self.open_invoices,
            owed=sum((i.owed for i in self.open_invoices), ZERO),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "fill" in request.POST:
            return self.fill_oldest_first()
        return super().post(request, *args, **kwargs)

    def fill_oldest_first(self):
        """Share the amount entered over the open invoices, oldest first, for finance to check."""
        form = self.get_form()
        form.is_valid()
        amount = form.cleaned_data.get("amount")
        if amount is None:
            return self.form_invalid(form)
        initial = {
            name: form.cleaned_data.get(name)
            for name in ("amount", "method", "received_on", "reference")
        }
        for pk, share in services.oldest_first(amount, self.open_invoices).items():
            initial[f"alloc_{pk}"] = share
        unbound = self.form_class(
            account=self.account, invoices=self.open_invoices, initial=initial
        )
        return self.render_to_response(self.get_context_data(form=unbound))

    def form_valid(self, form):
        try:
            remittance = services.record_remittance(
                self.account,
                form.cleaned_data["amount"],
                form.allocations(),
                method=form.cleaned_data["method"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                by=self.request.user,
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        shares = [
            f"£{p.amount:,.2f} to {p.invoice.number}"
            for p in remittance.allocations.select_related("invoice").order_by("pk")
        ]
        said = f"£{remittance.amount:,.2f} recorded for {self.account.name}"
        said += f": {', '.join(shares)}." if shares else "."
        if remittance.held_as_credit:
            said += f" £{remittance.held_as_credit:,.2f} is held as credit on the account."
        messages.success(self.request, said)
        return redirect("billing_accounts:inspect", self.account.pk)


# --- selling a package -------------------------------------------------------------------------


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


# --- the monthly invoicing run -----------------------------------------------------------------


def last_month(today=None):
    first = (today or timezone.localdate()).replace(day=1)
    previous = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return previous.strftime("%Y-%m")


class RunInvoicingForm(forms.Form):
    period = forms.CharField(
        label="Month", max_length=7, help_text="YYYY-MM, e.g. 2026-11. Places confirmed by the end "
        "of the month are invoiced."
    )  # fmt: skip

    def clean_period(self):
        period = self.cleaned_data["period"].strip()
        try:
            start, _ = services.period_bounds(period)
        except BillingError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        if start > timezone.localdate():
            raise forms.ValidationError(f"{period} has not started yet.")
        return period


class RunInvoicingView(BillingPage, FormView):
    model = Invoice
    permission_required = "add"
    page_title = "Run invoicing"
    header_icon = "resubmit"
    template_name = "billing/admin/run_invoicing.html"
    form_class = RunInvoicingForm

    def get_initial(self):
        return {"period": last_month()}

    def form_valid(self, form):
        job = jobs.start_invoicing_run(form.cleaned_data["period"], by=self.request.user)
        return redirect("billing_run_invoicing:progress", job)


class InvoicingProgressView(BillingPage, TemplateView):
    model = Invoice
    permission_required = "add"
    page_title = "Invoicing run"
    header_icon = "resubmit"
    template_name = "billing/admin/invoicing_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = jobs.job_status(self.kwargs["job"])
        if status is None:
            raise Http404("No such invoicing run (runs are remembered for a day).")
        context.update(
            job=self.kwargs["job"],
            status=status,
            status_url=reverse("billing_run_invoicing:status", args=[self.kwargs["job"]]),
        )
        return context


class InvoicingStatusView(PermissionCheckedMixin, View):
    """The run's progress as JSON, for the progress page to poll."""

    model = Invoice
    permission_required = "add"

    def get(self, request, job):
        status = jobs.job_status(job)
        if status is None:
            raise Http404("No such invoicing run")
        done, total = status.get("done") or 0, status.get("total")
        return JsonResponse(
            {
                "state": status["state"],
                "period": status["period"],
                "done": done,
                "total": total,
                "percent": (100 * done // total)
                if total
                else (100 if status["state"] == "done" else 0),
                "report": status.get("report", ""),
            }
        )


# --- exports and aged debt -------------------------------------------------------------------


class LedgerExportForm(forms.Form):
    start = forms.DateField(label="From", help_text="e.g. 1/11/2026")
    end = forms.DateField(label="To (inclusive)", help_text="e.g. 30/11/2026")
    kind = forms.ChoiceField(
        choices=[(k, label) for k, (label, _, _) in reports.EXPORTS.items()], required=False
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        return cleaned


class LedgerExportView(BillingPage, TemplateView):
    """A date range's invoices, credit notes and payments for the council ledger, as CSV."""

    model = Invoice
    any_permission_required = ["view", "change"]
    page_title = "Ledger export"
    header_icon = "download"
    template_name = "billing/admin/ledger_export.html"

    def get(self, request, *args, **kwargs):
        form = LedgerExportForm(request.GET if "start" in request.GET else None)
        if form.is_bound and form.is_valid() and form.cleaned_data["kind"]:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            _, rows, stem = reports.EXPORTS[form.cleaned_data["kind"]]
            return _csv_response(f"{stem}-{start}-to-{end}.csv", rows(start, end))
        summary = None
        if form.is_bound and form.is_valid():
            summary = reports.ledger_summary(form.cleaned_data["start"], form.cleaned_data["end"])
        return self.render_to_response(
            self.get_context_data(form=form, summary=summary, exports=reports.EXPORTS)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs["form"]
        if form.is_bound and form.is_valid():
            query = f"start={form.cleaned_data['start']}&end={form.cleaned_data['end']}"
            context["downloads"] = [
                (label, f"?{query}&kind={kind}") for kind, (label, _, _) in reports.EXPORTS.items()
            ]
        return context


class AgedDebtView(BillingPage, TemplateView):
    model = Invoice
    any_permission_required = ["view", "change"]
    page_title = "Aged debt"
    header_icon = "time"
    template_name = "billing/admin/aged_debt.html"

    def get(self, request, *args, **kwargs):
        report = reports.aged_debt()
        if request.GET.get("format") == "csv":
            return _csv_response(f"aged-debt-{report.on}.csv", reports.aged_debt_rows(report))
        return self.render_to_response(
            self.get_context_data(report=report, buckets=reports.BUCKETS)
        )


def overdue_filter(queryset, name, value):
    """Invoices past their due date with something still owed (needs the `owed` annotation)."""
    if not value:
        return queryset
    return queryset.filter(Q(status__in=PAYABLE), due_on__lt=timezone.localdate(), owed__gt=0)


# --- corrections by hand: credit adjustments, credit notes and void, manual invoices ------------


def _reason_field(help_text):
    return forms.CharField(
        max_length=200, help_text=help_text, error_messages={"required": "Give a reason."}
    )


class CreditAdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        label="Adjustment (£)",
        max_digits=10,
        decimal_places=2,
        help_text="Positive adds credit to the account; negative (e.g. -25.00) takes it away.",
    )
    reason = _reason_field("Why: kept on the credit ledger with your name and the time.")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("Enter an amount other than £0.00.")
        return amount


class AdjustCreditView(BillingPage, FormView):
    """Finance adds or takes away account credit by hand, with a reason (services.adjust_credit)."""

    model = Account
    permission_required = "change"
    page_title = "Adjust credit"
    header_icon = "plus"
    template_name = "billing/admin/adjust_credit.html"
    form_class = CreditAdjustmentForm

    @cached_property
    def account(self):
        return get_object_or_404(
            Account.objects.select_related("school", "trust", "consortium"), pk=self.kwargs["pk"]
        )

    def get_page_subtitle(self):
        return self.account.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            account=self.account,
            credit=services.spendable(self.account),
            voucher_credit=services.spendable(self.account, single_purpose=True),
        )
        return context

    def form_valid(self, form):
        try:
            amount = services.adjust_credit(
                self.account,
                form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=self.request.user,
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        held = services.spendable(self.account, single_purpose=None)
        messages.success(
            self.request,
            f"Credit adjusted by £{amount:,.2f} on {self.account.name}: £{held:,.2f} held now.",
        )
        return redirect("billing_accounts:inspect", self.account.pk)


class ExtendCreditForm(forms.Form):
    use_by = forms.DateField(
        label="New use-by date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day the credit can be spent.",
        error_messages={"invalid": "Enter a real date, e.g. 31/08/2028."},
    )
    reason = _reason_field("Why: kept with the lot, your name and the time.")


class ExtendCreditView(BillingPage, FormView):
    """Finance moves a package lot's use-by date later (services.extend_credit)."""

    model = Account
    permission_required = "change"
    page_title = "Extend credit"
    header_icon = "date"
    template_name = "billing/admin/extend_credit.html"
    form_class = ExtendCreditForm

    @cached_property
    def lot(self):
        return get_object_or_404(
            CreditEntry.objects.select_related("account__school", "account__trust"),
            pk=self.kwargs["pk"],
            lot_id=F("pk"),
            use_by__isnull=False,
        )

    def get_page_subtitle(self):
        return self.lot.account.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        row = next(r for r in services.credit_lots(self.lot.account) if r.lot.pk == self.lot.pk)
        context.update(lot=row, extensions=self.lot.extensions.select_related("created_by"))
        return context

    def form_valid(self, form):
        try:
            back = services.extend_credit(
                self.lot,
                form.cleaned_data["use_by"],
                reason=form.cleaned_data["reason"],
                by=self.request.user,
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        until = services.long_date(form.cleaned_data["use_by"])
        said = f"{self.lot.note} credit can now be used until {until}."
        if back:
            said += f" £{back:,.2f} that had expired is back."
        messages.success(self.request, said)
        return redirect("billing_accounts:inspect", self.lot.account_id)


class ManualCreditNoteForm(forms.Form):
    """How much of each line to credit (net, before VAT), and why. A `line_<id>` field per
    line of the invoice."""

    reason = _reason_field("Why: printed on the credit note and kept with your name.")

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line, left in lines:
            self.fields[f"line_{line.pk}"] = forms.DecimalField(
                label=f"{line.description} (£, before VAT)",
                required=False,
                max_digits=10,
                decimal_places=2,
                min_value=ZERO,
                help_text=f"£{left:,.2f} left to credit, {line.vat_rate * 100:.0f}% VAT "
                f"({line.vat_treatment}).",
                error_messages={
                    "min_value": "Credit £0.00 or more: a credit note only gives back."
                },
            )
        self.order_fields(["reason"])

    def clean(self):
        cleaned = super().clean()
        for line, left in self.lines:
            net = cleaned.get(f"line_{line.pk}")
            if net and net > left:
                self.add_error(f"line_{line.pk}", f"Only £{left:,.2f} is left to credit.")
        if not self.errors and not any(self.amounts()):
            raise forms.ValidationError("Enter an amount to credit on at least one line.")
        return cleaned

    def line_fields(self):
        return [self[f"line_{line.pk}"] for line, _ in self.lines]

    def amounts(self):
        pairs = ((line, self.cleaned_data.get(f"line_{line.pk}")) for line, _ in self.lines)
        return [(line, net) for line, net in pairs if net]


class VoidForm(forms.Form):
    reason = _reason_field("Why: printed on the credit note and kept with your name.")


class CorrectInvoiceMixin(BillingPage):
    """A page about one issued invoice that finance corrects with a credit note."""

    model = CreditNote
    permission_required = "add"
    header_icon = "doc-empty"

    @cached_property
    def invoice(self):
        return get_object_or_404(
            Invoice.objects.exclude(
                status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
            ).select_related("account__school", "account__trust", "account__consortium"),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def lines(self):
        return services.left_to_credit(self.invoice)

    def get_page_subtitle(self):
        return self.invoice.number

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            invoice=self.invoice,
            lines=self.lines,
            owed=services.outstanding(self.invoice),
            places=any(line.enrolment_id for line, _ in self.lines),
            left=[(line, left, services.vat_on(left, line.vat_rate)) for line, left in self.lines],
        )
        return context

    def credited(self, note, said):
        messages.success(
            self.request,
            f"{note.number} issued against {self.invoice.number}: £{note.net:,.2f} + VAT "
            f"£{note.vat:,.2f} = £{note.gross:,.2f}.{said}",
        )
        return redirect(_invoice_url(self.invoice))


class ManualCreditNoteView(CorrectInvoiceMixin, FormView):
    page_title = "Credit note"
    template_name = "billing/admin/manual_credit_note.html"
    form_class = ManualCreditNoteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": self.lines}

    def form_valid(self, form):
        try:
            note = services.credit_by_hand(
                self.invoice,
                form.amounts(),
                reason=form.cleaned_data["reason"],
                by=self.request.user,
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        said = f" £{note.returned:,.2f} already paid is held as credit." if note.returned else ""
        return self.credited(note, said)


class VoidInvoiceView(CorrectInvoiceMixin, FormView):
    page_title = "Void (credit in full)"
    template_name = "billing/admin/void_invoice.html"
    form_class = VoidForm

    def form_valid(self, form):
        try:
            note = services.void_invoice(
                self.invoice, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except BillingError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        said = f" {self.invoice.number} is void."
        if note.returned:
            said += f" £{note.returned:,.2f} already paid is held as credit."
        return self.credited(note, said)


class ManualInvoiceForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.select_related("school", "trust", "consortium"),
        empty_label="Choose an account",
    )
    po_number = forms.CharField(label="PO number", max_length=80, required=False)
    reason = _reason_field("Why it is raised by hand: kept with your name, not printed.")


class ManualLineForm(forms.Form):
    description = forms.CharField(max_length=240)
    quantity = forms.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Enter a quantity above 0."},
    )
    unit_price = forms.DecimalField(
        label="Unit price (£, before VAT)",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Enter a unit price above £0.00."},
    )
    vat_treatment = forms.ChoiceField(
        label="VAT",
        choices=[
            ("standard", "Standard rate (20%)"),
            ("zero", "Zero rate (0%)"),
            ("exempt", "Exempt"),
        ],
        initial="standard",  # so a blank line, its select untouched, counts as blank
    )
    nominal_code = forms.CharField(max_length=20, required=False)

    def line(self):
        return services.ManualLine(**self.cleaned_data)


ManualLineFormSet = forms.formset_factory(
    ManualLineForm, extra=3, min_num=1, validate_min=True, max_num=20, validate_max=True
)


class ManualInvoiceView(BillingPage, TemplateView):
    """Finance raises an invoice by hand: free lines, each net = quantity × unit price rounded
    once to the penny, VAT per line (services.issue_manual_invoice)."""

    model = Invoice
    permission_required = "add"
    page_title = "Add a manual invoice"
    header_icon = "doc-full"
    template_name = "billing/admin/manual_invoice.html"

    def forms(self, data=None):
        account = id_param(self.request.GET, "account")
        return (
            ManualInvoiceForm(data, initial={"account": account}),
            ManualLineFormSet(data, prefix="lines"),
        )

    def get(self, request, *args, **kwargs):
        form, lines = self.forms()
        return self.render_to_response(self.get_context_data(form=form, lines=lines))

    def post(self, request, *args, **kwargs):
        form, lines = self.forms(request.POST)
        if form.is_valid() and lines.is_valid():
            try:
                invoice = services.issue_manual_invoice(
                    form.cleaned_data["account"],
                    [f.line() for f in lines if f.has_changed() and f.cleaned_data],
                    po_number=form.cleaned_data["po_number"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except BillingError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    f"{invoice.number} issued to {invoice.account.name}: £{invoice.net:,.2f} "
                    f"+ VAT £{invoice.vat:,.2f} = £{invoice.gross:,.2f}.",
                )
                return redirect(_invoice_url(invoice))
        return self.render_to_response(self.get_context_data(form=form, lines=lines))
