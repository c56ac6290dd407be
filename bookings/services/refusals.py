"""Who may book or change a place, and the refusal raised when they may not (BookingRefused,
with a message for the person and a code the metrics count)."""

from accounts import permissions
from accounts.models import Membership

from ..access import may_open_place
from ..models import Booking

FULL_MESSAGE = "This run is full. Join the waiting list to hear if a place comes up."


class BookingRefused(Exception):
    """A booking that cannot go ahead, with a message for the person booking."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def _check_who_may_book(request, run_id):
    school, booker = request.school, request.booked_by
    if request.source in (Booking.Source.WAITING_LIST, Booking.Source.TRANSFER):
        return  # accept_offer() and transfer_enrolment() have checked who may, before calling
    if request.source == Booking.Source.WALK_IN:
        from ..attendance import may_add_walk_in  # attendance imports services: a cycle

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


def _may_manage(user, enrolment):
    """The delegate, whoever booked, the school's managers, or the CPD team."""
    return may_open_place(user, enrolment)
