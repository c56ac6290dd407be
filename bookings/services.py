"""Booking use cases. book_places() is the only way a place is taken; capacity is enforced
here, under a row lock on the run, and nowhere else."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from billing.services import price_for
from courses.models import CourseRun

from .models import Booking, Enrolment, EnrolmentEvent, WaitingListEntry


class BookingRefused(Exception):
    """A booking that cannot go ahead, with a message for the person booking."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@dataclass
class Delegate:
    user: object
    access_needs: str = ""
    dietary_needs: str = ""


@dataclass
class BookingRequest:
    school: object
    booked_by: object
    delegates: list = field(default_factory=list)
    po_number: str = ""
    terms_accepted: bool = False
    source: str = Booking.Source.WEB


def with_places_taken(runs, *, excluding_offer=None):
    """Annotate runs with `places_taken`: live enrolments plus unexpired waiting-list offers.
    The one definition of a taken place; subqueries, so a list costs one query."""
    live = (
        Enrolment.objects.filter(run=OuterRef("pk"), status__in=Enrolment.LIVE)
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    offers = WaitingListEntry.objects.filter(
        run=OuterRef("pk"),
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at__gt=timezone.now(),
    )
    if excluding_offer is not None:
        offers = offers.exclude(pk=excluding_offer.pk)
    offers = offers.order_by().values("run").annotate(n=Count("pk")).values("n")
    zero = Value(0, output_field=IntegerField())
    return runs.annotate(
        places_taken=Coalesce(Subquery(live, output_field=IntegerField()), zero)
        + Coalesce(Subquery(offers, output_field=IntegerField()), zero)
    )


def places_taken(run_id, *, excluding_offer=None):
    runs = with_places_taken(CourseRun.objects.filter(pk=run_id), excluding_offer=excluding_offer)
    return runs.values_list("places_taken", flat=True).get()


def _lock_run(run_id):
    """Take the run's row lock; every booking on this run now queues behind us."""
    return CourseRun.objects.select_for_update().select_related("course").get(pk=run_id)


def _after_counting_places():
    """A seam for the concurrency tests, which widen the race window here. Does nothing."""


def _needs_approval(request):
    school, booker = request.school, request.booked_by
    return (
        school.bookings_need_approval
        and request.source == Booking.Source.WEB
        and not permissions.has_role(booker, school, *permissions.MANAGERS)
    )


def _check_who_may_book(request):
    school, booker = request.school, request.booked_by
    if request.source != Booking.Source.WEB:
        if (
            not permissions.is_service_staff(booker)
            and request.source != Booking.Source.WAITING_LIST
        ):
            raise BookingRefused("Only the CPD team can make this kind of booking.", "forbidden")
        return
    manages = permissions.has_role(booker, school, *permissions.MANAGERS)
    for delegate in request.delegates:
        if delegate.user == booker:
            if not Membership.objects.filter(user=booker, school=school).exists():
                raise BookingRefused(f"You are not a member of {school.name}.", "not_member")
        elif not manages:
            raise BookingRefused(
                "Only your school's CPD lead can book places for colleagues.", "forbidden"
            )
        elif not Membership.objects.filter(user=delegate.user, school=school).exists():
            raise BookingRefused(
                f"{delegate.user} is not on {school.name}'s staff list.", "not_member"
            )


def record(enrolment, to_status, actor, note="", from_status=""):
    EnrolmentEvent.objects.create(
        enrolment=enrolment, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def book_places(run_id, request, *, offer=None):
    """Book one place per delegate on the run, or refuse with a clear message.

    In one transaction: lock the run, check it is bookable, re-count the places taken
    (live enrolments and held offers), then insert. `offer` is a waiting-list offer being
    accepted, whose held place this booking takes."""
    if not request.delegates:
        raise BookingRefused("Choose at least one person to book.", "no_delegates")
    if len({d.user.pk for d in request.delegates}) != len(request.delegates):
        raise BookingRefused("The same person is listed twice.", "duplicate")
    if request.source == Booking.Source.WEB and not request.terms_accepted:
        raise BookingRefused("Accept the booking terms to continue.", "terms")
    po_number = (request.po_number or "").strip()
    if request.school.po_number_required and not po_number:
        raise BookingRefused(
            f"{request.school.name} needs a purchase order (PO) number.", "po_required"
        )
    _check_who_may_book(request)

    with transaction.atomic():
        run = _lock_run(run_id)
        now = timezone.now()
        if request.source not in (Booking.Source.WALK_IN, Booking.Source.PHONE):
            if run.status == CourseRun.Status.CANCELLED:
                raise BookingRefused("This run has been cancelled.", "cancelled")
            if not run.is_bookable:
                raise BookingRefused("Booking is closed for this run.", "closed")
        already = (
            Enrolment.objects.filter(run=run, delegate__in=[d.user for d in request.delegates])
            .live()
            .select_related("delegate")
        )
        if already:
            names = ", ".join(str(e.delegate) for e in already)
            raise BookingRefused(f"Already booked on this run: {names}.", "duplicate")

        left = run.capacity - places_taken(run.pk, excluding_offer=offer)
        _after_counting_places()
        wanted = len(request.delegates)
        if left <= 0:
            raise BookingRefused(
                "This run is full. Join the waiting list to hear if a place comes up.", "full"
            )
        if wanted > left:
            raise BookingRefused(
                f"Only {left} place{'s' if left != 1 else ''} left; you asked for {wanted}.",
                "not_enough",
            )

        booking = Booking.objects.create(
            run=run,
            school=request.school,
            booked_by=request.booked_by,
            po_number=po_number,
            source=request.source,
            terms_accepted_at=now if request.terms_accepted else None,
        )
        pending = _needs_approval(request)
        status = Enrolment.Status.PENDING_APPROVAL if pending else Enrolment.Status.CONFIRMED
        price = price_for(request.school, run)
        expires = now + timedelta(hours=settings.BOOKING_APPROVAL_HOURS) if pending else None
        for delegate in request.delegates:
            enrolment = Enrolment.objects.create(
                booking=booking,
                run=run,
                delegate=delegate.user,
                status=status,
                access_needs=delegate.access_needs.strip(),
                dietary_needs=delegate.dietary_needs.strip(),
                price=price,
                approval_expires_at=expires,
            )
            record(enrolment, status, request.booked_by, booking.get_source_display())
        if offer is not None:
            WaitingListEntry.objects.filter(pk=offer.pk).update(
                status=WaitingListEntry.Status.ACCEPTED
            )
    return booking
