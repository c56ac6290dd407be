"""The admin dashboard's panel for bookings officers and service managers: runs starting this
week, with places booked of capacity and the register (or delegate list) link. It reads with a
fixed number of queries, whatever the number of runs; bookings.wagtail_hooks adds it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from accounts import roles
from accounts.permissions import can_manage_bookings
from courses.models import CourseRun

from .admin_views import delegates_url


def this_week(today=None):
    """Monday 00:00 to the next Monday 00:00, local time."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    return start, start + dt.timedelta(days=7)


def runs_starting_this_week(today=None):
    start, end = this_week(today)
    return (
        CourseRun.objects.with_dates()
        .with_places()
        .filter(first_starts_at__gte=start, first_starts_at__lt=end)
        .exclude(status=CourseRun.Status.CANCELLED)
        .select_related("course", "venue")
        .order_by("first_starts_at", "reference")
    )


class RunsThisWeekPanel(Component):
    name = "runs_this_week"
    template_name = "bookings/dashboard/runs_this_week.html"
    order = 50

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        takes_registers = can_manage_bookings(user)
        runs = list(runs_starting_this_week())
        for run in runs:
            run.register_url = (
                reverse("bookings:run_register", args=[run.pk]) if takes_registers else None
            )
            run.delegates_url = None if takes_registers else delegates_url(user, run)
        start, end = this_week()
        return {
            "runs": runs,
            "week_start": start,
            "week_end": end - dt.timedelta(days=1),
            "runs_url": reverse("courserun:index"),
        }


def add_runs_this_week(request, panels):
    if roles.holds_staff_role(request.user, roles.BOOKINGS, roles.MANAGERS):
        panels.append(RunsThisWeekPanel())
