"""Dashboard panels for the CPD team, one per role. Each reads with a fixed number of queries,
whatever the number of rows. Moderators and editors use Wagtail's own workflow panels."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from accounts import roles
from accounts.permissions import can_manage_bookings
from billing.admin_views import overdue_filter
from billing.models import Invoice
from billing.reports import with_outstanding
from bookings.admin_views import delegates_url
from courses.models import CourseRun

OVERDUE_SHOWN = 10


def role_names(user):
    """The user's staff groups, read once per request."""
    if not hasattr(user, "_staff_roles"):
        user._staff_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._staff_roles


def has_role(user, *names):
    return user.is_superuser or bool(role_names(user) & set(names))


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


def overdue_invoices():
    """Invoices past their due date with something owed, as the invoice list's filter has it."""
    return overdue_filter(with_outstanding(Invoice.objects.all()), "overdue", True)


class RunsThisWeekPanel(Component):
    name = "runs_this_week"
    template_name = "home/dashboard/runs_this_week.html"
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


class OverdueInvoicesPanel(Component):
    name = "overdue_invoices"
    template_name = "home/dashboard/overdue_invoices.html"
    order = 60

    def get_context_data(self, parent_context):
        invoices = overdue_invoices()
        totals = invoices.aggregate(count=Count("pk"), total=Sum("owed"))
        today = timezone.localdate()
        largest = list(
            invoices.select_related(
                "account__school", "account__trust", "account__consortium"
            ).order_by("-owed", "due_on", "pk")[:OVERDUE_SHOWN]
        )
        for invoice in largest:
            invoice.days_overdue = (today - invoice.due_on).days
            invoice.url = reverse("billing_invoices:inspect", args=[invoice.pk])
        return {
            "count": totals["count"],
            "total": totals["total"] or Decimal("0.00"),
            "invoices": largest,
            "shown": OVERDUE_SHOWN,
            "list_url": reverse("billing_invoices:index") + "?overdue=true",
        }


# Wagtail's own panels that list pages in a workflow.
WORKFLOW_PANELS = {"workflow_objects_to_moderate", "user_objects_in_workflow_moderation"}


def add_role_panels(request, panels):
    user = request.user
    if has_role(user, roles.BOOKINGS, roles.MANAGERS):
        panels.append(RunsThisWeekPanel())
    if has_role(user, roles.FINANCE, roles.MANAGERS):
        panels.append(OverdueInvoicesPanel())
    if has_role(user, roles.MODERATORS, roles.MARKETING):
        # Pages awaiting moderation come first for those who write and approve them.
        for panel in panels:
            if getattr(panel, "name", "") in WORKFLOW_PANELS:
                panel.order = 40 if panel.name == "workflow_objects_to_moderate" else 45
