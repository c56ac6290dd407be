"""Money received: recording a payment against one invoice (services.record_payment), and
allocating one remittance across an account's open invoices (services.record_remittance)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView

from core.params import id_param

from .. import services
from ..models import ZERO, Account, Invoice, Payment
from ..services import BillingError
from .base import PAYABLE, BillingPage, _invoice_url


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
