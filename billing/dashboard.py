"""The admin dashboard's panel for finance officers and service managers: invoices overdue,
their count and total, and the ten largest. It reads with a fixed number of queries, whatever
the number of invoices; billing.wagtail_hooks adds it."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from accounts import roles

from .admin_views import overdue_filter
from .models import Invoice
from .reports import with_outstanding

OVERDUE_SHOWN = 10


def overdue_invoices():
    """Invoices past their due date with something owed, as the invoice list's filter has it."""
    return overdue_filter(with_outstanding(Invoice.objects.all()), "overdue", True)


class OverdueInvoicesPanel(Component):
    name = "overdue_invoices"
    template_name = "billing/dashboard/overdue_invoices.html"
    order = 60

    def get_context_data(self, parent_context):
        invoices = overdue_invoices()
        totals = invoices.aggregate(count=Count("pk"), total=Sum("owed"))
        today = timezone.localdate()
        largest = list(
            invoices.select_related(
                "account__school", "account__trust", "account__consortium"
            ).order_by("-owed", "due_on", "pk")[:OVERDUE_SHOWN]
        )
        for invoice in largest:
            invoice.days_overdue = (today - invoice.due_on).days
            invoice.url = reverse("billing_invoices:inspect", args=[invoice.pk])
        return {
            "count": totals["count"],
            "total": totals["total"] or Decimal("0.00"),
            "invoices": largest,
            "shown": OVERDUE_SHOWN,
            "list_url": reverse("billing_invoices:index") + "?overdue=true",
        }


def add_overdue_invoices(request, panels):
    if roles.holds_staff_role(request.user, roles.FINANCE, roles.MANAGERS):
        panels.append(OverdueInvoicesPanel())
