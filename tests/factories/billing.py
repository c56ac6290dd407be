"""A school's billing account (how it is invoiced, its contact) and its finance contact, made
through billing's own services."""

from django.utils import timezone

from billing import services
from billing.models import Account, Invoice
from settlement.services import run_invoicing

from . import accounts, bookings, courses


def account(school, *, invoicing=None, **fields):
    """The school's account (billing.services.school_account makes it on first use), with
    `invoicing` (Account.Invoicing) and contact or address fields set as given."""
    found = services.school_account(school)
    if invoicing is not None:
        fields["invoicing"] = invoicing
    for name, value in fields.items():
        setattr(found, name, value)
    if fields:
        found.save(update_fields=list(fields))
    return found


def finance_contact(school, email=None, **fields):
    """A person on the school's staff list who is its finance contact."""
    return accounts.member(school, "finance", email=email, **fields)


def issued_statement(school, *, booked_by, places=1, price="200.00"):
    """An issued invoice for a school on monthly statements: `places` of its staff booked on a
    new run (a phone booking by `booked_by`, the CPD team), then this month's invoicing run,
    as finance would start it. Returns the invoice."""
    run = courses.run(courses.course(price=price), capacity=max(places, 10))
    bookings.book(
        run, *accounts.staff_of(school, places, prefix="stated"), school=school, booked_by=booked_by
    )
    run_invoicing(timezone.localdate().strftime("%Y-%m"))
    return Invoice.objects.get(account__school=school, status=Invoice.Status.ISSUED)


MONTHLY = Account.Invoicing.MONTHLY
PER_BOOKING = Account.Invoicing.PER_BOOKING
