"""Booking use cases. book_places() is the only way a place is taken; capacity is enforced
here, under a row lock on the run, and nowhere else."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from billing.services import quote
from core.batching import batched
from courses.models import CourseRun

from . import signals
from .access import may_open_place
from .models import Booking, Enrolment, EnrolmentEvent, WaitingListEntry

FULL_MESSAGE = "This run is full. Join the waiting list to hear if a place comes up."


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
    notify: bool = True  # False only for demo data: nobody is emailed


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


def places_left(run_id):
    """Capacity less places taken, in one query (no lock: a hint, not a decision)."""
    capacity, taken = (
        with_places_taken(CourseRun.objects.filter(pk=run_id))
        .values_list("capacity", "places_taken")
        .get()
    )
    return capacity - taken


def _lock_run(run_id):
    """Take the run's row lock; every booking on this run now queues behind us."""
    return CourseRun.objects.select_for_update().select_related("course").get(pk=run_id)


def _after_counting_places():
    """A seam for the concurrency tests, which widen the race window here. Does nothing."""


def needs_approval(school, booked_by, source=Booking.Source.WEB):
    """A teacher's own online booking, or their acceptance of a waiting-list offer, waits for a
    CPD lead when the school asks for that."""
    return (
        school.bookings_need_approval
        and source in (Booking.Source.WEB, Booking.Source.WAITING_LIST)
        and not permissions.has_role(booked_by, school, *permissions.MANAGERS)
    )


def _check_who_may_book(request, run_id):
    school, booker = request.school, request.booked_by
    if request.source in (Booking.Source.WAITING_LIST, Booking.Source.TRANSFER):
        return  # accept_offer() and transfer_enrolment() have checked who may, before calling
    if request.source == Booking.Source.WALK_IN:
        from .attendance import may_add_walk_in

        if not may_add_walk_in(booker, run_id):
            raise BookingRefused(
                "Only the CPD team or the run's facilitator can add someone.", "forbidden"
            )
        return
    if request.source != Booking.Source.WEB:
        if not permissions.can_manage_bookings(booker):
            raise BookingRefused("Only the CPD team can make this kind of booking.", "forbidden")
        return
    colleagues = [d.user for d in request.delegates if d.user != booker]
    # Only booking colleagues needs the manager check; most bookings are people booking themselves.
    manages = bool(colleagues) and permissions.has_role(booker, school, *permissions.MANAGERS)
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
    """Book one place per delegate on the run, or refuse with a clear message (every
    refusal is counted, by reason, for the metrics).

    In one transaction: lock the run, check it is bookable, re-count the places taken
    (live enrolments and held offers), then insert. `offer` is a waiting-list offer being
    accepted, whose held place this booking takes. The booking returned says whether its
    places wait for a CPD lead's approval (`booking.pending`)."""
    try:
        return _book_places(run_id, request, offer)
    except BookingRefused as refusal:
        signals.booking_refused.send(sender=BookingRefused, code=refusal.code)
        raise


def _book_places(run_id, request, offer):
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
    if offer is None and places_left(run_id) <= 0:
        raise BookingRefused(FULL_MESSAGE, "full")

    # One outbox INSERT for every task the booking asks for (settlement, emails).
    with transaction.atomic(), batched():
        run = _lock_run(run_id)
        now = timezone.now()
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("This run has been cancelled.", "cancelled")
        # Staff may still take phone bookings and walk-ins after online booking closes.
        staff_source = request.source in (Booking.Source.WALK_IN, Booking.Source.PHONE)
        if not staff_source and not run.is_bookable:
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

        booking = Booking.objects.create(
            run=run,
            school=request.school,
            booked_by=request.booked_by,
            po_number=po_number,
            source=request.source,
            terms_accepted_at=now if request.terms_accepted else None,
        )
        pending = needs_approval(request.school, request.booked_by, request.source)
        status = Enrolment.Status.PENDING_APPROVAL if pending else Enrolment.Status.CONFIRMED
        pricing = quote(request.school, run)
        expires = now + timedelta(hours=settings.BOOKING_APPROVAL_HOURS) if pending else None
        for delegate in request.delegates:
            enrolment = Enrolment.objects.create(
                booking=booking,
                run=run,
                delegate=delegate.user,
                status=status,
                access_needs=delegate.access_needs.strip(),
                dietary_needs=delegate.dietary_needs.strip(),
                price=pricing.net,
                vat_rate=pricing.vat_rate,
                approval_expires_at=expires,
            )
            record(enrolment, status, request.booked_by, booking.get_source_display())
        if offer is not None:
            WaitingListEntry.objects.filter(pk=offer.pk).update(
                status=WaitingListEntry.Status.ACCEPTED
            )
        from . import tasks

        if pending and request.notify:
            tasks.send_approval_request.delay_on_commit(booking.pk)
        if request.notify:
            tasks.send_booking_confirmation.delay_on_commit(booking.pk)
    booking.pending = pending
    return booking


