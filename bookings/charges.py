"""What a place costs under its course's terms, given what has happened to it: the one answer
that the pages where people commit state and that settlement invoices."""

import copy

from billing.models import ZERO
from billing.services import Charge, paid_by_voucher, percent_of

from .models import Enrolment


def charge_due(enrolment):
    """What the place should be charged, before VAT, given what has happened to it."""
    status = enrolment.status
    course = enrolment.run.course
    if enrolment.run.status == "cancelled":
        # The service called the run off: nothing on it is charged, not even a late
        # cancellation made before it did.
        return ZERO
    if status in (Enrolment.Status.CONFIRMED, Enrolment.Status.ATTENDED):
        return enrolment.price
    if enrolment.charge_waived:
        return ZERO
    if status == Enrolment.Status.NO_SHOW:
        return percent_of(enrolment.price, course.no_show_charge_percent)
    if status == Enrolment.Status.CANCELLED and enrolment.late_cancellation:
        return percent_of(enrolment.price, course.late_cancellation_charge_percent)
    return ZERO


def cancellation_charge(place, *, late, voucher_paid=None):
    """What cancelling `place` (a booked Enrolment, or an unsaved one priced for a booking not
    yet made) would be charged: charge_due's own answer for the place as it would then stand,
    so the page that warns and the invoice that follows give the same figure. A place a
    single-purpose voucher pays bears no VAT (`voucher_paid`; for a booked place, read from
    its draw)."""
    if voucher_paid is None:
        voucher_paid = paid_by_voucher(place)
    probe = copy.copy(place)
    probe.status = Enrolment.Status.CANCELLED
    probe.late_cancellation = late
    return Charge(charge_due(probe), ZERO if voucher_paid else place.vat_rate)
