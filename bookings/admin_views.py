"""Bookings staff's pages in the Wagtail admin, for one run or one place.

Thin views: they read, and every change of a place, a booking or a run goes through
bookings.services, exactly as the public site's does. A refusal (BookingRefused) is shown
to the officer and nothing is written."""

import csv

from django import forms
from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView, View
from wagtail.admin.ui.tables import Column, Table
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permissions import policy_registry

from accounts.models import School, User
from accounts.permissions import can_manage_bookings
from core.admin import LinkColumn, ReadableInspectMixin, may
from core.exports import spreadsheet_safe
from courses.models import CourseRun, Session

from . import schedule, services
from .models import Booking, Enrolment, WaitingListEntry
from .services import BookingRefused, BookingRequest, Delegate

# --- which run pages a user may open ----------------------------------------------------------

# (url name, label, icon, model whose permissions it needs, any of these actions, priority).
# In the run listing they go in each row's "more" menu, ordered around Wagtail's own
# Edit (10), Copy/Inspect (20) and Delete (30).
RUN_PAGES = [
    ("bookings_admin:delegates", "Delegates", "group", Enrolment, ("view", "change"), 0),
    (
        "bookings_admin:waiting_list",
        "Waiting list",
        "list-ol",
        WaitingListEntry,
        ("view", "change"),
        1,
    ),
    ("bookings_admin:phone_booking", "Phone booking", "plus", Booking, ("add",), 2),
    ("courserun:sessions", "Sessions", "time", CourseRun, ("view", "change"), 3),
    ("bookings_admin:cancel_run", "Cancel run", "cross", CourseRun, ("change",), 25),
]
# Pointless once the run is cancelled.
CHANGES_RUN = {"bookings_admin:phone_booking", "bookings_admin:cancel_run"}


def run_pages(user, run):
    """(name, label, icon, url, priority) for each of a run's pages this user may open."""
    cancelled = run.status == CourseRun.Status.CANCELLED
    return [
        (name, label, icon, reverse(name, args=[run.pk]), priority)
        for name, label, icon, model, actions, priority in RUN_PAGES
        if may(user, model, *actions) and not (cancelled and name in CHANGES_RUN)
    ]


def run_buttons(user, run):
    """Per-row menu items for the course-run listing."""
    return [
        Button(label, url=url, icon_name=icon, priority=priority)
        for _name, label, icon, url, priority in run_pages(user, run)
    ]


def delegates_url(user, run):
    """The run's delegate list, if this user may see it."""
    if may(user, Enrolment, "view", "change"):
        return reverse("bookings_admin:delegates", args=[run.pk])
    return None


class RunPageMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """A page about one run. `model` and the required action(s) name the permission needed;
    `page_name` is the page's URL name, so its own button is left out of the header."""

    header_icon = "date"
    page_name = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        runs = CourseRun.objects.with_dates().with_places().select_related("course", "venue")
        self.run = get_object_or_404(runs, pk=kwargs["run_id"])

    def get_page_subtitle(self):
        return self.run.reference  # the course title is in the facts below; headers truncate

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("courserun:index"), "label": "Course runs"},
            {"url": reverse("courserun:inspect", args=[self.run.pk]), "label": self.run.reference},
            {"url": "", "label": self.page_title, "sublabel": self.get_page_subtitle()},
        ]

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(label, url=url, icon_name=icon, priority=priority)
            for name, label, icon, url, priority in run_pages(self.request.user, self.run)
            if name != self.page_name
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.run
        # places_taken counts unexpired offers too; say so, or the numbers look wrong.
        context["offers_held"] = WaitingListEntry.objects.filter(
            run=self.run,
            status=WaitingListEntry.Status.OFFERED,
            offer_expires_at__gt=timezone.now(),
        ).count()
        return context

    def back_to(self, name):
        return redirect("bookings_admin:" + name, self.run.pk)


# --- the delegate list and its CSV ----------------------------------------------------------------

# Access and dietary needs can be health information: shown and exported to bookings staff
# only, not to finance officers or service managers who can read bookings.
NEEDS_FIELDS = ("access_needs", "dietary_needs")


def may_see_needs(user):
    return can_manage_bookings(user)


DELEGATE_HEADINGS = [
    "Delegate",
    "Email",
    "School",
    "Status",
    "Access needs",
    "Dietary needs",
    "Booked by",
    "Booking reference",
    "Source",
]


