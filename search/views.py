from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import services


@require_GET
def finder(request):
    """The course finder: search and browse on one page. `partial=1` returns just the
    facets and results, which finder.js swaps in place."""
    finding = services.find_courses(request.GET)
    template = (
        "search/includes/finder_region.html" if request.GET.get("partial") else "search/finder.html"
    )
    canonical_url = request.build_absolute_uri(request.path)
    return render(request, template, {"finding": finding, "canonical_url": canonical_url})


@require_GET
def autocomplete(request):
    """Up to eight course titles, [{"title", "url"}], for the search box as a teacher types."""
    suggestions = services.title_suggestions(request.GET.get("q", ""), request)
    return JsonResponse(suggestions, safe=False)
