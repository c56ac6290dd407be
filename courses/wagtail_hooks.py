"""The catalogue's snippets (venues, facilitators, roles, phases), and no deleting a course that
has runs. Scheduling → Course runs is bookings' admin (bookings.run_admin)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Audience, CourseRun, Facilitator, Phase, Venue


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


register_snippet(CatalogueSnippets)


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


@hooks.register("insert_editor_js")
def name_tag_inputs():
    """The course editor's subject tags box gets its field's label (issue 22: every editor
    input has a name); Wagtail's tag widget draws the box without one."""
    return format_html('<script src="{}"></script>', static("courses/admin/name-tag-inputs.js"))
