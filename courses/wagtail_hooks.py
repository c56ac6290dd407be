import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Count, ExpressionWrapper, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Length, Substr
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from bookings.admin_views import (
    CancelSessionView,
    CloseBookingBulkAction,
    RunSessionsView,
    SendJoiningRemindersBulkAction,
    delegates_url,
    run_buttons,
)
from bookings.models import WaitingListEntry
from bookings.schedule import SESSION_CANCELLED
from bookings.services import BOOKING_CLOSED
from core.admin_delete import ProtectedDeleteView
from core.exports import SafeSpreadsheetExportMixin

from .models import Audience, CoursePage, CourseRun, Facilitator, Phase, StrandPage, Venue


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


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    list_display = ["name", "town", "postcode"]
    search_fields = ["name", "town", "postcode"]


class FacilitatorViewSet(SnippetViewSet):
    model = Facilitator
    icon = "user"
    list_display = ["name", "role", "email"]


class AudienceViewSet(SnippetViewSet):
    model = Audience
    icon = "group"


class PhaseViewSet(SnippetViewSet):
    model = Phase
    icon = "list-ol"
    list_display = ["name", "sort_order"]


class CatalogueSnippets(SnippetViewSetGroup):
    menu_label = "Catalogue"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (VenueViewSet, FacilitatorViewSet, AudienceViewSet, PhaseViewSet)


class SchedulingGroup(ModelViewSetGroup):
    menu_label = "Scheduling"
    menu_icon = "date"
    menu_order = 150
    items = (CourseRunViewSet,)


register_snippet(CatalogueSnippets)


@hooks.register("register_admin_viewset")
def register_scheduling():
    return SchedulingGroup()


hooks.register("register_bulk_action", CloseBookingBulkAction)
hooks.register("register_bulk_action", SendJoiningRemindersBulkAction)


@hooks.register("before_delete_page")
def refuse_deleting_courses_with_runs(request, page):
    """Runs hold bookings and history; a course with runs is unpublished, not deleted."""
    runs = CourseRun.objects.filter(course__path__startswith=page.path)
    if request.method == "POST" and runs.exists():
        messages.error(
            request,
            f"“{page.title}” cannot be deleted: it has {runs.count()} scheduled or past run(s). "
            "Unpublish it instead, or remove its runs first.",
        )
        return redirect("wagtailadmin_pages:delete", page.pk)
    return None


@hooks.register("register_log_actions")
def register_session_log_actions(actions):
    @actions.register_action(BOOKING_CLOSED)
    class BookingClosed(LogFormatter):
        label = "Close booking"

        def format_message(self, log_entry):
            return "Booking closed"

    @actions.register_action(SESSION_CANCELLED)
    class SessionCancelled(LogFormatter):
        label = "Cancel session"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return f"Session on {data.get('session')} cancelled: {data.get('reason')}"