def run_enrolments(run):
    """Every enrolment on the run, places still held first, then by surname."""
    return (
        Enrolment.objects.filter(run=run)
        .select_related("delegate", "booking__school", "booking__booked_by")
        .order_by(
            Case(
                When(status=Enrolment.Status.CANCELLED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            "delegate__last_name",
            "delegate__first_name",
            "delegate__email",
        )
    )


def delegate_row(enrolment):
    delegate = enrolment.delegate
    return [
        delegate.get_full_name() or delegate.email,
        delegate.email,
        enrolment.booking.school.name,
        enrolment.get_status_display(),
        enrolment.access_needs,
        enrolment.dietary_needs,
        str(enrolment.booking.booked_by),
        enrolment.booking.reference,
        enrolment.booking.get_source_display(),
    ]


class DelegateListView(RunPageMixin, TemplateView):
    model = Enrolment
    any_permission_required = ["view", "change"]
    page_title = "Delegates"
    page_name = "bookings_admin:delegates"
    header_icon = "group"
    template_name = "bookings/admin/delegates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrolments = list(run_enrolments(self.run))
        columns = [
            c
            for c in self.columns()
            if may_see_needs(self.request.user) or c.name not in NEEDS_FIELDS
        ]
        context["table"] = Table(columns, enrolments)
        context["enrolments"] = enrolments
        context["live_count"] = sum(e.is_live for e in enrolments)
        context["csv_url"] = reverse("bookings_admin:delegates_csv", args=[self.run.pk])
        return context

    def columns(self):
        return [
            LinkColumn(
                "delegate",
                label="Delegate",
                accessor=lambda e: e.delegate.get_full_name() or e.delegate.email,
                get_url=lambda e: reverse("admin_enrolments:inspect", args=[e.pk]),
            ),
            Column("email", label="Email", accessor="delegate.email"),
            Column("school", label="School", accessor="booking.school.name"),
            Column("status", label="Status", accessor="get_status_display"),
            Column("access_needs", label="Access needs"),
            Column("dietary_needs", label="Dietary needs"),
            Column("booked_by", label="Booked by", accessor="booking.booked_by"),
            LinkColumn(
                "reference",
                label="Booking reference",
                accessor="booking.reference",
                get_url=lambda e: reverse("admin_bookings:inspect", args=[e.booking_id]),
            ),
            Column("source", label="Source", accessor="booking.get_source_display"),
        ]


class DelegateCSVView(RunPageMixin, View):
    model = Enrolment
    any_permission_required = ["view", "change"]

    def get(self, request, *args, **kwargs):
        filename = f"{self.run.reference}-delegates.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )
        response.write("\ufeff")  # the BOM makes Excel read UTF-8 (accents, curly quotes)
        writer = csv.writer(response)
        shown = [
            i
            for i, heading in enumerate(DELEGATE_HEADINGS)
            if may_see_needs(request.user) or heading not in ("Access needs", "Dietary needs")
        ]
        writer.writerow([DELEGATE_HEADINGS[i] for i in shown])
        for enrolment in run_enrolments(self.run):
            row = delegate_row(enrolment)
            writer.writerow([spreadsheet_safe(row[i]) for i in shown])
        return response


# --- the waiting list -----------------------------------------------------------------------------


class WaitingListView(RunPageMixin, TemplateView):
    model = WaitingListEntry
    any_permission_required = ["view", "change"]
    page_title = "Waiting list"
    page_name = "bookings_admin:waiting_list"
    header_icon = "list-ol"
    template_name = "bookings/admin/waiting_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = list(
            WaitingListEntry.objects.filter(run=self.run)
            .select_related("person", "school", "added_by")
            .order_by("created_at", "pk")
        )
        live = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)
        user = self.request.user
        context.update(
            waiting=[e for e in entries if e.status in live],
            earlier=[e for e in entries if e.status not in live],
            can_promote=may(user, Booking, "add"),
            can_offer=may(user, WaitingListEntry, "change"),
        )
        return context


class PromoteView(RunPageMixin, View):
    """Give a waiting person a place now, through promote_from_waiting_list()."""

    model = Booking
    permission_required = "add"

    def post(self, request, *args, entry_id, **kwargs):
        entry = get_object_or_404(WaitingListEntry, pk=entry_id, run=self.run)
        try:
            booking = services.promote_from_waiting_list(entry.pk, by=request.user)
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"{entry.person} now has a place (booking {booking.reference})."
            )
        return self.back_to("waiting_list")


