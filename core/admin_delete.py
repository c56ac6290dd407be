"""Deleting in Wagtail's admin something that bookings, invoices or schools still point at
(on_delete=PROTECT) says why it cannot go, instead of a server error."""

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from wagtail.admin.views.generic import DeleteView


class ProtectedDeleteView(DeleteView):
    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError as refused:
            count = len(refused.protected_objects)
            messages.error(
                self.request,
                f"{self.object} cannot be deleted: {count} record(s) still refer to it.",
            )
            return redirect(self.get_success_url())
