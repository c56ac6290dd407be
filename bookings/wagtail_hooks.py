"""The Scheduling and Bookings menus in the Wagtail admin, and the pages for one run.

Bookings, places and waiting-list entries are listed and inspected here but never added,
edited or deleted through a model form: every change of a place or of money goes through
bookings.services, as on the public site. The one form edit allowed is a delegate's access
and dietary needs."""

import django_filters
from django.db.models import Count, Q
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import LogFormatter

from accounts.models import School
from core.admin import InspectFirstIndexView, ServicesOnlyViewSet
from core.wording import clock
from courses.models import CourseRun

from . import admin_views
from .attendance import takes_registers
from .dashboard import add_runs_this_week
from .models import Booking, Enrolment, Reservation, WaitingListEntry
from .run_admin import SchedulingGroup
from .schedule import SESSION_CANCELLED
from .services import BOOKING_CLOSED, name_by

hooks.register("construct_homepage_panels", add_runs_this_week)

# --- Scheduling → Course runs: bookings staff add runs and their sessions (run_admin) ---------


@hooks.register("register_admin_viewset")
def register_scheduling():
    return SchedulingGroup()


hooks.register("register_bulk_action", admin_views.CloseBookingBulkAction)
hooks.register("register_bulk_action", admin_views.SendJoiningRemindersBulkAction)


@hooks.register("register_log_actions")
def register_session_log_actions(actions):
    @actions.register_action(BOOKING_CLOSED)
    class BookingClosed(LogFormatter):
        label = "Close booking"

        def format_message(self, log_entry):
            return "Booking closed"

    @actions.register_action(SESSION_CANCELLED)
    class SessionCancelled(LogFormatter):
        label = "Cancel session"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return f"Session on {data.get('session')} cancelled: {data.get('reason')}"


# --- enrolments (places) ----------------------------------------------------------------------


def run_filter():
    # A run's label names its course: fetch the courses with the runs, not one query each.
    return django_filters.ModelChoiceFilter(
        queryset=CourseRun.objects.select_related("course").order_by("reference"), label="Run"
    )


class EnrolmentFilterSet(WagtailFilterSet):
    run = run_filter()
    school = django_filters.ModelChoiceFilter(
        field_name="booking__school", queryset=School.objects.all(), label="School"
    )

    class Meta:
        model = Enrolment
        fields = ["status", "run", "school", "late_cancellation"]


class EnrolmentIndexView(InspectFirstIndexView):
    select_related = ("delegate", "run", "booking__school")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not admin_views.may_see_needs(request.user):
            self.list_export = [f for f in self.list_export if f not in admin_views.NEEDS_FIELDS]


class EnrolmentViewSet(ServicesOnlyViewSet):
    model = Enrolment
    name = "admin_enrolments"
    url_prefix = "enrolments"
    icon = "user"
    menu_label = "Enrolments"
    editable = True
    form_fields = ["access_needs", "dietary_needs"]
    index_view_class = EnrolmentIndexView
    inspect_view_class = admin_views.EnrolmentInspectView
    list_display = [
        "delegate",
        Column("run.reference", label="Run", sort_key="run__reference"),
        Column("booking.school.name", label="School", sort_key="booking__school__name"),
        "status",
        Column(
            "late_cancellation",
            label="Late cancellation",
            accessor=lambda enrolment: "Yes" if enrolment.late_cancellation else "",
            sort_key="late_cancellation",
        ),
        Column(
            "released_from",
            label="Unnamed reserved place",
            accessor=lambda enrolment: "Yes, released" if enrolment.released_from_id else "",
        ),
        Column("created_at", label="Booked at", sort_key="created_at"),
    ]
    ordering = "-created_at"
    filterset_class = EnrolmentFilterSet
    search_fields = [
        "delegate__email",
        "delegate__first_name",
        "delegate__last_name",
        "booking__reference",
        "run__reference",
    ]
    list_export = [
        "delegate.get_full_name",
        "delegate.email",
        "booking.school.name",
        "run.reference",
        "get_status_display",
        "access_needs",
        "dietary_needs",
        "booking.reference",
        "booking.get_source_display",
        "price",
        "late_cancellation",
        "charge_waived",
        "created_at",
        "cancelled_at",
    ]
    export_headings = {
        "delegate.get_full_name": "Delegate",
        "delegate.email": "Email",
        "booking.school.name": "School",
        "run.reference": "Run",
        "get_status_display": "Status",
        "booking.reference": "Booking reference",
        "booking.get_source_display": "Source",
        "created_at": "Booked at",
    }
    export_filename = "enrolments"
    inspect_view_fields = [
        "delegate",
        "run",
        "booking",
        "status",
        "access_needs",
        "dietary_needs",
        "price",
        "vat_rate",
        "approval_expires_at",
        "cancelled_at",
        "late_cancellation",
        "charge_waived",
        "released_from",
        "created_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("cancel/<id:pk>/", admin_views.CancelEnrolmentView.as_view(), name="cancel"),
        ]