# --- who may change an enrolment ----------------------------------------------------------------


def _may_manage(user, enrolment):
    """The delegate, whoever booked, the school's managers, or the CPD team."""
    return may_open_place(user, enrolment)


def _locked_enrolment(enrolment_id, by):
    """Lock the run first (the order every booking path uses), then the enrolment."""
    enrolment = Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
    if enrolment is None or not _may_manage(by, enrolment):
        raise BookingRefused("That booking was not found.", "not_found")
    run = _lock_run(enrolment.run_id)
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("booking__school", "delegate", "run__course")
        .get(pk=enrolment_id)
    )
    return run, enrolment


def _set_status(enrolment, to_status, actor, note="", **fields):
    from_status = enrolment.status
    enrolment.status = to_status
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save()
    record(enrolment, to_status, actor, note, from_status=from_status)


def first_session_start(run):
    first = run.sessions.order_by("starts_at").first()
    return first.starts_at if first else None


def is_late_cancellation(run, now=None):
    """Cancelling after the course's free-cancellation deadline is chargeable."""
    start = first_session_start(run)
    if start is None:
        return False
    deadline = start - timedelta(days=run.course.free_cancellation_days)
    return (now or timezone.now()) >= deadline


# --- cancelling, substituting, transferring ------------------------------------------------------


def cancelling_now_is_late(enrolment):
    """A confirmed place cancelled inside the course's notice period is a late cancellation
    (a pending one was never the school's to pay for)."""
    return enrolment.status == Enrolment.Status.CONFIRMED and is_late_cancellation(enrolment.run)


def cancel_enrolment(enrolment_id, *, by, note=""):
    """Cancel one place. Free until the course's notice period; later it is a late
    cancellation, which billing charges unless the place is refilled from the waiting list."""
    from . import tasks

    with transaction.atomic():
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if enrolment.status not in (Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL):
            raise BookingRefused("Only a confirmed or pending place can be cancelled.", "state")
        late = cancelling_now_is_late(enrolment)
        _set_status(
            enrolment,
            Enrolment.Status.CANCELLED,
            by,
            note or "Cancelled",
            cancelled_at=timezone.now(),
            late_cancellation=late,
        )
        tasks.send_cancellation.delay_on_commit(enrolment.pk)
        tasks.offer_places.delay_on_commit(run.pk)
    return enrolment


def _started(run):
    start = first_session_start(run)
    return start is not None and timezone.now() >= start


def why_not_pass_on(enrolment):
    """Why this place cannot go to a colleague now (a BookingRefused), or None. The page that
    offers it and substitute_delegate() ask the same question."""
    if enrolment.status not in (Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL):
        return BookingRefused("Only a confirmed or pending place can be passed on.", "state")
    if _started(enrolment.run):
        return BookingRefused(
            "The course has started; a place can no longer be passed on.", "started"
        )
    return None


def substitute_delegate(enrolment_id, *, by, new_delegate):
    """Send a colleague in someone's place: free, until the course starts."""
    with transaction.atomic():
        run, enrolment = _locked_enrolment(enrolment_id, by)
        school = enrolment.booking.school
        if refusal := why_not_pass_on(enrolment):
            raise refusal
        if not Membership.objects.filter(user=new_delegate, school=school).exists():
            raise BookingRefused(
                f"{new_delegate} is not on {school.name}'s staff list.", "not_member"
            )
        if Enrolment.objects.filter(run=run, delegate=new_delegate).live().exists():
            raise BookingRefused(f"{new_delegate} already has a place on this run.", "duplicate")
        previous = enrolment.delegate
        enrolment.delegate = new_delegate
        enrolment.access_needs = enrolment.dietary_needs = ""
        enrolment.save()
        record(
            enrolment,
            enrolment.status,
            by,
            f"Substituted for {previous}",
            from_status=enrolment.status,
        )
    return enrolment


