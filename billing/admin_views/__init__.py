"""Finance officers' pages in the Wagtail admin.

Thin views over billing.services: recording a payment (record_payment), selling a package
(buy_package), the monthly invoicing run (run_invoicing, in a Celery task), plus the reports in
billing.reports (ledger export, aged debt). A refusal (BillingError) or bad input is shown on the
form and nothing is written. By screen:

- `base`: the page base, inspect labels and downloads every screen shares;
- `documents`: invoices, credit notes and payments, their PDFs, the overdue filter;
- `accounts`: making, editing and inspecting a billing account;
- `packages`: package and band price forms, and selling a package;
- `payments`: recording a payment, allocating a remittance;
- `invoicing`: the monthly invoicing run and its progress;
- `exports`: the ledger export and aged debt;
- `corrections`: credit adjustments and extensions, credit notes, voids, manual invoices.

The names below are what billing.wagtail_hooks and the home dashboard use."""

from .accounts import AccountCreateForm, AccountEditForm, AccountInspectView
from .corrections import (
    AdjustCreditView,
    ExtendCreditView,
    ManualCreditNoteView,
    ManualInvoiceView,
    VoidInvoiceView,
)
from .documents import (
    CreditNoteInspectView,
    CreditNotePDFView,
    InvoiceInspectView,
    InvoicePDFView,
    PaymentInspectView,
    overdue_filter,
)
from .exports import AgedDebtView, LedgerExportView
from .invoicing import InvoicingProgressView, InvoicingStatusView, RunInvoicingView
from .packages import CourseBandPriceForm, PackageForm, RunBandPriceForm, SellPackageView
from .payments import AllocateRemittanceView, RecordPaymentView

__all__ = [
    "AccountCreateForm",
    "AccountEditForm",
    "AccountInspectView",
    "AdjustCreditView",
    "AgedDebtView",
    "AllocateRemittanceView",
    "CourseBandPriceForm",
    "CreditNoteInspectView",
    "CreditNotePDFView",
    "ExtendCreditView",
    "InvoiceInspectView",
    "InvoicePDFView",
    "InvoicingProgressView",
    "InvoicingStatusView",
    "LedgerExportView",
    "ManualCreditNoteView",
    "ManualInvoiceView",
    "PackageForm",
    "PaymentInspectView",
    "RecordPaymentView",
    "RunBandPriceForm",
    "RunInvoicingView",
    "SellPackageView",
    "VoidInvoiceView",
    "overdue_filter",
]
