"""A run's waiting list in the admin: promoting someone to a place, and offering freed
places now."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView, View

from core.admin import may

from .. import services
from ..models import Booking, WaitingListEntry
from ..services import BookingRefused
from .run_pages import RunPageMixin


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
            .prefetch_related("members__person")
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
                request,
                f"{entry.person}'s colleagues now have places (booking {booking.reference})."
                if entry.is_group
                else f"{entry.person} now has a place (booking {booking.reference}).",
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
