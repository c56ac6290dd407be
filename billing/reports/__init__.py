"""What finance reads off the books: statement rows, the ledger export (invoices, credit notes
and payments for a date range, with each strand's nominal code), and the aged-debt report.

Reads only. Amounts are Decimal, written to CSV as plain pounds and pence ("1234.50"). By area:

- `common`: the customer reference, and what each invoice owes in one query;
- `statements`: a statement as CSV;
- `ledger`: the ledger export and its summary;
- `aged_debt`: the aged-debt report.

The names below are what the admin views, the school's pages, other apps and the tests use."""

from .aged_debt import (
    AGED_DEBT_HEADINGS,
    BUCKETS,
    AgedAccount,
    AgedDebt,
    aged_debt,
    aged_debt_rows,
    bucket_for,
)
from .common import MONEY, customer_ref, with_outstanding
from .ledger import (
    CREDIT_EXPIRY,
    CREDIT_INTO_DEFERRED,
    CREDIT_NOTE_HEADINGS,
    CREDIT_OUT_OF_DEFERRED,
    EXPORTS,
    INVOICE_HEADINGS,
    PAYMENT_HEADINGS,
    REDEMPTION_HEADINGS,
    LedgerSummary,
    credit_movements,
    credit_note_lines,
    credit_note_rows,
    invoice_lines,
    invoice_rows,
    ledger_summary,
    payment_rows,
    payments,
    redemption_rows,
    redemptions,
    unallocated_remittances,
)
from .statements import STATEMENT_HEADINGS, statement_rows

__all__ = [
    "AGED_DEBT_HEADINGS",
    "AgedAccount",
    "AgedDebt",
    "BUCKETS",
    "CREDIT_EXPIRY",
    "CREDIT_INTO_DEFERRED",
    "CREDIT_NOTE_HEADINGS",
    "CREDIT_OUT_OF_DEFERRED",
    "EXPORTS",
    "INVOICE_HEADINGS",
    "LedgerSummary",
    "MONEY",
    "PAYMENT_HEADINGS",
    "REDEMPTION_HEADINGS",
    "STATEMENT_HEADINGS",
    "aged_debt",
    "aged_debt_rows",
    "bucket_for",
    "credit_movements",
    "credit_note_lines",
    "credit_note_rows",
    "customer_ref",
    "invoice_lines",
    "invoice_rows",
    "ledger_summary",
    "payment_rows",
    "payments",
    "redemption_rows",
    "redemptions",
    "statement_rows",
    "unallocated_remittances",
    "with_outstanding",
]
