from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Audience, CourseRun, Facilitator, Phase, Venue


class CourseRunFilterSet(WagtailFilterSet):
    class Meta:
        model = CourseRun
        fields = ["status", "venue", "course"]


class CourseRunIndexView(IndexView):
    default_ordering = ("first_starts_at", "reference")

    def get_base_queryset(self):
        return super().get_base_queryset().with_dates().select_related("course", "venue")


class CourseRunViewSet(ModelViewSet):
    """Bookings staff schedule runs here; runs are not part of page revisions."""

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
        "capacity",
        "venue",
    ]
    filterset_class = CourseRunFilterSet
    search_fields = ["reference", "course__title"]
    inspect_view_enabled = True
    copy_view_enabled = True


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
