"""Corrections by hand, each with a reason: adjusting or extending account credit, a credit note
or a void against an issued invoice, and a manual invoice."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from core.params import id_param

from .. import services
from ..models import ZERO, Account, CreditEntry, CreditNote, Invoice
from ..services import BillingError
from .base import BillingPage, _invoice_url


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
