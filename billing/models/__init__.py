"""Who pays what. Money is Decimal pounds to the penny; VAT is worked out per line, half-up.

Issued invoices and credit notes are never edited: a correction is a new credit note. The
services in billing.services are the only writers. By area:

- `fields`: ZERO, PENNY and money_field;
- `prices`: price bands and their fixed prices on courses and runs;
- `accounts`: billing accounts, and the addressee a document copies at issue;
- `packages`: packages and the packages accounts hold;
- `documents`: invoices, credit notes, their lines and number series;
- `payments`: remittances, payments, Stripe checkout attempts and events;
- `credit`: the credit ledger and use-by extensions;
- `billing_settings`: BillingSettings.

Django finds the models through the imports below (the app's models module is this package);
the migrations are unchanged, since each model keeps its app label and its fields."""

from .accounts import Account, BilledTo
from .billing_settings import BillingSettings
from .credit import CreditEntry, CreditExtension
from .documents import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    IssuedInvoiceChanged,
    NumberSeries,
)
from .fields import PENNY, ZERO, money_field
from .packages import AccountPackage, Package
from .payments import CheckoutAttempt, Payment, Remittance, StripeEvent
from .prices import CourseBandPrice, PriceBand, RunBandPrice

__all__ = [
    "Account",
    "AccountPackage",
    "BilledTo",
    "BillingSettings",
    "CheckoutAttempt",
    "CourseBandPrice",
    "CreditEntry",
    "CreditExtension",
    "CreditNote",
    "CreditNoteLine",
    "Invoice",
    "InvoiceLine",
    "IssuedInvoiceChanged",
    "NumberSeries",
    "PENNY",
    "Package",
    "Payment",
    "PriceBand",
    "Remittance",
    "RunBandPrice",
    "StripeEvent",
    "ZERO",
    "money_field",
]