def why_not_move(enrolment):
    """Why this place cannot move to another date (a BookingRefused), or None."""
    if enrolment.status != Enrolment.Status.CONFIRMED:
        return BookingRefused("Only a confirmed place can be transferred.", "state")
    # Once it has begun, leaving is a (late) cancellation, not a free move.
    if _started(enrolment.run):
        return BookingRefused(
            "The course has started; the place can no longer move to another date.", "started"
        )
    return None


def transfer_enrolment(enrolment_id, *, to_run_id, by):
    """Move a place to another run of the same course, if that run has room. The place left
    is cancelled free of charge (never a late cancellation); the new one is priced as any
    booking made now, and billing settles both."""
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
        )
        if enrolment is None or not _may_manage(by, enrolment):
            raise BookingRefused("That booking was not found.", "not_found")
        # Lock both runs in id order, so two opposite transfers cannot deadlock.
        for run_id in sorted({enrolment.run_id, int(to_run_id)}):
            _lock_run(run_id)
        target = CourseRun.objects.select_related("course").get(pk=to_run_id)
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if target.course_id != run.course_id or target.pk == run.pk:
            raise BookingRefused("Choose another date of the same course.", "wrong_run")
        if refusal := why_not_move(enrolment):
            raise refusal
        booking = book_places(
            target.pk,
            BookingRequest(
                school=enrolment.booking.school,
                booked_by=by,
                po_number=enrolment.booking.po_number,
                delegates=[
                    Delegate(enrolment.delegate, enrolment.access_needs, enrolment.dietary_needs)
                ],
                source=Booking.Source.TRANSFER,
            ),
        )
        _set_status(
            enrolment,
            Enrolment.Status.CANCELLED,
            by,
            f"Transferred to {target.reference}",
            cancelled_at=timezone.now(),
        )
        from . import tasks

        tasks.offer_places.delay_on_commit(run.pk)
    return booking.enrolments.get()


def cancel_run(run_id, *, by, reason):
    """The provider cancels a run: every place is cancelled free of charge, everyone is told,
    and billing hears of it. The run and its bookings stay for the record."""
    from . import tasks

    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can cancel a run.", "forbidden")
    if not (reason or "").strip():
        raise BookingRefused("Give a reason; delegates will see it.", "reason")
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("This run is already cancelled.", "state")
        run.status = CourseRun.Status.CANCELLED
        run.save()
        now = timezone.now()
        cancelled = []
        for enrolment in Enrolment.objects.select_for_update().filter(
            run=run, status__in=[Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL]
        ):
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                by,
                f"Run cancelled: {reason}",
                cancelled_at=now,
            )
            cancelled.append(enrolment.pk)
        WaitingListEntry.objects.filter(
            run=run, status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED]
        ).update(status=WaitingListEntry.Status.WITHDRAWN)
        tasks.send_run_cancelled.delay_on_commit(run.pk, reason)
        transaction.on_commit(
            lambda: signals.run_cancelled.send(sender=CourseRun, run=run, enrolment_ids=cancelled)
        )
    return run


# --- bookings officers' bulk actions (the admin's run listing) -----------------------------------

BOOKING_CLOSED = "cpd.run.booking_closed"


def close_booking(run_ids, *, by):
    """Stop taking bookings on these runs now (status "closed"). Runs already closed or
    cancelled are left alone, so a second go changes nothing. Returns how many closed."""
    from wagtail.log_actions import log

    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can close booking on a run.", "forbidden")
    closing = [CourseRun.Status.SCHEDULED, CourseRun.Status.OPEN]
    closed = 0
    with transaction.atomic():
        # Locked in id order, as book_places locks a run: a booking in flight finishes first.
        for run in CourseRun.objects.select_for_update().filter(pk__in=run_ids).order_by("pk"):
            if run.status not in closing:
                continue
            run.status = CourseRun.Status.CLOSED
            run.save()  # bumps every session's calendar SEQUENCE
            log(run, BOOKING_CLOSED, user=by)
            closed += 1
    return closed


