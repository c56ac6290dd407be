"""What the reports share: the customer reference the ledger keys on, and what each invoice
still owes, worked out by the database in one query."""

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import ZERO, CreditNote, Payment

MONEY = DecimalField(max_digits=12, decimal_places=2)


_ACCOUNT = ("school", "trust", "consortium")


def customer_ref(account):
    """The ledger's key for a customer: a school's URN, a trust's GIAS UID, or the consortium."""
    if account.school_id:
        return f"URN {account.school.urn}"
    if account.trust_id:
        return f"TRUST {account.trust.uid}"
    return f"CONSORTIUM {account.consortium_id}"


def _sum_per_invoice(queryset, expression):
    return Coalesce(
        Subquery(
            queryset.filter(invoice=OuterRef("pk"))
            .values("invoice")
            .annotate(t=Sum(expression, output_field=MONEY))
            .values("t"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def with_outstanding(invoices):
    """Annotate `owed`: services.outstanding() for each invoice, worked out by the database."""
    credited = _sum_per_invoice(CreditNote.objects.all(), F("gross") - F("returned"))
    paid = _sum_per_invoice(Payment.objects.all(), F("applied"))
    return invoices.annotate(
        owed=ExpressionWrapper(F("gross") - credited - paid, output_field=MONEY)
    )
