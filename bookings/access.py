"""Who may open one place (an Enrolment): its delegate, whoever booked it, the school's
managers (CPD leads, headteacher) and the CPD team's bookings officers. Not a colleague who
is on the same booking: a booking groups places, it does not share them.

Every place page (cancel, calendar file, decide, substitute, transfer) and the services
behind them ask here; the approval page also lets in a school's finance contacts while a
place waits for them. Refusals are 404s, as in accounts.permissions."""

from django.db.models import Q
from django.http import Http404

from accounts import permissions
from accounts.models import Consortium, School

from .models import Booking, Enrolment, Reservation, WaitingListEntry


def places_for(user):
    """The places `user` may open, as a queryset."""
    if not user.is_authenticated or not user.is_active:
        return Enrolment.objects.none()
    if permissions.can_manage_bookings(user):
        return Enrolment.objects.all()
    managed = permissions.schools_for(user, *permissions.MANAGERS)
    return Enrolment.objects.filter(
        Q(delegate=user) | Q(booking__booked_by=user) | Q(booking__school__in=managed)
    )


def may_open_place(user, enrolment):
    """The same rule for a place already loaded (with its booking)."""
    return (
        user.is_authenticated
        and user.is_active
        and (
            user.pk in (enrolment.delegate_id, enrolment.booking.booked_by_id)
            or permissions.has_role(user, enrolment.booking.school, *permissions.MANAGERS)
            or permissions.can_manage_bookings(user)
        )
    )


def place_or_404(user, enrolment_id):
    enrolment = (
        places_for(user)
        .filter(pk=enrolment_id)
        .select_related("booking__school", "run__course", "delegate")
        .first()
    )
    if enrolment is None:
        raise Http404("No such place")
    return enrolment


def finance_schools(user):
    """The schools whose money `user` approves: as the school's finance contact, or the
    trust's. By membership only: the CPD team acts for every school, but does not approve a
    school's spending for it."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    return School.objects.filter(
        Q(memberships__user=user, memberships__is_finance=True)
        | Q(trust__memberships__user=user, trust__memberships__is_finance=True)
    ).distinct()


def led_consortia(user):
    """The consortia whose budgets `user` approves: as one of its leads. By membership only,
    as for finance_schools: the CPD team does not spend a consortium's money for it."""
    if not user.is_authenticated or not user.is_active:
        return Consortium.objects.none()
    return Consortium.objects.filter(leads__user=user)


def request_or_404(user, enrolment_id):
    """A place's approval page: the school's managers and the CPD team's bookings officers
    (as for any of its places), its finance contacts while the place waits for them, and a
    consortium's leads while it waits for their budget."""
    enrolment = (
        Enrolment.objects.filter(pk=enrolment_id)
        .select_related("booking__school", "booking__booked_by", "run__course", "delegate")
        .first()
    )
    if enrolment is None or not user.is_authenticated or not user.is_active:
        raise Http404("No such request")
    school = enrolment.booking.school
    if permissions.has_role(user, school, *permissions.MANAGERS) or (
        permissions.can_manage_bookings(user)
    ):
        return enrolment
    if (
        enrolment.status == Enrolment.Status.PENDING_APPROVAL
        and enrolment.approval_stage == Enrolment.ApprovalStage.FINANCE
        and finance_schools(user).filter(pk=school.pk).exists()
    ):
        return enrolment
    if (
        enrolment.status == Enrolment.Status.PENDING_APPROVAL
        and enrolment.approval_stage == Enrolment.ApprovalStage.CONSORTIUM
        and led_consortia(user).filter(pk=enrolment.approval_consortium_id).exists()
    ):
        return enrolment
    raise Http404("No such request")


def booking_or_404(user, reference):
    """A booking `user` may see, with its places and who may act on each: they booked it, hold
    a place on it, manage its school, or are a bookings officer. Read by its reference, then
    the rule of places_for() and may_open_place() applied to what was read, with the school
    asked about once: as one OR across three tables, PostgreSQL took 9 ms to plan it on every
    confirmation page."""
    booking = (
        Booking.objects.select_related(
            "run__course", "run__venue", "school", "booked_by", "reservation"
        )
        .filter(reference=reference)
        .first()
    )
    if booking is None or not user.is_authenticated or not user.is_active:
        raise Http404("No such booking")
    places = list(booking.enrolments.select_related("delegate").prefetch_related("events"))
    officer = permissions.can_manage_bookings(user)
    manages = permissions.has_role(user, booking.school, *permissions.MANAGERS)
    booked_it = booking.booked_by_id == user.pk
    openable = {
        e.pk
        for e in places
        if not e.released_from_id and (officer or manages or booked_it or e.delegate_id == user.pk)
    }
    if not (officer or manages or booked_it or openable):
        raise Http404("No such booking")
    return booking, places, manages, openable


def reservation_or_404(user, reservation_id):
    """A school's reserved places: for whoever reserved them, the school's managers and the
    CPD team's bookings officers."""
    reservation = (
        Reservation.objects.select_related(
            "booking__school", "booking__booked_by", "run__course", "run__venue"
        )
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or not may_manage_reservation(user, reservation):
        raise Http404("No such reservation")
    return reservation


def may_manage_reservation(user, reservation):
    """The rule of reservation_or_404, for a reservation already loaded (with its booking)."""
    return (
        user.is_authenticated
        and user.is_active
        and (
            reservation.booking.booked_by_id == user.pk
            or permissions.has_role(user, reservation.booking.school, *permissions.MANAGERS)
            or permissions.can_manage_bookings(user)
        )
    )


def may_leave_waiting_list(user, entry, person_id=None):
    """Who may take someone off a waiting list: the person waiting takes themselves off (a
    colleague in a group their own name; the one an entry is made to, the whole entry), and
    the school's managers (a trust's CPD leads among them) and the CPD team take anyone off.
    A consortium lead oversees and removes no one."""
    if not (user.is_authenticated and user.is_active):
        return False
    own = user.pk == entry.person_id or (
        entry.is_group
        and user.pk == person_id
        and any(m.person_id == person_id for m in entry.members.all())
    )
    return (
        own
        or permissions.has_role(user, entry.school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(user)
    )


def waiting_entry_or_404(user, entry_id, person_id=None):
    """A waiting-list entry `user` may take `person_id` (a colleague in its group) or the
    whole entry off, with that colleague's row as `member`; else 404, whether it exists or
    not. Whether it is still live is the page's to say."""
    entry = (
        WaitingListEntry.objects.select_related("run__course", "school", "person")
        .prefetch_related("members__person")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not may_leave_waiting_list(user, entry, person_id):
        raise Http404("No such waiting-list entry")
    if person_id is not None:
        if not entry.is_group:
            raise Http404("No such waiting-list entry")
        entry.member = next((m for m in entry.members.all() if m.person_id == person_id), None)
        if entry.member is None:
            raise Http404("No such waiting-list entry")
    return entry
