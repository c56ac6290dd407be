"""Exports for the council ledger (invoices, credit notes and payments by date, as CSV) and the
aged debt report, from billing.reports."""

from django import forms
from django.views.generic import TemplateView

from .. import reports
from ..models import Invoice
from .base import BillingPage, _csv_response


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
