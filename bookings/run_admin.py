"""Scheduling → Course runs: bookings staff add runs with their sessions here (runs are not
part of page revisions). The listing shows how full each run is; each run's own pages
(delegates, waiting list, sessions, cancel) are in admin_views. Registered in wagtail_hooks."""

import django_filters
from django import forms
from django.db.models import Count, ExpressionWrapper, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Length, Substr
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from core.admin_delete import ProtectedDeleteView
from core.exports import SafeSpreadsheetExportMixin
from core.wording import clock
from courses.models import CoursePage, CourseRun, StrandPage

from . import schedule
from .admin_views import CancelSessionView, RunSessionsView, delegates_url, run_buttons
from .models import Enrolment, WaitingListEntry

# --- the run form ---------------------------------------------------------------------------


class CourseRunForm(WagtailAdminModelForm):
    """The run edit form. Sessions are edited inline; deleting one that people are booked on
    would silently drop it from their calendars (and take its register marks with it), so
    that is refused with the way to do it properly."""

    def is_valid(self):
        valid = super().is_valid()
        sessions = getattr(self, "formsets", {}).get("sessions")
        if not valid or sessions is None or not self.instance.pk:
            return valid
        doomed = [f.instance for f in sessions.deleted_forms if f.instance.pk]
        if not doomed:
            return True
        booked = (
            Enrolment.objects.filter(run_id=self.instance.pk)
            .exclude(status=Enrolment.Status.CANCELLED)
            .exists()
        )
        if not booked:
            return True
        now = timezone.now()
        for session in doomed:
            starts = timezone.localtime(session.starts_at)
            when = f"{starts:%a} {starts.day} {starts:%b %Y}, {clock(starts)}"
            if session.starts_at > now:
                self.add_error(
                    None,
                    f"The session on {when} has delegates booked, so it cannot be deleted. "
                    "Use “Cancel session” on the run's Sessions page: delegates are told "
                    "and their calendars show it as cancelled.",
                )
            else:
                self.add_error(
                    None,
                    f"The session on {when} has taken place with delegates booked; it is "
                    "kept for their attendance and certificates.",
                )
        return False

    def save(self, commit=True):
        # Delegates hear of sessions that moved (bookings.schedule.tell_of_moves).
        before = schedule.session_times(self.instance.pk) if self.instance.pk else {}
        run = super().save(commit=commit)
        if commit and before:
            schedule.tell_of_moves(run.pk, before)
        return run


# --- the course-run listing -------------------------------------------------------------------


def _strand_title():
    # A course's strand is its parent page: the path less its last four characters.
    parent_path = Substr(OuterRef("course__path"), 1, Length(OuterRef("course__path")) - 4)
    return Subquery(StrandPage.objects.filter(path=parent_path).values("title")[:1])


class CourseRunFilterSet(WagtailFilterSet):
    strand = django_filters.ModelChoiceFilter(
        queryset=StrandPage.objects.order_by("path"), label="Strand", method="in_strand"
    )
    format = django_filters.ChoiceFilter(
        field_name="course__format",
        choices=CoursePage.Format.choices,
        label="Format",
        widget=forms.RadioSelect,
        empty_label="All",
    )
    first_session = django_filters.DateFromToRangeFilter(
        field_name="first_starts_at",
        label="First session between",
        widget=DateRangePickerWidget,
    )

    class Meta:
        model = CourseRun
        fields = ["strand", "status", "format", "venue", "course", "first_session"]

    def in_strand(self, queryset, name, strand):
        return queryset.filter(course__path__startswith=strand.path)


class FillColumn(Column):
    """Places taken out of capacity: visible text plus a <meter> named by the same words.
    The text links to the run's delegate list for those allowed to see it."""

    def render_cell_html(self, instance, parent_context):
        taken, capacity = instance.places_taken, instance.capacity
        words = f"{taken} of {capacity}"
        text = words + (" (full)" if taken >= capacity else "")
        url = delegates_url(parent_context["request"].user, instance)
        return format_html(
            '<td><meter min="0" max="{}" value="{}" aria-label="{} places taken" '
            'style="display:block;width:7em"></meter>{}</td>',
            capacity,
            min(taken, capacity),
            words,
            format_html('<a href="{}" title="Delegate list">{}</a>', url, text) if url else text,
        )


