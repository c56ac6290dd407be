"""What every finance page shares: the Billing menu's page base and inspect labels, links to
an invoice, and CSV and PDF downloads."""

import csv

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from core.admin import ReadableInspectMixin

from ..models import Invoice

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
