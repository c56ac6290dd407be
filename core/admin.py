"""The admin kit every app's Wagtail admin uses: read-only viewsets whose changes go through the
services, listings whose rows open the inspect page, inspect values as people read them, a
permission test for buttons, and a link column."""

from django.urls import path
from django.utils.html import format_html
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry

from .exports import SafeSpreadsheetExportMixin


def may(user, model, *actions):
    """Whether the user holds any of these actions' permissions on the model (Wagtail's
    permission policy for it), to show or leave out a button."""
    return policy_registry.get_by_type(model).user_has_any_permission(user, actions)


class ServicesOnlyViewSet(ModelViewSet):
    """A listing, CSV/XLSX export and inspect page; no add, edit, copy or delete views exist.

    `editable` adds the edit view (and its history) for the form fields named."""

    inspect_view_enabled = True
    copy_view_enabled = False
    # These rows point at runs and people, not at pages or media; indexing their references
    # would add queries to every booking, inside book_places' lock.
    add_to_reference_index = False
    editable = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(add_url_name=None, delete_url_name=None, usage_url_name=None)
        if not self.editable:
            view_kwargs.update(edit_url_name=None, history_url_name=None)
        return view_kwargs

    def get_urlpatterns(self):
        urlpatterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<id:pk>/", self.inspect_view, name="inspect"),
        ]
        if self.editable:
            urlpatterns += [
                path("edit/<id:pk>/", self.edit_view, name="edit"),
                path("history/<id:pk>/", self.history_view, name="history"),
                path(
                    "history-results/<id:pk>/",
                    self.history_results_view,
                    name="history_results",
                ),
            ]
        return urlpatterns

    @property
    def url_finder_class(self):
        # Links to an object from elsewhere in the admin go to its inspect page.
        return type(
            "_InspectURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )


class InspectFirstIndexView(SafeSpreadsheetExportMixin, IndexView):
    """Each row's title opens the inspect page (with the audit log), not the edit form.
    Its CSV/XLSX export is spreadsheet-safe (core.exports)."""

    select_related = ()

    def get_base_queryset(self):
        return super().get_base_queryset().select_related(*self.select_related)

    def get_edit_url(self, instance):
        return None


class ReadableInspectMixin:
    """Inspect values as people read them: Yes/No, a dash for nothing, pounds for money."""

    money_fields = ()

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if field_name in self.money_fields:
            return f"£{value:,.2f}"
        return value


class LinkColumn(Column):
    """A cell whose value links somewhere, without TitleColumn's heading weight."""

    def __init__(self, name, get_url, **kwargs):
        super().__init__(name, **kwargs)
        self.get_url = get_url

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        return format_html('<td><a href="{}">{}</a></td>', self.get_url(instance), value)
