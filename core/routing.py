"""Finding the page a URL names in two queries, whatever its depth.

Wagtail routes a request down the tree a level at a time, two queries a level (the child by
slug, then its specific row): a course page, three levels below the home page, took seven
queries before anything was drawn, on every request the page cache cannot answer (everyone
signed in). Every page stores its full `url_path`, so the page can be read by it directly.

Only a shortcut: it is taken when no page type in the project overrides `route()` (nothing on
the way could have answered differently), and only for a live page, as Wagtail's own
`Page.route` answers. Otherwise, or when nothing is found, Wagtail routes as usual and gives
its own 404."""

import functools

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, get_page_models
from wagtail.url_routing import RouteResult


@functools.cache
def _routing_is_plain():
    plain = (Page.route, DirectRouteMixin.route)
    return all(model.route in plain for model in get_page_models())


def find_descendant(root, path_components):
    """The live page below `root` at `path_components`, or None when the shortcut cannot say."""
    if not path_components or not _routing_is_plain():
        return None
    url_path = root.url_path + "/".join(path_components) + "/"
    found = (
        Page.objects.filter(
            slug=path_components[-1],  # indexed, and narrows to a handful of rows
            depth=root.depth + len(path_components),
            url_path=url_path,
            path__startswith=root.path,
            live=True,
        )
        .values_list("pk", "content_type_id")
        .first()
    )
    if found is None:
        return None
    pk, content_type_id = found
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:  # a page type whose code is gone: let Wagtail decide
        return None
    return model._default_manager.filter(pk=pk, live=True).first()


class DirectRouteMixin:
    """For a site's root page type: route to a descendant by its URL path in one step."""

    def route(self, request, path_components):
        page = find_descendant(self, path_components)
        if page is not None:
            return RouteResult(page)
        return super().route(request, path_components)
