"""Which of a run's admin pages a user may open, and the mixin every run page shares
(the run, its header buttons and breadcrumbs)."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton

from core.admin import may
from courses.models import CourseRun

from ..models import Booking, Enrolment, WaitingListEntry

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
