import hashlib

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import services

# A finder page is kept this long at most, and only while the catalogue and places snapshot
# it was made from stand (a booking or an edit retires it at once; see services).
PAGE_MAX_AGE = 5


@require_GET
def finder(request):
    """The course finder: search and browse on one page. `partial=1` returns just the
    facets and results, which finder.js swaps in place. Anonymous pages are shared for a few
    seconds: they are the same for everyone and do not vary with the session."""
    key = _page_key(request)
    if key and (kept := cache.get(key)) is not None:
        return HttpResponse(kept)
    finding = services.find_courses(request.GET)
    template = (
        "search/includes/finder_region.html" if request.GET.get("partial") else "search/finder.html"
    )
    canonical_url = request.build_absolute_uri(request.path)
    context = {
        "finding": finding,
        "canonical_url": canonical_url,
        "promotions": services.promoted_for(finding.selection.query),
    }
    response = render(request, template, context)
    if key:
        cache.set(key, response.content, PAGE_MAX_AGE)
    return response


def _page_key(request):
    if request.user.is_authenticated:
        return ""
    state = services.catalogue_state()
    if not state:
        return ""
    asked = hashlib.sha256(request.get_full_path().encode("utf-8", "replace")).hexdigest()
    return f"search:page:{request.get_host()}:{state}:{asked}"


@require_GET
def autocomplete(request):
    """Up to eight course titles, [{"title", "url"}], for the search box as a teacher types."""
    suggestions = services.title_suggestions(request.GET.get("q", ""), request)
    return JsonResponse(suggestions, safe=False)
