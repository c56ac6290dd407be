"""What the catalogue shows but the apps above it decide, registered by them as they load.

courses imports nothing above it (docs/architecture.md), so bookings fills these in
BookingsConfig.ready():

- how many places a run has taken (live places plus unexpired waiting-list offers): an
  annotation, so a list of runs with their places is still one query;
- what a course page adds for the person reading it (a signed-in school's own prices)."""

from django.core.exceptions import ImproperlyConfigured

_places_taken = None
_course_page_context = []


def count_places_with(annotate):
    """annotate(runs) returns the CourseRun queryset with `places_taken` on each row."""
    global _places_taken
    _places_taken = annotate


def with_places_taken(runs):
    if _places_taken is None:
        raise ImproperlyConfigured("Nothing counts places taken: bookings registers it on ready.")
    return _places_taken(runs)


def add_to_course_page(provide):
    """provide(page, request, context) adds to a course page's context; its runs are in
    context["runs"]."""
    if provide not in _course_page_context:
        _course_page_context.append(provide)


def course_page_context(page, request, context):
    for provide in _course_page_context:
        provide(page, request, context)
