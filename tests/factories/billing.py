"""A school's billing account (how it is invoiced, its contact) and its finance contact, made
through billing's own services."""

from decimal import Decimal

from django.utils import timezone

from accounts.models import Consortium
from billing import services
from billing.models import Account, Invoice, Package
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


def consortium_budget(name="Haverleigh Special Schools Partnership", *schools, **fields):
    """A consortium of `schools` and its shared budget account, made before the schools' own
    accounts (as the demo makes Brookvale's partnership). A consortium has no address in GIAS:
    the budget's invoices go to the address given (by default the demo's, c/o Brookvale)."""
    consortium = Consortium.objects.create(name=name)
    consortium.schools.add(*schools)
    fields = {
        "contact_name": "Partnership Business Manager",
        "contact_email": "partnership@brookvale.sch.uk",
        "address_line_1": "c/o Brookvale Special School",
        "address_line_2": "Brookvale Drive",
        "address_line_3": "Marsh End",
        "town": "Haverleigh",
        "postcode": "HV6 8BD",
        **fields,
    }
    return Account.objects.create(consortium=consortium, kind=Account.Kind.CONSORTIUM, **fields)


def priced_run(price="200.00", *, capacity=10, days=(14,), **terms):
    """A bookable run with no bookings of a new standard-rated course at list `price`: free to
    cancel until 14 days before, then the whole price is kept, as it is for a no-show (each
    term can be given)."""
    terms = {
        "vat_treatment": "standard",
        "free_cancellation_days": 14,
        "late_cancellation_charge_percent": 100,
        "no_show_charge_percent": 100,
        **terms,
    }
    return courses.run(courses.course(price=price, **terms), capacity=capacity, days=days)


# The demo's packages: name -> kind, price, discount %, credit £.
PACKAGES = {
    "Bronze": (Package.Kind.DISCOUNT, "450.00", "5.00", "0.00"),
    "Silver": (Package.Kind.DISCOUNT, "850.00", "10.00", "0.00"),
    "Gold": (Package.Kind.CREDITS, "2700.00", "0.00", "3000.00"),
}


def package(name):
    """One of the demo's packages (PACKAGES) on its demo terms, found when already made:
    Bronze and Silver take 5 % and 10 % off, Gold is £3,000 of prepaid credit for £2,700."""
    kind, price, discount, credit = PACKAGES[name]
    found, _ = Package.objects.get_or_create(
        name=name,
        defaults={
            "kind": kind,
            "price": Decimal(price),
            "discount_percent": Decimal(discount),
            "credit_amount": Decimal(credit),
        },
    )
    return found


def finance_contact(school, email=None, **fields):
    """A person on the school's staff list who is its finance contact."""
    return accounts.member(school, "finance", email=email, **fields)


def issued_statement(school, *, booked_by, places=1, price="200.00"):
    """An issued invoice for a school on monthly statements: `places` of its staff booked on a
    new run (a phone booking by `booked_by`, the CPD team), then this month's invoicing run,
    as finance would start it. Returns the invoice."""
    run = courses.run(courses.course(price=price), capacity=max(places, 10))
    booking = bookings.book(
        run, *accounts.staff_of(school, places, prefix="stated"), school=school, booked_by=booked_by
    )
    run_invoicing(timezone.localdate().strftime("%Y-%m"))
    # The statement holding these places (the school may hold other invoices).
    return Invoice.objects.distinct().get(
        lines__enrolment__booking=booking, status=Invoice.Status.ISSUED
    )


MONTHLY = Account.Invoicing.MONTHLY
PER_BOOKING = Account.Invoicing.PER_BOOKING
