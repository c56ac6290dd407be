"""Packages: selling one to an account, which invoices it (VAT as the package's kind needs) and
puts any prepaid credit it carries on the account as a lot used by the period's last day."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction

from ..models import AccountPackage, BillingSettings, CreditEntry, Invoice, Package
from .accounts import _lock
from .credit import open_lot
from .invoicing import _add_line, issue_invoice
from .money import MPV_SALE, SPV_SALE


def buy_package(account, package, *, starts_on, by):
    """Sell a package: record it, invoice it, and put any prepaid credit on the account."""
    with transaction.atomic():
        (account,) = _lock([account.pk])
        held = AccountPackage.objects.create(
            account=account,
            package=package,
            starts_on=starts_on,
            ends_on=starts_on + relativedelta(years=1),  # 29 Feb → 28 Feb
        )
        if package.price > 0:
            invoice = Invoice.objects.create(account=account)
            what = f"{package.name} package, {starts_on:%d %b %Y} to {held.ends_on:%d %b %Y}"
            if package.kind == Package.Kind.DISCOUNT:  # not a voucher: a supply, taxed now
                treatment, code = "standard", package.nominal_code
            elif package.is_single_purpose:  # Sch 10B para 4: taxed when sold
                treatment, what = "standard", f"{what}. {SPV_SALE}"
            else:  # Sch 10B para 7: the consideration for issuing it is disregarded
                treatment, what = "outside_scope", f"{what}. {MPV_SALE}"
            if package.kind == Package.Kind.CREDITS:
                # Deferred income (a liability) until the credit pays for a place.
                code = BillingSettings.load().deferred_income_nominal_code
            _add_line(
                invoice,
                description=what,
                net=package.price,
                vat_treatment=treatment,
                package=held,
                nominal_code=code,
            )
            issue_invoice(invoice)
        if package.kind == Package.Kind.CREDITS:
            open_lot(
                account,
                CreditEntry.Kind.PACKAGE,
                package.credit_amount,
                use_by=held.ends_on - timedelta(days=1),  # the period's last day
                account_package=held,
                single_purpose=package.is_single_purpose,
                note=f"{package.name} package",
                created_by=by,
            )
    return held
