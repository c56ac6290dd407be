"""Bulk actions on the course-run listing: close booking, send joining reminders now."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permissions import policy_registry

from courses.models import CourseRun

from .. import services
from ..services import BookingRefused


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