def next_session_day(run, now=None):
    """The date of the run's next session still to start (not called off), or None."""
    session = (
        run.sessions.filter(starts_at__gt=now or timezone.now(), cancelled_at__isnull=True)
        .order_by("starts_at")
        .first()
    )
    return timezone.localdate(session.starts_at) if session else None


def send_joining_reminders(run_ids, *, by, now=None):
    """Remind every confirmed delegate of these runs of their next session now. Each place
    is reminded at most once per session day, and not at all if the day-before reminder
    for that day has gone (bookings.emails.reminder_now). Returns how many were sent."""
    from . import emails

    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can send joining reminders.", "forbidden")
    sent = 0
    runs = CourseRun.objects.filter(pk__in=run_ids).exclude(status=CourseRun.Status.CANCELLED)
    for run in runs.order_by("pk"):
        day = next_session_day(run, now)
        if day is None:
            continue
        for enrolment_id in Enrolment.objects.filter(
            run=run, status=Enrolment.Status.CONFIRMED
        ).values_list("pk", flat=True):
            sent += emails.reminder_now(enrolment_id, day, now=now)
    return sent


# --- approvals ---------------------------------------------------------------------------------


def decide_enrolment(enrolment_id, *, by, approve):
    """A CPD lead approves or declines a teacher's own booking."""
    from . import tasks

    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
        )
        if enrolment is None or not (
            permissions.has_role(by, enrolment.booking.school, *permissions.MANAGERS)
            or permissions.can_manage_bookings(by)
        ):
            raise BookingRefused("That request was not found.", "not_found")
        run, enrolment = _locked_enrolment(enrolment_id, by)
        if enrolment.status != Enrolment.Status.PENDING_APPROVAL:
            raise BookingRefused("That request has already been decided.", "state")
        if approve:
            _set_status(
                enrolment,
                Enrolment.Status.CONFIRMED,
                by,
                "Approved by CPD lead",
                approval_expires_at=None,
            )
            tasks.send_booking_confirmation.delay_on_commit(enrolment.booking_id)
        else:
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                by,
                "Declined by CPD lead",
                cancelled_at=timezone.now(),
                approval_expires_at=None,
            )
            tasks.offer_places.delay_on_commit(run.pk)
        tasks.send_approval_decision.delay_on_commit(enrolment.pk)
    return enrolment


def expire_approvals(now=None):
    """Release places whose approval request waited too long. Safe to run twice."""
    from . import tasks

    now = now or timezone.now()
    expired = 0
    for enrolment_id, run_id in Enrolment.objects.filter(
        status=Enrolment.Status.PENDING_APPROVAL, approval_expires_at__lte=now
    ).values_list("pk", "run_id"):
        with transaction.atomic():
            _lock_run(run_id)
            enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
            if enrolment.status != Enrolment.Status.PENDING_APPROVAL:
                continue
            _set_status(
                enrolment,
                Enrolment.Status.CANCELLED,
                None,
                "Approval request expired",
                cancelled_at=now,
                approval_expires_at=None,
            )
            tasks.send_approval_decision.delay_on_commit(enrolment.pk)
            tasks.offer_places.delay_on_commit(run_id)
            expired += 1
    return expired


# --- the waiting list ----------------------------------------------------------------------------