class OfferPlacesView(RunPageMixin, View):
    """Offer any free places to the people waiting now, rather than on the next sweep."""

    model = WaitingListEntry
    permission_required = "change"

    def post(self, request, *args, **kwargs):
        offered = services.offer_next_place(self.run.pk)
        if offered:
            names = ", ".join(str(e.person) for e in offered)
            messages.success(request, f"Place offered to {names}; they have been emailed.")
        else:
            messages.info(
                request,
                "No offers made: no place is free, nobody is waiting, "
                "or the run is not open for booking.",
            )
        return self.back_to("waiting_list")


# --- phone bookings -------------------------------------------------------------------------------


def open_schools():
    return School.objects.filter(
        status__in=[School.Status.OPEN, School.Status.OPEN_PROPOSED_TO_CLOSE]
    ).order_by("name")


class ChooseSchoolForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=open_schools(), empty_label="Choose a school", label="School"
    )


class PhoneBookingForm(forms.Form):
    """Step 2: tick the school's staff who are going. Per-person needs are optional fields
    named needs-<user id>-access / -dietary, shown on the person's row."""

    # Not required here: book_places() refuses an empty list with its own message.
    delegates = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who is going",
    )
    po_number = forms.CharField(label="Purchase order (PO) number", max_length=40, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(memberships__school=school).order_by(
            "last_name", "first_name", "email"
        )
        self.fields["delegates"].queryset = staff
        self.staff = list(staff)
        if school.po_number_required:
            self.fields["po_number"].help_text = f"{school.name} needs one on every booking."
        for person in self.staff:
            name = person.get_full_name() or person.email
            self.fields[f"needs-{person.pk}-access"] = forms.CharField(
                label=f"Access needs for {name}", required=False, max_length=500
            )
            self.fields[f"needs-{person.pk}-dietary"] = forms.CharField(
                label=f"Dietary needs for {name}", required=False, max_length=300
            )

    def rows(self):
        """(person, checkbox, access field, dietary field) for each of the school's staff."""
        boxes = {str(box.data["value"]): box for box in self["delegates"]}
        for person in self.staff:
            yield (
                person,
                boxes[str(person.pk)],
                self[f"needs-{person.pk}-access"],
                self[f"needs-{person.pk}-dietary"],
            )

    def delegates_to_book(self):
        return [
            Delegate(
                person,
                self.cleaned_data.get(f"needs-{person.pk}-access", ""),
                self.cleaned_data.get(f"needs-{person.pk}-dietary", ""),
            )
            for person in self.cleaned_data["delegates"]
        ]


class PhoneBookingView(RunPageMixin, TemplateView):
    """Book places for a school that phoned in: pick the school, then tick its staff."""

    model = Booking
    permission_required = "add"
    page_title = "Phone booking"
    page_name = "bookings_admin:phone_booking"
    header_icon = "plus"
    template_name = "bookings/admin/phone_booking.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        chosen = request.POST.get("school") or request.GET.get("school")
        self.school_form = ChooseSchoolForm({"school": chosen} if chosen else None)
        self.school = None
        if chosen and self.school_form.is_valid():
            self.school = self.school_form.cleaned_data["school"]

    def get(self, request, *args, **kwargs):
        form = PhoneBookingForm(school=self.school) if self.school else None
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        if self.run.status == CourseRun.Status.CANCELLED:
            # book_places() lets staff book a closed run by phone; a cancelled one, never.
            messages.error(request, "This run is cancelled: it takes no bookings.")
            return self.back_to("delegates")
        if self.school is None:
            return self.get(request, *args, **kwargs)
        form = PhoneBookingForm(request.POST, school=self.school)
        if form.is_valid():
            try:
                booking = services.book_places(
                    self.run.pk,
                    BookingRequest(
                        school=self.school,
                        booked_by=request.user,
                        delegates=form.delegates_to_book(),
                        po_number=form.cleaned_data["po_number"],
                        source=Booking.Source.PHONE,
                    ),
                )
            except BookingRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                count = booking.enrolments.count()
                messages.success(
                    request,
                    f"Booked {count} place{'s' if count != 1 else ''} for {self.school.name}: "
                    f"booking {booking.reference}. Confirmation emails are on their way.",
                )
                return self.back_to("delegates")
        return self.render_to_response(self.get_context_data(form=form), status=200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        already = set(
            Enrolment.objects.filter(run=self.run).live().values_list("delegate_id", flat=True)
        )
        context.update(
            school_form=self.school_form,
            school=self.school,
            already_booked=already,
            cancelled=self.run.status == CourseRun.Status.CANCELLED,
        )
        return context


# --- cancelling a run -----------------------------------------------------------------------------


class CancelRunForm(forms.Form):
    # Not required here: cancel_run() refuses a blank reason with its own message.
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Every delegate is emailed this reason.",
    )


class CancelRunView(RunPageMixin, TemplateView):
    model = CourseRun
    permission_required = "change"
    page_title = "Cancel run"
    page_name = "bookings_admin:cancel_run"
    header_icon = "cross"
    template_name = "bookings/admin/cancel_run.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CancelRunForm()))

    def post(self, request, *args, **kwargs):
        form = CancelRunForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_run(
                    self.run.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BookingRefused as refusal:
                form.add_error("reason" if refusal.code == "reason" else None, str(refusal))
            else:
                messages.success(
                    request,
                    f"{self.run.reference} is cancelled. Every place on it is cancelled free "
                    "of charge and the delegates are being emailed.",
                )
                return self.back_to("delegates")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            live_places=Enrolment.objects.filter(
                run=self.run,
                status__in=[Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL],
            ).count(),
            waiting=WaitingListEntry.objects.filter(
                run=self.run,
                status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
            ).count(),
            cancelled=self.run.status == CourseRun.Status.CANCELLED,
        )
        return context


# --- the run's sessions, and calling one off ------------------------------------------------------


def may_cancel_sessions(user, run):
    return run.status != CourseRun.Status.CANCELLED and may(user, CourseRun, "change")


class RunSessionsView(RunPageMixin, TemplateView):
    model = CourseRun
    any_permission_required = ["view", "change"]
    page_title = "Sessions"
    page_name = "courserun:sessions"
    header_icon = "time"
    template_name = "bookings/admin/sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        cancellable = may_cancel_sessions(self.request.user, self.run)
        context["sessions"] = [
            {
                "session": session,
                "cancel_url": reverse("courserun:cancel_session", args=[self.run.pk, session.pk])
                if cancellable and session.cancelled_at is None and session.starts_at > now
                else None,
            }
            for session in self.run.sessions.order_by("starts_at")
        ]
        context["edit_url"] = reverse("courserun:edit", args=[self.run.pk])
        return context


class CancelSessionForm(forms.Form):
    # Not required here: cancel_session() refuses a blank reason with its own message.
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Every confirmed delegate is emailed this reason.",
    )


