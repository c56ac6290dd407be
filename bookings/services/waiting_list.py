"""The waiting list: joining it, offering each freed place to the next person (held for a
while), accepting an offer, and staff promoting someone straight to a place."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from courses.models import CourseRun

from ..models import Booking, Enrolment, WaitingListEntry
from .locking import _lock_run, record
from .places import BookingRequest, Delegate, book_places, places_taken
from .refusals import BookingRefused


def join_waiting_list(run_id, *, person, school, added_by):
    from .. import tasks  # bookings.tasks imports this package: a cycle

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
        entry = WaitingListEntry.objects.create(
            run=run, person=person, school=school, added_by=added_by
        )
        tasks.send_waiting_list_joined.delay_on_commit(entry.pk)
    return entry


def offer_next_place(run_id, now=None):
    """Offer each free place to the next person waiting, holding it for them for a while.
    Run after any place frees; safe to run twice (it re-counts under the lock)."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

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
    from .. import tasks  # bookings.tasks imports this package: a cycle

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
