"""Billing use cases. Pricing lives here alone: everything that needs a price asks price_for().

Money rules, in one place:
- amounts are Decimal pounds; VAT is worked out per line, rounded half-up to the penny, and a
  line's gross is its net plus its VAT;
- a place's price and VAT rate are snapshotted on the enrolment when it is booked;
- what a place should cost now (bookings.charges.charge_due) less what has been invoiced for
  it, net of credit notes, is what settlement (the app above bookings) invoices or credits
  through the helpers here. Settling twice changes nothing. Billing reads no booking.

By area, each module leaning only on those above it:

- `errors`: BillingError and the wording of refusals;
- `money`: pennies, VAT rates and VAT per line, sums;
- `accounts`: who is invoiced for a school, document addresses, the account locks;
- `pricing`: bands and quote() / quotes_for() / price_for(), the one place a price is decided;
- `credit`: the credit ledger: lots, spending, expiry and extension, what people see of it;
- `invoicing`: numbering, issuing, what is owed, the monthly run's period and report;
- `drawing`: a place paid from prepaid credit at booking, and telling the booker beforehand;
- `credit_notes`: crediting an invoice, and what a note gives back;
- `payments`: payments and remittances received;
- `statements`: an account's statement;
- `packages`: selling a package;
- `corrections`: finance's corrections by hand (credit, credit notes, voids, manual invoices).

The names below are what other apps, the views and the tests use: import from
billing.services, not from the modules. A test that patches a name patches it in the module
that calls it (e.g. billing.services.drawing._lock).
"""

from .accounts import _lock, address_for_documents, billed_account, invoicing_for, school_account
from .corrections import (
    MANUAL_VAT_TREATMENTS,
    ManualLine,
    adjust_credit,
    credit_by_hand,
    issue_manual_invoice,
    left_to_credit,
    void_invoice,
)
from .credit import (
    CreditLot,
    Reservation,
    _release_draws,
    credit_balance,
    credit_lots,
    expire_credit,
    extend_credit,
    open_lot,
    reservations,
    spendable,
    spendable_lots,
    take_credit,
)
from .credit_notes import issue_credit_note
from .drawing import (
    CreditCover,
    consortium_to_ask,
    credit_cover,
    credit_drawn_for,
    draw_credit_for_place,
    has_credit_to_draw,
    paid_by_voucher,
)
from .errors import BillingError, IncompleteBillingAddress, _and, long_date
from .invoicing import (
    InvoicingReport,
    _add_line,
    _line,
    _live_lines,
    invoiced_net,
    issue_invoice,
    next_number,
    outstanding,
    period_bounds,
    period_label,
)
from .money import (
    MPV_SALE,
    SPV_PLACE,
    SPV_SALE,
    VAT_RATES,
    Charge,
    WithVat,
    _sums_by_enrolment,
    money,
    percent_of,
    total,
    vat_on,
)
from .packages import buy_package
from .payments import (
    KEYED_PAYMENT_MAX_AGE,
    PAID_BEFORE_ISSUE,
    check_received_on,
    oldest_first,
    payable_invoices,
    record_payment,
    record_remittance,
)
from .pricing import Quote, band_for, price_for, quote, quote_band, quotes_for, vat_rate_for
from .statements import Statement, statement

__all__ = [
    "BillingError",
    "Charge",
    "CreditCover",
    "CreditLot",
    "IncompleteBillingAddress",
    "InvoicingReport",
    "KEYED_PAYMENT_MAX_AGE",
    "MANUAL_VAT_TREATMENTS",
    "MPV_SALE",
    "ManualLine",
    "PAID_BEFORE_ISSUE",
    "Quote",
    "Reservation",
    "SPV_PLACE",
    "SPV_SALE",
    "Statement",
    "VAT_RATES",
    "WithVat",
    "_add_line",
    "_and",
    "_line",
    "_live_lines",
    "_lock",
    "_release_draws",
    "_sums_by_enrolment",
    "address_for_documents",
    "adjust_credit",
    "band_for",
    "billed_account",
    "buy_package",
    "check_received_on",
    "credit_balance",
    "credit_by_hand",
    "consortium_to_ask",
    "credit_cover",
    "credit_drawn_for",
    "credit_lots",
    "draw_credit_for_place",
    "expire_credit",
    "extend_credit",
    "has_credit_to_draw",
    "invoicing_for",
    "invoiced_net",
    "issue_credit_note",
    "issue_invoice",
    "issue_manual_invoice",
    "left_to_credit",
    "long_date",
    "money",
    "next_number",
    "oldest_first",
    "open_lot",
    "outstanding",
    "paid_by_voucher",
    "payable_invoices",
    "percent_of",
    "period_bounds",
    "period_label",
    "price_for",
    "quote",
    "quote_band",
    "quotes_for",
    "record_payment",
    "record_remittance",
    "reservations",
    "school_account",
    "spendable",
    "spendable_lots",
    "statement",
    "take_credit",
    "total",
    "vat_on",
    "vat_rate_for",
    "void_invoice",
]
