"""The waiting list: joining it (one person, or a CPD lead's group of colleagues), leaving it,
offering each freed place to the next in line (held for a while), accepting an offer, and
staff promoting someone straight to a place."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from courses.models import CourseRun

from ..access import may_leave_waiting_list
from ..models import Booking, Enrolment, WaitingListEntry, WaitingListMember
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
        if _already_waiting(run, [person], single=True):
            raise BookingRefused(f"{person} is already on the waiting list.", "duplicate")
        entry = WaitingListEntry.objects.create(
            run=run, person=person, school=school, added_by=added_by
        )
        tasks.send_waiting_list_joined.delay_on_commit(entry.pk)
    return entry


LIVE = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)


def _already_waiting(run, people, *, single=False):
    """Those of `people` waiting on the run already, alone or in a group. A group entry's
    `person` is its lead, who waits only if they are among its members."""
    alone = WaitingListEntry.objects.filter(
        run=run, person__in=people, status__in=LIVE, is_group=False
    ).values_list("person_id", flat=True)
    grouped = WaitingListMember.objects.filter(
        entry__run=run, entry__status__in=LIVE, enrolment__isnull=True, person__in=people
    ).values_list("person_id", flat=True)
    waiting = {*alone, *grouped}
    if single:  # the lead of a group may not also wait alone: the constraint is per person
        waiting |= set(
            WaitingListEntry.objects.filter(
                run=run, person__in=people, status__in=LIVE
            ).values_list("person_id", flat=True)
        )
    return [p for p in people if p.pk in waiting]


def join_waiting_list_as_group(run_id, *, people, school, lead):
    """A CPD lead puts several colleagues on a full run's waiting list in one entry, made to
    the lead: offers come to them, and they choose who takes the places offered."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

    people = list(people)
    if not people:
        raise BookingRefused("Choose at least one person to put on the waiting list.", "none")
    if len({p.pk for p in people}) != len(people):
        raise BookingRefused("The same person is listed twice.", "duplicate")
    if not (
        permissions.has_role(lead, school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(lead)
    ):
        raise BookingRefused("Only your school's CPD lead can add colleagues.", "forbidden")
    on_staff = set(
        Membership.objects.filter(school=school, user__in=people).values_list("user_id", flat=True)
    )
    if outsiders := [p for p in people if p.pk not in on_staff]:
        names = ", ".join(str(p) for p in outsiders)
        raise BookingRefused(f"Not on {school.name}'s staff list: {names}.", "not_member")
    with transaction.atomic():
        run = _lock_run(run_id)
        if run.status in (CourseRun.Status.CANCELLED, CourseRun.Status.CLOSED):
            raise BookingRefused("This run is not taking bookings.", "closed")
        placed = Enrolment.objects.filter(run=run, delegate__in=people).live()
        if placed.exists():
            names = ", ".join(str(e.delegate) for e in placed.select_related("delegate"))
            raise BookingRefused(f"Already booked on this run: {names}.", "duplicate")
        if run.capacity - places_taken(run.pk) > 0:
            raise BookingRefused("There are places left on this run: book them instead.", "open")
        if waiting := _already_waiting(run, people):
            names = ", ".join(str(p) for p in waiting)
            raise BookingRefused(f"Already on the waiting list: {names}.", "duplicate")
        if WaitingListEntry.objects.filter(run=run, person=lead, status__in=LIVE).exists():
            raise BookingRefused(
                "You already have an entry on this waiting list (yours or your colleagues'). "
                "Add more colleagues once it is settled, or ask the CPD team.",
                "duplicate",
            )
        entry = WaitingListEntry.objects.create(
            run=run,
            person=lead,
            school=school,
            added_by=lead,
            is_group=True,
            places=len(people),
        )
        WaitingListMember.objects.bulk_create(
            WaitingListMember(entry=entry, person=p) for p in people
        )
        tasks.send_waiting_list_joined.delay_on_commit(entry.pk)
    return entry


def leave_waiting_list(entry_id, *, by, person=None):
    """Take someone off a run's waiting list: the whole entry, or (`person`) one colleague
    from a group, whose places shrink by one (the last colleague to go withdraws the entry).
    Places a live offer held and no longer needs pass to the next in line at once. Returns
    the entry as it now is."""
    entry = WaitingListEntry.objects.select_related("school").filter(pk=entry_id).first()
    person_id = None if person is None else person.pk
    if (
        entry is None
        or not may_leave_waiting_list(by, entry, person_id)
        or (not entry.is_group and person_id not in (None, entry.person_id))
    ):
        raise BookingRefused("That waiting-list entry was not found.", "not_found")
    with transaction.atomic():
        _lock_run(entry.run_id)  # the run first, as every booking path does
        entry = WaitingListEntry.objects.select_for_update().get(pk=entry_id)
        if entry.status not in LIVE:
            raise BookingRefused("That entry is no longer on the waiting list.", "state")
        held = entry.places_offered if entry.status == WaitingListEntry.Status.OFFERED else 0
        last = entry.is_group and person_id is not None and _remove_member(entry, person)
        if not entry.is_group or person_id is None or last:
            # `places` stays as it was: the constraints keep every entry at one or more.
            WaitingListEntry.objects.filter(pk=entry.pk).update(
                status=WaitingListEntry.Status.WITHDRAWN
            )
        else:
            entry.places_offered = min(entry.places_offered, entry.places)
            entry.save(update_fields=["places", "places_offered"])
        entry.refresh_from_db()
        if held > entry.places_offered or (held and entry.status not in LIVE):
            offer_next_place(entry.run_id)
    return entry


def _remove_member(entry, person):
    """Take one colleague out of a group (its places less one), or refuse, writing nothing.
    True when they were the last one waiting, so the whole entry goes."""
    member = entry.members.select_for_update().filter(person=person).first()
    if member is None:
        raise BookingRefused("That waiting-list entry was not found.", "not_found")
    if member.enrolment_id is not None:
        raise BookingRefused(
            f"{person} already took a place from this group: cancel the place instead.", "placed"
        )
    if entry.places == 1:
        return True  # kept in the withdrawn group, as a record of who waited
    member.delete()
    entry.places -= 1
    return False


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
            if free <= 0:
                break
            # First come by position: a group is offered as many of its places as are free.
            entry.places_offered = min(entry.places, free)
            free -= entry.places_offered
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


def accept_offer(entry_id, *, by, people=None):
    """Take the place held by a waiting-list offer. For a group, the lead takes places for
    the colleagues they choose (`people`, at most the places offered); the places not taken
    pass to the next in line. Each late cancellation on this run whose place this refills
    has its charge waived."""
    from .. import tasks  # bookings.tasks imports this package: a cycle

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
        members = _chosen_members(entry, people) if entry.is_group else []
        booking = book_places(
            entry.run_id,
            BookingRequest(
                school=entry.school,
                booked_by=by,
                delegates=[Delegate(m.person) for m in members] or [Delegate(by)],
                source=Booking.Source.WAITING_LIST,
                terms_accepted=True,
            ),
            offer=entry,
        )
        if entry.is_group:
            _settle_group(entry, members, booking)
            if len(members) < entry.places_offered:
                tasks.offer_places.delay_on_commit(entry.run_id)
        for _ in range(len(members) or 1):
            _waive_a_late_charge(entry.run_id)
    return booking


def _chosen_members(entry, people):
    """The group's waiting members the lead chose, or a refusal that writes nothing."""
    people = list(people or [])
    if not people:
        raise BookingRefused("Choose who takes the places.", "no_delegates")
    if len({p.pk for p in people}) != len(people):
        raise BookingRefused("The same person is listed twice.", "duplicate")
    if len(people) > entry.places_offered:
        raise BookingRefused(
            f"The offer is for {entry.places_offered} "
            f"place{'s' if entry.places_offered != 1 else ''}; you chose {len(people)}.",
            "too_many",
        )
    members = list(
        entry.members.select_for_update()
        .select_related("person")
        .filter(person__in=people, enrolment__isnull=True)
    )
    if len(members) != len(people):
        raise BookingRefused("Choose from the colleagues in this waiting-list group.", "not_member")
    on_staff = set(
        Membership.objects.filter(school=entry.school, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    if gone := [m.person for m in members if m.person_id not in on_staff]:
        names = ", ".join(str(p) for p in gone)
        raise BookingRefused(f"No longer on {entry.school.name}'s staff list: {names}.", "left")
    return members


def _settle_group(entry, members, booking):
    """Record who took a place. When every place offered was taken and colleagues are left,
    they keep the group's place in the line; places turned down end the group's wait."""
    places = {e.delegate_id: e for e in booking.enrolments.all()}
    for member in members:
        member.enrolment = places[member.person_id]
        member.save(update_fields=["enrolment"])
    left = entry.places - len(members)
    if left and len(members) == entry.places_offered:
        WaitingListEntry.objects.filter(pk=entry.pk).update(
            status=WaitingListEntry.Status.WAITING,
            places=left,
            places_offered=0,
            offered_at=None,
            offer_expires_at=None,
        )


def _waive_a_late_charge(run_id):
    refilled = (
        Enrolment.objects.select_for_update()
        .filter(
            run_id=run_id,
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
        # A group is promoted whole: everyone in it still waiting.
        members = list(entry.members.select_related("person").filter(enrolment__isnull=True))
        booking = book_places(
            entry.run_id,
            BookingRequest(
                school=entry.school,
                booked_by=by,
                delegates=[Delegate(m.person) for m in members] or [Delegate(entry.person)],
                source=Booking.Source.PHONE,
            ),
            offer=entry if entry.status == WaitingListEntry.Status.OFFERED else None,
        )
        if entry.is_group:
            _settle_group(entry, members, booking)
        WaitingListEntry.objects.filter(pk=entry.pk).update(status=WaitingListEntry.Status.ACCEPTED)
    return booking
