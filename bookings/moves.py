"""What the "Send a colleague instead" and "Move to another date" pages show before someone
commits: who can take the place, which dates can, and the money, in billing's own figures.
The changes themselves are bookings.services.substitute_delegate() and transfer_enrolment()."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum

from accounts.models import User
from billing.models import CreditEntry, CreditNoteLine, Invoice, InvoiceLine
from billing.services import Charge, credit_cover, paid_by_voucher, quote
from core.params import id_param
from courses.models import CourseRun

from .models import Enrolment

ZERO = Decimal("0.00")


def price_of(enrolment):
    """The place's own price, as booked: net, VAT, total. What billing charges for it while it
    stands (charge_due), whoever the delegate is: no VAT if a single-purpose voucher paid it
    (billing.services.paid_by_voucher)."""
    return Charge(enrolment.price, ZERO if paid_by_voucher(enrolment) else enrolment.vat_rate)


def colleagues(enrolment):
    """The school's staff who could take the place: everyone on its staff list without a
    place on this run already (so not the delegate either)."""
    placed = Enrolment.objects.filter(run=enrolment.run_id, delegate=OuterRef("pk")).live()
    return (
        User.objects.filter(memberships__school=enrolment.booking.school_id)
        .exclude(Exists(placed))
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def colleague_from(enrolment, params):
    """The colleague a form names under `delegate`, if they are on the school's staff list."""
    pk = id_param(params, "delegate")
    if pk is None:
        return None
    return User.objects.filter(pk=pk, memberships__school=enrolment.booking.school_id).first()


@dataclass(frozen=True)
class OtherDate:
    """A run the place could move to, and what a place on it would be charged, as a booking
    made now: the school's price (`quote`), with VAT unless a single-purpose voucher would pay
    it (`cover`, what prepaid credit would pay, or None without credit)."""

    run: CourseRun
    quote: object  # billing.services.Quote
    cover: object  # billing.services.CreditCover or None

    @property
    def price(self):
        return self.cover or self.quote  # each has net, vat and gross


def other_dates(enrolment):
    """The course's other upcoming runs taking bookings, without a place for this delegate:
    (those with room, each priced for the school as a booking made now; those full)."""
    theirs = Enrolment.objects.filter(run=OuterRef("pk"), delegate=enrolment.delegate_id).live()
    runs = (
        CourseRun.objects.upcoming()
        .filter(course_id=enrolment.run.course_id)
        .exclude(pk=enrolment.run_id)
        .exclude(Exists(theirs))
        .select_related("course", "venue")
        .prefetch_related("sessions")
    )
    school = enrolment.booking.school
    with_room, full = [], []
    for run in runs:
        if not run.is_bookable:
            continue
        if run.places_left > 0:
            price = quote(school, run)
            cover = credit_cover(school, price.net, price.vat_rate, 1)
            with_room.append(OtherDate(run, price, cover))
        else:
            full.append(run)
    return with_room, full


@dataclass(frozen=True)
class Invoiced:
    """What the place has been invoiced, less what credit notes have taken back."""

    net: Decimal
    vat: Decimal
    numbers: list

    @property
    def gross(self):
        return self.net + self.vat


def invoiced(enrolment):
    # A void invoice still counts: its full credit note is what takes it back (as billing has it).
    lines = InvoiceLine.objects.filter(enrolment=enrolment).exclude(
        invoice__status=Invoice.Status.DRAFT
    )
    sums = lines.aggregate(net=Sum("net"), vat=Sum("vat"))
    credited = CreditNoteLine.objects.filter(enrolment=enrolment).aggregate(
        net=Sum("net"), vat=Sum("vat")
    )
    numbers = sorted(set(lines.values_list("invoice__number", flat=True)))
    return Invoiced(
        net=(sums["net"] or ZERO) - (credited["net"] or ZERO),
        vat=(sums["vat"] or ZERO) - (credited["vat"] or ZERO),
        numbers=numbers,
    )


def credit_set_aside(enrolment):
    """Prepaid credit drawn for the place at booking and not yet used on an invoice."""
    held = CreditEntry.objects.filter(
        enrolment=enrolment, invoice__isnull=True, kind__in=["draw", "release"]
    ).aggregate(t=Sum("amount"))["t"]
    return max(-(held or ZERO), ZERO)
