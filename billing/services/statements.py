"""Statements: an account's invoices, credit notes and payments, what it owes (and how much of
that is overdue) and the credit it holds."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ..models import ZERO, Account, CreditNote, Invoice, Payment
from .credit import spendable
from .invoicing import outstanding


@dataclass
class Statement:
    account: Account
    invoices: list
    credit_notes: list
    payments: list
    owed: Decimal
    credit: Decimal
    overdue: Decimal

    @property
    def balance(self):
        """Positive: the account owes; negative: it holds credit."""
        return self.owed - self.credit


def statement(account, *, since=None):
    today = timezone.localdate()
    invoices = list(
        Invoice.objects.filter(account=account)
        .exclude(status=Invoice.Status.DRAFT)  # a void invoice is listed, as its credit note is
        .filter(Q(issued_on__gte=since) if since else Q())
        .prefetch_related("lines", "credit_notes", "payments")
        .order_by("issued_on", "number")  # a statement reads in date, then number, order
    )
    for invoice in invoices:
        invoice.owed = outstanding(invoice)
    owed = sum((i.owed for i in invoices), ZERO)
    overdue = sum((i.owed for i in invoices if i.due_on < today), ZERO)
    return Statement(
        account=account,
        invoices=invoices,
        credit_notes=list(
            CreditNote.objects.filter(account=account)
            .select_related("invoice")
            .order_by("issued_on", "number")
        ),
        payments=list(
            Payment.objects.filter(account=account)
            .select_related("invoice")
            .order_by("received_on", "pk")
        ),
        owed=owed,
        credit=spendable(account, single_purpose=None),
        overdue=overdue,
    )