def join_waiting_list(run_id, *, person, school, added_by):
    if person != added_by and not (
        permissions.has_role(added_by, school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(added_by)
    ):
        raise BookingRefused("Only your school's CPD lead can add colleagues.", "forbidden")
    if not Membership.objects.filter(user=person, school=school).exists():
        raise BookingRefused(f"{person} is not on {school.name}'s staff list.", "not_member")
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.status in (CourseRun.Status.CANCELLED, CourseRun.Status.CLOSED):
            raise BookingRefused("This run is not taking bookings.", "closed")
        if Enrolment.objects.filter(run=run, delegate=person).live().exists():
            raise BookingRefused(f"{person} already has a place on this run.", "duplicate")
        if run.capacity - places_taken(run.pk) > 0:
            raise BookingRefused("There are places left on this run: book one instead.", "open")
        if WaitingListEntry.objects.filter(
            run=run,
            person=person,
            status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
        ).exists():
            raise BookingRefused(f"{person} is already on the waiting list.", "duplicate")
        return WaitingListEntry.objects.create(
            run=run, person=person, school=school, added_by=added_by
        )


def offer_next_place(run_id, now=None):
    """Offer each free place to the next person waiting, holding it for them for a while.
    Run after any place frees; safe to run twice (it re-counts under the lock)."""
    from . import tasks

    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        run = _lock_run(run_id)
        if not run.is_bookable:
            return offered
        _expire_offers(run, now)
        free = run.capacity - places_taken(run.pk)
        waiting = (
            WaitingListEntry.objects.select_for_update()
            .filter(run=run, status=WaitingListEntry.Status.WAITING)
            .order_by("created_at", "pk")
        )
        for entry in waiting[: max(free, 0)]:
            entry.status = WaitingListEntry.Status.OFFERED
            entry.offered_at = now
            entry.offer_expires_at = now + timedelta(hours=settings.WAITING_LIST_OFFER_HOURS)
            entry.save()
            offered.append(entry)
            tasks.send_waiting_list_offer.delay_on_commit(entry.pk)
    return offered


def _expire_offers(run, now):
    from . import tasks

    stale = WaitingListEntry.objects.select_for_update().filter(
        run=run, status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now
    )
    for entry in stale:
        entry.status = WaitingListEntry.Status.EXPIRED
        entry.save()
        tasks.send_offer_expired.delay_on_commit(entry.pk)


def expire_offers(now=None):
    """Periodic: lapse old offers and move each run's list on."""
    now = now or timezone.now()
    run_ids = set(
        WaitingListEntry.objects.filter(
            status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now
        ).values_list("run_id", flat=True)
    )
    for run_id in run_ids:
        offer_next_place(run_id, now=now)
    return len(run_ids)


def accept_offer(entry_id, *, by):
    """Take the place held by a waiting-list offer. A late cancellation on this run whose
    place this refills has its charge waived."""
    entry = WaitingListEntry.objects.select_related("school", "person").filter(pk=entry_id).first()
    if entry is None or by.pk != entry.person_id:
        raise BookingRefused("That offer was not found.", "not_found")
    with transaction.atomic():
        _lock_run(entry.run_id)
        entry = WaitingListEntry.objects.select_for_update().get(pk=entry_id)
        if (
            entry.status != WaitingListEntry.Status.OFFERED
            or entry.offer_expires_at <= timezone.now()
        ):
            raise BookingRefused("Sorry, this offer has expired or was already used.", "expired")
        booking = book_places(
            entry.run_id,
            BookingRequest(
                school=entry.school,
                booked_by=by,
                delegates=[Delegate(by)],
                source=Booking.Source.WAITING_LIST,
                terms_accepted=True,
            ),
            offer=entry,
        )
        refilled = (
            Enrolment.objects.select_for_update()
            .filter(
                run_id=entry.run_id,
                status=Enrolment.Status.CANCELLED,
                late_cancellation=True,
                charge_waived=False,
            )
            .order_by("cancelled_at")
            .first()
        )
        if refilled:
            refilled.charge_waived = True
            refilled.save(update_fields=["charge_waived", "updated_at"])
            record(
                refilled,
                refilled.status,
                None,
                "Late charge waived: place refilled",
                from_status=refilled.status,
            )
    return booking


def promote_from_waiting_list(entry_id, *, by):
    """Bookings staff give a waiting person a place straight away (through book_places)."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can promote from the waiting list.", "forbidden")
    run_id = WaitingListEntry.objects.filter(pk=entry_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise BookingRefused("That waiting-list entry was not found.", "not_found")
    with transaction.atomic():
        _lock_run(run_id)  # the run first, as every booking path does, so locks never cross
        entry = (
            WaitingListEntry.objects.select_for_update()
            .select_related("school", "person")
            .get(pk=entry_id)
        )
        if entry.status not in (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED):
            raise BookingRefused("That person is no longer waiting.", "state")
        booking = book_places(
            entry.run_id,
            BookingRequest(
                school=entry.school,
                booked_by=by,
                delegates=[Delegate(entry.person)],
                source=Booking.Source.PHONE,
            ),
            offer=entry if entry.status == WaitingListEntry.Status.OFFERED else None,
        )
        WaitingListEntry.objects.filter(pk=entry.pk).update(status=WaitingListEntry.Status.ACCEPTED)
    return booking
