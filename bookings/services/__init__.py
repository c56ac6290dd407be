"""Booking use cases, one module per area. book_places() is the only way a place is taken;
capacity is enforced there, under a row lock on the run, and nowhere else.

- refusals: BookingRefused, and who may book or change a place
- locking: the run-first row locks, and the history each change writes
- places: taking places (book_places) and counting them
- approvals: a teacher's own booking approved by the CPD lead, then (above the school's
  spend threshold) by its finance contact
- cancelling: one place, or a whole run
- transfers: a place passed to a colleague or moved to another date
- waiting_list: joining, offers, accepting, promoting
- reservations: places a CPD lead reserves and names people on later
- run_actions: bookings officers' bulk actions on runs
- next_steps: what a booking's confirmation page says happens next

Everything other code uses is re-exported here, so callers import from bookings.services.
A test that patches a seam patches the submodule that calls it (e.g. places._lock_run)."""

from .approvals import (
    decide_enrolment,
    expire_approvals,
    may_decide,
    needs_approval,
    waiting_for_consortium,
    waiting_for_finance,
)
from .cancelling import (
    cancel_enrolment,
    cancel_run,
    cancelling_now_is_late,
    charged_cancellation_from,
    first_session_start,
    free_cancellation_ends,
    is_late_cancellation,
)
from .locking import _lock_run, _set_status, record
from .next_steps import NextSteps, what_happens_next
from .places import (
    BookingRequest,
    Delegate,
    book_places,
    places_left,
    places_taken,
    with_places_taken,
)
from .refusals import FULL_MESSAGE, BookingRefused, _check_who_may_book
from .reservations import (
    give_back_places,
    name_by,
    name_reserved_place,
    release_is_charged,
    release_unnamed_places,
    remind_and_release_reservations,
    reserve_places,
)
from .run_actions import BOOKING_CLOSED, close_booking, next_session_day, send_joining_reminders
from .transfers import substitute_delegate, transfer_enrolment, why_not_move, why_not_pass_on
from .waiting_list import (
    accept_offer,
    expire_offers,
    join_waiting_list,
    join_waiting_list_as_group,
    leave_waiting_list,
    offer_next_place,
    promote_from_waiting_list,
)

__all__ = [
    "NextSteps",
    "what_happens_next",
    "BOOKING_CLOSED",
    "FULL_MESSAGE",
    "BookingRefused",
    "BookingRequest",
    "Delegate",
    "_check_who_may_book",
    "_lock_run",
    "_set_status",
    "accept_offer",
    "book_places",
    "cancel_enrolment",
    "cancel_run",
    "cancelling_now_is_late",
    "charged_cancellation_from",
    "close_booking",
    "decide_enrolment",
    "expire_approvals",
    "may_decide",
    "waiting_for_consortium",
    "waiting_for_finance",
    "expire_offers",
    "give_back_places",
    "name_by",
    "name_reserved_place",
    "release_is_charged",
    "release_unnamed_places",
    "remind_and_release_reservations",
    "reserve_places",
    "first_session_start",
    "free_cancellation_ends",
    "is_late_cancellation",
    "join_waiting_list",
    "join_waiting_list_as_group",
    "leave_waiting_list",
    "needs_approval",
    "next_session_day",
    "offer_next_place",
    "places_left",
    "places_taken",
    "promote_from_waiting_list",
    "record",
    "send_joining_reminders",
    "substitute_delegate",
    "transfer_enrolment",
    "why_not_move",
    "why_not_pass_on",
    "with_places_taken",
]
