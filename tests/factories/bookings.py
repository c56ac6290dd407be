"""Places booked the only way places are booked: through bookings.services.book_places()."""

from bookings.models import Booking
from bookings.services import BookingRequest, Delegate, book_places


def book(run, *delegates, school, booked_by=None, source=Booking.Source.PHONE, **request):
    """Book these people (members of `school`) on `run`; by default a phone booking taken by
    the CPD team (`booked_by`, e.g. people["staff"]) that emails nobody. Returns the booking.
    Pass `source=Booking.Source.WEB, terms_accepted=True` for a school's own web booking."""
    request.setdefault("notify", False)
    return book_places(
        run.pk,
        BookingRequest(
            school=school,
            booked_by=booked_by or delegates[0],
            delegates=[Delegate(d) for d in delegates],
            source=source,
            **request,
        ),
    )


def enrolments(booking):
    """A booking's places, in the order they were made."""
    return list(booking.enrolments.order_by("pk"))
