"""The aged-debt report: what each account owes, bucketed by how long overdue, and as CSV."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.exports import spreadsheet_safe

from ..models import (
    ZERO,
    Account,
    Invoice,
)
from ..services import money
from .common import _ACCOUNT, customer_ref, with_outstanding

BUCKETS = [
    ("current", "Not yet due"),
    ("1-30", "1–30 days overdue"),
    ("31-60", "31–60 days overdue"),
    ("61-90", "61–90 days overdue"),
    ("over-90", "Over 90 days overdue"),
]


def bucket_for(days_overdue):
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "over-90"


def _empty():
    return {key: ZERO for key, _ in BUCKETS}


@dataclass
class AgedAccount:
    account: Account
    buckets: dict = field(default_factory=_empty)
    invoices: int = 0

    @property
    def total(self):
        return sum(self.buckets.values(), ZERO)

    @property
    def amounts(self):
        return [self.buckets[key] for key, _ in BUCKETS]


@dataclass
class AgedDebt:
    on: object
    accounts: list
    totals: dict

    @property
    def total(self):
        return sum(self.totals.values(), ZERO)

    @property
    def bars(self):
        """(label, amount, share of the largest bucket in percent) for the chart."""
        largest = max(self.totals.values(), default=ZERO) or Decimal(1)
        return [
            (label, self.totals[key], int(self.totals[key] * 100 / largest))
            for key, label in BUCKETS
        ]


def aged_debt(on=None):
    """What each account owes, by how long past its due date, as of `on` (default today)."""
    on = on or timezone.localdate()
    invoices = (
        with_outstanding(
            Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]).filter(
                issued_on__lte=on
            )
        )
        .filter(owed__gt=0)
        .select_related(*(f"account__{p}" for p in _ACCOUNT))
        .order_by("account_id", "due_on")
    )
    by_account = {}
    totals = _empty()
    for invoice in invoices:
        row = by_account.setdefault(invoice.account_id, AgedAccount(invoice.account))
        key = bucket_for((on - invoice.due_on).days)
        owed = money(invoice.owed)
        row.buckets[key] += owed
        row.invoices += 1
        totals[key] += owed
    rows = sorted(by_account.values(), key=lambda r: (-r.total, r.account.name))
    return AgedDebt(on=on, accounts=rows, totals=totals)


AGED_DEBT_HEADINGS = ["Customer ref", "Customer", "Invoices", *[label for _, label in BUCKETS]]


def aged_debt_rows(report):
    yield [*AGED_DEBT_HEADINGS, "Total"]
    for row in report.accounts:
        yield [
            customer_ref(row.account),
            spreadsheet_safe(row.account.name),
            row.invoices,
            *row.amounts,
            row.total,
        ]
    yield ["", "Total", sum(r.invoices for r in report.accounts),
           *[report.totals[k] for k, _ in BUCKETS], report.total]  # fmt: skip
