"""Reading the finder's URL: what the teacher asked for, and what we could not use."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from core.params import parse_int

from .words import words_of

MAX_QUERY_CHARS = 200

SORTS = {
    "soonest": "Soonest date",
    "relevance": "Best match",
    "price": "Price, lowest first",
    "price-desc": "Price, highest first",
}

# Added to links by campaigns and ad platforms: not filters, and not worth a note.
TRACKING_PARAMS = {"fbclid", "gclid", "msclkid"}


@dataclass
class Selection:
    query: str = ""  # as typed, trimmed to MAX_QUERY_CHARS
    filters: dict = field(default_factory=dict)  # facet key -> frozenset of values
    chosen: list = field(default_factory=list)  # (key, value) in URL order, q included
    sort: str = ""  # as asked for; "" for the default
    page: int = 1
    ignored: list = field(default_factory=list)  # (parameter, value) pairs we could not use
    shortened: bool = False

    @property
    def words(self):
        return words_of(self.query)

    def sort_or_default(self):
        if self.sort == "relevance" and not self.query:
            return "soonest"  # a best-match order needs words to match
        return self.sort or ("relevance" if self.query else "soonest")

    def pairs(self, without=None):
        """The URL parameters that reproduce this selection (never page or partial)."""
        pairs = [(k, v) for k, v in self.chosen if (k, v) != without]
        if self.sort:
            pairs.append(("sort", self.sort))
        return pairs


def read_selection(params, catalogue):
    selection = Selection()
    facets = {f.key: f for f in catalogue.facets}
    for key, values in params.lists():
        for raw in values:
            value = raw.strip()
            if not value or key == "partial":
                continue
            if key == "q":
                if len(value) > MAX_QUERY_CHARS:
                    value, selection.shortened = value[:MAX_QUERY_CHARS].strip(), True
                if not selection.query:
                    selection.query = value
                    selection.chosen.append(("q", value))
            elif key == "sort":
                if value in SORTS:
                    selection.sort = value
                else:
                    selection.ignored.append((key, value))
            elif key == "page":
                if (number := parse_int(value, minimum=1)) is not None:
                    selection.page = number
                else:
                    selection.ignored.append((key, value))
            elif key in facets:
                facet = facets[key]
                known = any(o.value == value for o in facet.options)
                if known or (facet.pattern and facet.pattern.match(value)):
                    if (key, value) not in selection.chosen:
                        selection.chosen.append((key, value))
                else:
                    selection.ignored.append((key, value))
            elif not (key.startswith("utm_") or key in TRACKING_PARAMS):
                selection.ignored.append((key, value))
    grouped = {}
    for key, value in selection.chosen:
        if key != "q":
            grouped.setdefault(key, set()).add(value)
    selection.filters = {key: frozenset(values) for key, values in grouped.items()}
    return selection


def querystring(pairs):
    return "?" + urlencode(pairs) if pairs else "?"