def _waiting_count():
    waiting = (
        WaitingListEntry.objects.filter(run=OuterRef("pk"), status=WaitingListEntry.Status.WAITING)
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0))


class CourseRunIndexView(SafeSpreadsheetExportMixin, IndexView):
    default_ordering = ("first_starts_at", "reference")
    template_name = "courses/admin/run_index.html"

    @cached_property
    def columns(self):
        # Tick boxes for the bulk actions, for those who may change runs.
        if not self.user_has_permission("change"):
            return super().columns
        return [BulkActionsCheckboxColumn("bulk_actions", obj_type="run"), *super().columns]

    def _get_title_column(self, *args, **kwargs):
        return super()._get_title_column(
            *args, **kwargs, get_title_id=lambda run: f"run_{run.pk}_title"
        )

    def get_base_queryset(self):
        # Fill levels are subqueries on the one listing query: no query per row.
        return (
            super()
            .get_base_queryset()
            .with_dates()
            .with_places()
            .annotate(
                free_places=ExpressionWrapper(
                    F("capacity") - F("places_taken"), output_field=IntegerField()
                ),
                waiting_count=_waiting_count(),
                strand_title=_strand_title(),
            )
            .select_related("course", "venue")
        )

    def get_list_more_buttons(self, instance):
        return super().get_list_more_buttons(instance) + run_buttons(self.request.user, instance)


class CourseRunViewSet(ModelViewSet):
    """Bookings staff schedule runs here; runs are not part of page revisions."""

    # The catalogue's panels for a run, with the form that guards booked sessions.
    edit_handler = ObjectList(CourseRun.panels, base_form_class=CourseRunForm)

    delete_view_class = ProtectedDeleteView
    model = CourseRun
    url_prefix = "runs"
    icon = "date"
    menu_label = "Course runs"
    index_view_class = CourseRunIndexView
    list_display = [
        "reference",
        "course",
        Column("first_starts_at", label="First session", sort_key="first_starts_at"),
        "status",
        FillColumn("places_taken", label="Booked", sort_key="places_taken"),
        "capacity",
        Column("places_left", label="Places left", sort_key="free_places"),
        Column("waiting_count", label="Waiting", sort_key="waiting_count"),
        "venue",
    ]
    filterset_class = CourseRunFilterSet
    search_fields = ["reference", "course__title"]
    inspect_view_enabled = True
    copy_view_enabled = True
    list_export = [
        "reference",
        "course.title",
        "strand_title",
        "course.get_format_display",
        "get_status_display",
        "first_starts_at",
        "last_ends_at",
        "venue",
        "capacity",
        "places_taken",
        "places_left",
        "waiting_count",
        "price",
        "booking_opens_at",
        "booking_closes_at",
    ]
    export_headings = {
        "course.title": "Course",
        "strand_title": "Strand",
        "course.get_format_display": "Format",
        "get_status_display": "Status",
        "first_starts_at": "First session",
        "last_ends_at": "Last session ends",
        "places_taken": "Places taken",
        "places_left": "Places left",
        "waiting_count": "Waiting",
    }
    export_filename = "course-runs"

    def get_urlpatterns(self):
        # A run's sessions, and calling one off (the views are bookings staff's run pages).
        return super().get_urlpatterns() + [
            path("<id:run_id>/sessions/", RunSessionsView.as_view(), name="sessions"),
            path(
                "<id:run_id>/sessions/<id:session_id>/cancel/",
                CancelSessionView.as_view(),
                name="cancel_session",
            ),
        ]


class SchedulingGroup(ModelViewSetGroup):
    menu_label = "Scheduling"
    menu_icon = "date"
    menu_order = 150
    items = (CourseRunViewSet,)