# --- bookings (orders) ------------------------------------------------------------------------


class BookingIndexView(InspectFirstIndexView):
    select_related = ("run", "school", "booked_by")

    def get_base_queryset(self):
        live = Q(enrolments__status__in=Enrolment.LIVE)
        return super().get_base_queryset().annotate(places=Count("enrolments", filter=live))


class BookingViewSet(ServicesOnlyViewSet):
    model = Booking
    name = "admin_bookings"
    url_prefix = "bookings"
    icon = "clipboard-list"
    menu_label = "Bookings"
    index_view_class = BookingIndexView
    inspect_view_class = admin_views.BookingInspectView
    list_display = [
        "reference",
        Column("run.reference", label="Run", sort_key="run__reference"),
        Column("school", label="School", sort_key="school__name"),
        Column("booked_by", label="Booked by"),
        "source",
        Column("places", label="Places held", sort_key="places"),
        Column("created_at", label="Booked at", sort_key="created_at"),
    ]
    ordering = "-created_at"
    list_filter = ["source"]
    search_fields = ["reference", "school__name", "run__reference"]
    list_export = [
        "reference",
        "run.reference",
        "school.name",
        "booked_by.email",
        "po_number",
        "get_source_display",
        "places",
        "created_at",
    ]
    export_headings = {
        "run.reference": "Run",
        "school.name": "School",
        "booked_by.email": "Booked by",
        "get_source_display": "Source",
        "places": "Places held",
        "created_at": "Booked at",
    }
    export_filename = "bookings"
    inspect_view_fields = [
        "reference",
        "run",
        "school",
        "booked_by",
        "po_number",
        "source",
        "terms_accepted_at",
        "created_at",
    ]


# --- waiting lists ----------------------------------------------------------------------------


class WaitingListFilterSet(WagtailFilterSet):
    run = run_filter()

    class Meta:
        model = WaitingListEntry
        fields = ["status", "run"]


class WaitingListIndexView(InspectFirstIndexView):
    select_related = ("person", "run", "school")


class WaitingListEntryViewSet(ServicesOnlyViewSet):
    model = WaitingListEntry
    name = "admin_waiting_list"
    url_prefix = "waiting-list"
    icon = "list-ol"
    menu_label = "Waiting lists"
    index_view_class = WaitingListIndexView
    list_display = [
        "person",
        Column("run.reference", label="Run", sort_key="run__reference"),
        Column("school", label="School", sort_key="school__name"),
        "status",
        Column("created_at", label="Joined", sort_key="created_at"),
        Column("offer_expires_at", label="Offer expires", sort_key="offer_expires_at"),
    ]
    ordering = "created_at"
    filterset_class = WaitingListFilterSet
    search_fields = ["person__email", "person__last_name", "run__reference", "school__name"]
    list_export = [
        "person.email",
        "run.reference",
        "school.name",
        "get_status_display",
        "created_at",
        "offer_expires_at",
    ]
    export_headings = {
        "person.email": "Person",
        "run.reference": "Run",
        "school.name": "School",
        "get_status_display": "Status",
        "created_at": "Joined",
    }
    export_filename = "waiting-list"


# --- reserved places: listed and inspected only; the services reserve, name and release ------


