"""One place or one booking in the admin: its audit log, and cancelling the place."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import View
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from core.admin import ReadableInspectMixin

from .. import services
from ..models import Booking, Enrolment
from ..services import BookingRefused
from .delegates import NEEDS_FIELDS, may_see_needs


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