class CancelSessionView(RunPageMixin, TemplateView):
    """Call off one session through schedule.cancel_session(); places stay booked."""

    model = CourseRun
    permission_required = "change"
    page_title = "Cancel a session"
    page_name = "courserun:cancel_session"
    header_icon = "cross"
    template_name = "bookings/admin/cancel_session.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session = get_object_or_404(Session, pk=kwargs["session_id"], run=self.run)

    def get_page_subtitle(self):
        return f"{self.run.reference}, {self.session}"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CancelSessionForm()))

    def post(self, request, *args, **kwargs):
        form = CancelSessionForm(request.POST)
        if form.is_valid():
            try:
                schedule.cancel_session(
                    self.session.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BookingRefused as refusal:
                form.add_error("reason" if refusal.code == "reason" else None, str(refusal))
            else:
                messages.success(
                    request,
                    f"The session on {self.session} is cancelled. Places stay booked; calendars "
                    "show it as cancelled and the confirmed delegates are being emailed.",
                )
                return redirect("courserun:sessions", self.run.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            session=self.session,
            confirmed=Enrolment.objects.filter(
                run=self.run, status=Enrolment.Status.CONFIRMED
            ).count(),
            sessions_url=reverse("courserun:sessions", args=[self.run.pk]),
        )
        return context


# --- one enrolment: its audit log, and cancelling the place ---------------------------------------


def status_label(value):
    return Enrolment.Status(value).label if value in Enrolment.Status.values else value or "—"


class EnrolmentInspectView(ReadableInspectMixin, InspectView):
    template_name = "bookings/admin/enrolment_inspect.html"
    money_fields = ("price",)

    def get_fields(self):
        fields = super().get_fields()
        if may_see_needs(self.request.user):
            return fields
        return [f for f in fields if f not in NEEDS_FIELDS]

    def get_booking_display_value(self):
        booking = self.object.booking
        url = reverse("admin_bookings:inspect", args=[booking.pk])
        return format_html('<a href="{}">{}</a>', url, booking.reference)

    def get_object(self, queryset=None):
        return get_object_or_404(
            Enrolment.objects.select_related("delegate", "run__course", "booking__school"),
            pk=self.pk,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrolment = self.object
        cancellable = enrolment.status in (
            Enrolment.Status.CONFIRMED,
            Enrolment.Status.PENDING_APPROVAL,
        ) and self.user_has_permission("change")
        context.update(
            events=[
                {
                    "at": event.at,
                    "from": status_label(event.from_status),
                    "to": status_label(event.to_status),
                    "actor": event.actor or "System",
                    "note": event.note,
                }
                for event in enrolment.events.select_related("actor")
            ],
            can_cancel=cancellable,
            late=cancellable
            and enrolment.status == Enrolment.Status.CONFIRMED
            and services.is_late_cancellation(enrolment.run),
            cancel_url=reverse("admin_enrolments:cancel", args=[enrolment.pk]),
            delegates_url=reverse("bookings_admin:delegates", args=[enrolment.run_id]),
        )
        return context


class CancelEnrolmentView(PermissionCheckedMixin, View):
    """POST: cancel one place through cancel_enrolment(); late rules and emails are its job."""

    model = Enrolment
    permission_required = "change"

    def post(self, request, pk):
        enrolment = get_object_or_404(Enrolment, pk=pk)
        note = request.POST.get("note", "").strip()[:200] or "Cancelled by the CPD team"
        try:
            services.cancel_enrolment(enrolment.pk, by=request.user, note=note)
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{enrolment.delegate}'s place is cancelled.")
        return redirect("admin_enrolments:inspect", enrolment.pk)


class BookingInspectView(ReadableInspectMixin, InspectView):
    template_name = "bookings/admin/booking_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Booking.objects.select_related("run__course", "school", "booked_by"), pk=self.pk
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enrolments"] = self.object.enrolments.select_related("delegate")
        context["show_needs"] = may_see_needs(self.request.user)
        return context


# --- bulk actions on the course-run listing ------------------------------------------------------


class RunBulkAction(PermissionCheckedMixin, BulkAction):
    """Tick runs in Scheduling → Course runs, pick an action, confirm. The service does the
    work, checks the officer may, and skips what is already done; the count says what it did."""

    models = [CourseRun]
    permission_policy = policy_registry.get_by_type(CourseRun)
    permission_required = "change"
    template_name = "bookings/admin/confirm_run_bulk_action.html"
    service = None  # (run_ids, *, by) -> how many
    button_text = ""
    explanation = ""

    def check_perm(self, run):
        return self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", run
        )

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        return cls.service([run.pk for run in objects], by=user), 0

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except BookingRefused as refusal:
            messages.error(self.request, str(refusal))
            return redirect(self.next_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.display_name,
            button_text=self.button_text,
            explanation=self.explanation,
        )
        return context


class CloseBookingBulkAction(RunBulkAction):
    display_name = "Close booking"
    action_type = "close_booking"
    aria_label = "Close booking on the selected runs"
    action_priority = 10
    button_text = "Yes, close booking"
    explanation = (
        "Nobody will be able to book these runs any more. Places already booked and the "
        "waiting list stay as they are. Runs already closed or cancelled are left alone."
    )
    service = staticmethod(services.close_booking)

    def get_success_message(self, closed, _):
        return f"Booking closed on {closed} run{'s' if closed != 1 else ''}."


class SendJoiningRemindersBulkAction(RunBulkAction):
    display_name = "Send joining reminder now"
    action_type = "send_joining_reminders"
    aria_label = "Send a joining reminder now to the delegates of the selected runs"
    action_priority = 20
    button_text = "Yes, send reminders"
    explanation = (
        "Each confirmed delegate is emailed the times, place and joining details of the "
        "run's next session. Nobody is sent a second reminder for the same session day."
    )
    service = staticmethod(services.send_joining_reminders)

    def get_success_message(self, sent, _):
        if not sent:
            return "No reminders sent: every confirmed delegate has already had one."
        return f"Joining reminder sent to {sent} delegate{'s' if sent != 1 else ''}."
