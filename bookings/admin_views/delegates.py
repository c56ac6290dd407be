"""A run's delegate list and its CSV, with access and dietary needs shown only to
bookings staff."""

import csv

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView, View
from wagtail.admin.ui.tables import Column, Table

from accounts.permissions import can_manage_bookings
from core.admin import LinkColumn
from core.exports import spreadsheet_safe

from ..models import Enrolment
from .run_pages import RunPageMixin

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
    """Every person's enrolment on the run (not released unnamed reserved places), places
    still held first, then by surname."""
    return (
        Enrolment.objects.of_people()
        .filter(run=run)
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