def reservation_status(reservation):
    if reservation.run.status == CourseRun.Status.CANCELLED:
        return "Run cancelled"
    if reservation.released_at is not None:
        return "Released at the name-by date"
    if reservation.places == 0:
        return "All given back"
    if reservation.unnamed == 0:
        return "All named"
    return f"{reservation.unnamed} to name"


def reservation_name_by(reservation):
    deadline = name_by(reservation.run)  # reads the prefetched sessions
    if deadline is None:
        return "No sessions yet"
    deadline = timezone.localtime(deadline)
    return f"{deadline.day} {deadline:%b %Y}, {clock(deadline)}"


class ReservationFilterSet(WagtailFilterSet):
    run = run_filter()

    class Meta:
        model = Reservation
        fields = ["run", "booking__school"]


class ReservationIndexView(InspectFirstIndexView):
    select_related = ("booking__school", "run__course")

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("run__sessions")


class ReservationViewSet(ServicesOnlyViewSet):
    model = Reservation
    name = "admin_reservations"
    url_prefix = "reservations"
    icon = "lock"
    menu_label = "Reserved places"
    index_view_class = ReservationIndexView
    list_display = [
        Column("booking", label="Booking", accessor=lambda r: r.booking.reference),
        Column("run.reference", label="Run", sort_key="run__reference"),
        Column("booking.school.name", label="School", sort_key="booking__school__name"),
        Column("places", label="Places", sort_key="places"),
        Column("named", label="Named", sort_key="named"),
        Column("name_by", label="Name by", accessor=reservation_name_by),
        Column("status", label="Status", accessor=reservation_status),
    ]
    ordering = "-created_at"
    filterset_class = ReservationFilterSet
    search_fields = ["booking__reference", "booking__school__name", "run__reference"]
    list_export = [
        "booking.reference",
        "run.reference",
        "booking.school.name",
        "places",
        "named",
        "price",
        "created_at",
        "released_at",
    ]
    export_headings = {
        "booking.reference": "Booking",
        "run.reference": "Run",
        "booking.school.name": "School",
        "created_at": "Reserved at",
        "released_at": "Released at",
    }
    export_filename = "reserved-places"
    inspect_view_fields = [
        "booking",
        "run",
        "places",
        "named",
        "price",
        "vat_rate",
        "reminded_at",
        "released_at",
        "created_at",
    ]


class BookingsGroup(ModelViewSetGroup):
    menu_label = "Bookings"
    menu_icon = "clipboard-list"
    menu_order = 155  # after Scheduling (150), before Schools (160)
    items = (BookingViewSet, EnrolmentViewSet, WaitingListEntryViewSet, ReservationViewSet)


@hooks.register("register_admin_viewset")
def register_bookings():
    return BookingsGroup()


# --- pages for one run, beside the course-run viewset's own URLs (/admin/runs/<id>/…) ----------

run_urlpatterns = [
    path("delegates/", admin_views.DelegateListView.as_view(), name="delegates"),
    path("delegates/csv/", admin_views.DelegateCSVView.as_view(), name="delegates_csv"),
    path("waiting-list/", admin_views.WaitingListView.as_view(), name="waiting_list"),
    path(
        "waiting-list/offer/",
        admin_views.OfferPlacesView.as_view(),
        name="offer_places",
    ),
    path(
        "waiting-list/<id:entry_id>/promote/",
        admin_views.PromoteView.as_view(),
        name="promote",
    ),
    path("phone-booking/", admin_views.PhoneBookingView.as_view(), name="phone_booking"),
    path("cancel/", admin_views.CancelRunView.as_view(), name="cancel_run"),
]


@hooks.register("register_admin_urls")
def register_run_pages():
    return [
        path(
            "runs/<id:run_id>/",
            include((run_urlpatterns, "bookings_admin"), namespace="bookings_admin"),
        )
    ]


# --- registers: facilitators and the bookings team take them on the public site (phone-sized) --


class RegistersMenuItem(MenuItem):
    def is_shown(self, request):
        return takes_registers(request.user)


@hooks.register("register_admin_menu_item")
def register_registers_menu_item():
    return RegistersMenuItem(
        "Registers", reverse("bookings:registers"), icon_name="tasks", order=156
    )
