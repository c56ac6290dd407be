"""Taking places. book_places() is the only way a place is taken; capacity is enforced here,
under a row lock on the run, and nowhere else. with_places_taken() is the one definition of a
taken place."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.services import quote
from core.batching import batched
from courses.models import CourseRun

from .. import signals
from ..models import Booking, Enrolment, Reservation, WaitingListEntry
from .approvals import consortium_to_approve, needs_approval
from .locking import _lock_run, record
from .refusals import FULL_MESSAGE, BookingRefused, _check_who_may_book


@dataclass
class Delegate:
    user: object
    access_needs: str = ""
    dietary_needs: str = ""
    intended_outcome: str = ""  # what they want to change in their practice (optional)


@dataclass
class BookingRequest:
    school: object
    booked_by: object
    delegates: list = field(default_factory=list)
    po_number: str = ""
    terms_accepted: bool = False
    source: str = Booking.Source.WEB
    notify: bool = True  # False only for demo data: nobody is emailed


def with_places_taken(runs, *, excluding_offer=None):
    """Annotate runs with `places_taken`: live enrolments, unexpired waiting-list offers and
    reserved places not yet named. The one definition of a taken place; subqueries, so a list
    costs one query."""
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
    # A group's offer holds as many places as it offers.
    offers = offers.order_by().values("run").annotate(n=Sum("places_offered")).values("n")
    reserved = (
        Reservation.objects.filter(run=OuterRef("pk"), named__lt=F("places"))
        .order_by()
        .values("run")
        .annotate(n=Sum(F("places") - F("named")))
        .values("n")
    )
    zero = Value(0, output_field=IntegerField())
    return runs.annotate(
        places_taken=Coalesce(Subquery(live, output_field=IntegerField()), zero)
        + Coalesce(Subquery(offers, output_field=IntegerField()), zero)
        + Coalesce(Subquery(reserved, output_field=IntegerField()), zero)
    )


def places_taken(run_id, *, excluding_offer=None):
    runs = with_places_taken(CourseRun.objects.filter(pk=run_id), excluding_offer=excluding_offer)
    return runs.values_list("places_taken", flat=True).get()


def places_left(run_id):
    """Capacity less places taken, in one query (no lock: a hint, not a decision)."""
    capacity, taken = (
        with_places_taken(CourseRun.objects.filter(pk=run_id))
        .values_list("capacity", "places_taken")
        .get()
    )
    return capacity - taken


# Staff adding someone on the day, or a place moving date, are not held for a consortium's
# lead: the person is there, or the place was settled already.
BUDGET_ASKED_ELSEWHERE = (Booking.Source.WALK_IN, Booking.Source.TRANSFER)


def _after_counting_places():
    """A seam for the concurrency tests, which widen the race window here. Does nothing."""


def book_places(run_id, request, *, offer=None, reservation=None, left_seen=None):
    """Book one place per delegate on the run, or refuse with a clear message (every
    refusal is counted, by reason, for the metrics).

    In one transaction: lock the run, check it is bookable, re-count the places taken
    (live enrolments and held offers), then insert. `offer` is a waiting-list offer being
    accepted, whose held place this booking takes. `reservation` is a school's reserved
    places, one of which each delegate takes, joining its booking at its price. The booking
    returned says whether its places wait for a CPD lead's approval (`booking.pending`).
    `left_seen` is the places left as the caller counted them a moment ago (the booking page
    does), which spares counting again before queueing for the lock; only the count under the
    lock decides."""
    try:
        return _book_places(run_id, request, offer, reservation, left_seen)
    except BookingRefused as refusal:
        signals.booking_refused.send(sender=BookingRefused, code=refusal.code)
        raise


def _book_places(run_id, request, offer, reservation=None, left_seen=None):
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
    _check_who_may_book(request, run_id)
    # A run already full refuses without queueing for the lock; a place that frees meanwhile
    # is caught by the count under the lock, so capacity is still only decided there.
    if left_seen is None and offer is None and reservation is None:
        left_seen = places_left(run_id)
    if offer is None and reservation is None and left_seen <= 0:
        raise BookingRefused(FULL_MESSAGE, "full")

    # One outbox INSERT for every task the booking asks for (settlement, emails).
    with transaction.atomic(), batched():
        run = _lock_run(run_id)
        now = timezone.now()
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("This run has been cancelled.", "cancelled")
        # Staff may still take phone bookings and walk-ins after online booking closes.
        staff_source = request.source in (Booking.Source.WALK_IN, Booking.Source.PHONE)
        if reservation is not None:
            # Naming people on places already held: the booking window no longer matters.
            reservation = _take_reserved_places(reservation, len(request.delegates), now)
        elif not staff_source and not run.is_bookable:
            raise BookingRefused("Booking is closed for this run.", "closed")
        already = Enrolment.objects.filter(
            run=run, delegate__in=[d.user for d in request.delegates]
        ).live()
        # Counted after the lock is ours, in a statement of its own: it must see every place
        # committed by the bookings we queued behind.
        taken, booked_already = (
            with_places_taken(CourseRun.objects.filter(pk=run.pk), excluding_offer=offer)
            .annotate(booked_already=Exists(already))
            .values_list("places_taken", "booked_already")
            .get()
        )
        if booked_already:
            names = ", ".join(str(e.delegate) for e in already.select_related("delegate"))
            raise BookingRefused(f"Already booked on this run: {names}.", "duplicate")

        left = run.capacity - taken
        _after_counting_places()
        wanted = len(request.delegates)
        if left <= 0:
            raise BookingRefused(FULL_MESSAGE, "full")
        if wanted > left:
            raise BookingRefused(
                f"Only {left} place{'s' if left != 1 else ''} left; you asked for {wanted}.",
                "not_enough",
            )

        if reservation is not None:
            booking = reservation.booking
            pricing = reservation  # the price snapshotted when the places were reserved
        else:
            booking = Booking.objects.create(
                run=run,
                school=request.school,
                booked_by=request.booked_by,
                po_number=po_number,
                source=request.source,
                terms_accepted_at=now if request.terms_accepted else None,
            )
            pricing = quote(request.school, run)
        pending = needs_approval(request.school, request.booked_by, request.source)
        status = Enrolment.Status.PENDING_APPROVAL if pending else Enrolment.Status.CONFIRMED
        expires = now + timedelta(hours=settings.BOOKING_APPROVAL_HOURS) if pending else None
        budget_asked = []
        for delegate in request.delegates:
            enrolment = Enrolment(
                booking=booking,
                run=run,
                delegate=delegate.user,
                status=status,
                access_needs=delegate.access_needs.strip(),
                dietary_needs=delegate.dietary_needs.strip(),
                intended_outcome=delegate.intended_outcome.strip()[:300],
                price=pricing.price if reservation is not None else pricing.net,
                vat_rate=pricing.vat_rate,
                approval_expires_at=expires,
                approval_stage=Enrolment.ApprovalStage.LEAD if pending else "",
            )
            # A place the school approves at once, but a consortium's budget would pay, waits
            # for the consortium's lead (asked one place at a time: each confirmed place has
            # drawn its credit before the next is looked at).
            consortium = (
                None
                if pending or request.source in BUDGET_ASKED_ELSEWHERE
                else consortium_to_approve(enrolment)
            )
            if consortium is not None:
                enrolment.status = Enrolment.Status.PENDING_APPROVAL
                enrolment.approval_stage = Enrolment.ApprovalStage.CONSORTIUM
                enrolment.approval_consortium = consortium
                enrolment.approval_expires_at = now + timedelta(
                    hours=settings.FINANCE_APPROVAL_HOURS
                )
                budget_asked.append(enrolment)
            enrolment.save(force_insert=True)
            record(enrolment, enrolment.status, request.booked_by, booking.get_source_display())
        if offer is not None:
            WaitingListEntry.objects.filter(pk=offer.pk).update(
                status=WaitingListEntry.Status.ACCEPTED
            )
        from .. import tasks  # bookings.tasks imports this package: a cycle

        if pending and request.notify:
            tasks.send_approval_request.delay_on_commit(booking.pk)
            tasks.send_approval_pending.delay_on_commit(booking.pk)
        if budget_asked and request.notify:
            for enrolment in budget_asked:
                tasks.send_finance_approval_request.delay_on_commit(enrolment.pk)
                tasks.send_approval_passed_to_finance.delay_on_commit(enrolment.pk)
        if request.notify:
            tasks.send_booking_confirmation.delay_on_commit(booking.pk)
    booking.pending = pending or bool(budget_asked)
    booking.waits_only_for_a_budget = bool(budget_asked) and not pending
    return booking


def _take_reserved_places(reservation, wanted, now):
    """Under the run's lock: move `wanted` of the reservation's places from unnamed to named
    before the count, so the count no longer holds them for the school."""
    from .reservations import name_by  # reservations imports this module: a cycle

    held = (
        Reservation.objects.select_for_update()
        .select_related("booking", "run__course")
        .get(pk=reservation.pk)
    )
    deadline = name_by(held.run)
    if held.released_at is not None or (deadline is not None and now >= deadline):
        raise BookingRefused(
            "The date to name people has passed, so the unnamed places were released.", "released"
        )
    if wanted > held.unnamed:
        raise BookingRefused(
            f"Only {held.unnamed} reserved place{'s' if held.unnamed != 1 else ''} left to name; "
            f"you named {wanted}.",
            "not_enough",
        )
    held.named += wanted
    held.save(update_fields=["named"])
    return held
