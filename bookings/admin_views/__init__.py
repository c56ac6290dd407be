"""Bookings staff's pages in the Wagtail admin, for one run or one place, one module per area
(run_pages, delegates, waiting_list, phone_bookings, run_changes, enrolments, bulk_actions).

Thin views: they read, and every change of a place, a booking or a run goes through
bookings.services, exactly as the public site's does. A refusal (BookingRefused) is shown
to the officer and nothing is written. Everything urls and hooks use is re-exported here."""

from .bulk_actions import CloseBookingBulkAction, RunBulkAction, SendJoiningRemindersBulkAction
from .delegates import (
    DELEGATE_HEADINGS,
    NEEDS_FIELDS,
    DelegateCSVView,
    DelegateListView,
    delegate_row,
    may_see_needs,
    run_enrolments,
)
from .enrolments import BookingInspectView, CancelEnrolmentView, EnrolmentInspectView, status_label
from .phone_bookings import ChooseSchoolForm, PhoneBookingForm, PhoneBookingView, open_schools
from .run_changes import (
    CancelRunForm,
    CancelRunView,
    CancelSessionForm,
    CancelSessionView,
    RunSessionsView,
    may_cancel_sessions,
)
from .run_pages import CHANGES_RUN, RUN_PAGES, RunPageMixin, delegates_url, run_buttons, run_pages
from .waiting_list import OfferPlacesView, PromoteView, WaitingListView

__all__ = [
    "BookingInspectView",
    "CHANGES_RUN",
    "CancelEnrolmentView",
    "CancelRunForm",
    "CancelRunView",
    "CancelSessionForm",
    "CancelSessionView",
    "ChooseSchoolForm",
    "CloseBookingBulkAction",
    "DELEGATE_HEADINGS",
    "DelegateCSVView",
    "DelegateListView",
    "EnrolmentInspectView",
    "NEEDS_FIELDS",
    "OfferPlacesView",
    "PhoneBookingForm",
    "PhoneBookingView",
    "PromoteView",
    "RUN_PAGES",
    "RunBulkAction",
    "RunPageMixin",
    "RunSessionsView",
    "SendJoiningRemindersBulkAction",
    "WaitingListView",
    "delegate_row",
    "delegates_url",
    "may_cancel_sessions",
    "may_see_needs",
    "open_schools",
    "run_buttons",
    "run_enrolments",
    "run_pages",
    "status_label",
]
