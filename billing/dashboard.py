"""The admin dashboard's panels for finance officers and service managers: invoices overdue,
their count and total, and the ten largest; and, when there are any, finance contacts whose
email address bounces. Each reads with a fixed number of queries, whatever the number of
rows; billing.wagtail_hooks adds them."""

from decimal import Decimal

from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from accounts import roles
from accounts.models import Membership, TrustMembership

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


def bouncing_finance_contacts():
    """Finance contacts (of a school or a trust) whose current address bounces, newest first:
    each as (person, their bounce, whom they receive invoices for)."""
    bouncing = {
        "is_finance": True,
        "user__is_active": True,
        "user__closed_at": None,
        "user__email_bounce__address": F("user__email"),
    }
    rows = [
        (m.user, m.user.email_bounce, m.school.name)
        for m in Membership.objects.filter(**bouncing).select_related(
            "user__email_bounce", "school"
        )
    ] + [
        (m.user, m.user.email_bounce, m.trust.name)
        for m in TrustMembership.objects.filter(**bouncing).select_related(
            "user__email_bounce", "trust"
        )
    ]
    return sorted(rows, key=lambda row: (-row[1].occurred_at.timestamp(), row[2], row[0].pk))


class BouncingFinanceContactsPanel(Component):
    name = "bouncing_finance_contacts"
    template_name = "billing/dashboard/bouncing_finance_contacts.html"
    order = 61

    def __init__(self, contacts):
        self.contacts = contacts

    def get_context_data(self, parent_context):
        return {"contacts": self.contacts}


def add_bouncing_finance_contacts(request, panels):
    if roles.holds_staff_role(request.user, roles.FINANCE, roles.MANAGERS):
        contacts = bouncing_finance_contacts()
        if contacts:  # no panel while every finance contact's mail gets through
            panels.append(BouncingFinanceContactsPanel(contacts))
