"""Invoices, credit notes and payments as finance inspects them, their PDFs, and the invoice
list's overdue filter."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.generic import View
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from core.admin import may

from .. import pdf, services
from ..models import CreditNote, Invoice, Payment
from .base import PAYABLE, BillingInspectMixin, _invoice_url, _pdf_response


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


def overdue_filter(queryset, name, value):
    """Invoices past their due date with something still owed (needs the `owed` annotation)."""
    if not value:
        return queryset
    return queryset.filter(Q(status__in=PAYABLE), due_on__lt=timezone.localdate(), owed__gt=0)
