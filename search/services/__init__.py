"""The course finder: which courses match a teacher's words and filters, the first matching
date of each, and for every filter choice how many courses that choice would show.

The catalogue (thousands of courses at most) is read in a fixed number of queries and worked
on in memory: that keeps the counting rule (a choice's count applies every *other* selected
filter) in plain Python, and the number of queries the same however many courses there are or
match. By area:

- `catalogue`: what can be found, and the two kinds of filter (course and run);
- `kept`: the catalogue kept in each worker until an edit retires it, and the places snapshot;
- `selection`: reading the URL;
- `words`: search by words, forgiving typos and plurals, and the title suggestions;
- `matching`: matching, counting each choice, ordering, and the result cards;
- `finder`: the finder page put together.

The names below are what the views, signals and other apps use.
"""

from .catalogue import describe_month_or_term, term_of
from .finder import find_courses, promoted_for
from .kept import catalogue_changed, catalogue_state, load_catalogue, places_changed
from .matching import Result
from .words import title_suggestions

__all__ = [
    "Result",
    "catalogue_changed",
    "catalogue_state",
    "describe_month_or_term",
    "find_courses",
    "load_catalogue",
    "places_changed",
    "promoted_for",
    "term_of",
    "title_suggestions",
]
