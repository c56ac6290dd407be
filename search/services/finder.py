"""The finder page: everything /courses/ shows for a teacher's words and filters, with a way
out when nothing matches, and the editors' promoted results."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.search.utils import MAX_QUERY_STRING_LENGTH, normalise_query_string

from courses.models import UnmatchedSearch

from .catalogue import RUN_KEYS, Option, describe_month_or_term
from .kept import load_catalogue
from .matching import Results, count_choices, matches, sort_matches, with_pages
from .selection import SORTS, Selection, querystring, read_selection
from .words import SearchOutcome, search

PAGE_SIZE = 12
NEAREST_COUNT = 3


@dataclass
class Choice:
    value: str
    label: str
    count: int
    selected: bool
    colour: str = ""


@dataclass
class FacetView:
    key: str
    legend: str
    choices: list


@dataclass
class ActiveFilter:
    key: str
    value: str
    label: str
    remove_url: str


@dataclass
class Finding:
    selection: Selection
    facets: list
    page: object  # a Paginator page of Result
    total: int
    sort: str
    sorts: list  # (value, label, selected) for the sort menu
    active: list  # ActiveFilter, in URL order
    search: SearchOutcome | None
    ignored_note: str = ""
    # When nothing matched:
    remove_last: ActiveFilter | None = None
    remove_last_count: int = 0
    nearest: list = field(default_factory=list)
    nearest_heading: str = ""

    @property
    def results(self):
        return self.page.object_list

    @property
    def filter_count(self):
        return sum(len(values) for values in self.selection.filters.values())

    def page_url(self, number):
        return querystring([*self.selection.pairs(), ("page", number)])

    @property
    def page_links(self):
        """Page numbers with their URLs, for the pagination list: the first, the last and two
        either side of this one; (None, "") stands for the pages left out between."""
        paginator = self.page.paginator
        return [
            (None, "") if n == paginator.ELLIPSIS else (n, self.page_url(n))
            for n in paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1)
        ]

    @property
    def previous_url(self):
        return self.page_url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self):
        return self.page_url(self.page.next_page_number()) if self.page.has_next() else ""


def promoted_for(query):
    """The editors' promoted results for this search (Wagtail's "Promoted search results",
    matched on the normalised words as Wagtail does): live pages and external links, in the
    editors' order. One query, and only when there are words."""
    # As a Query is stored: no NUL (PostgreSQL refuses it in text), at most 255 characters.
    words = normalise_query_string((query or "").replace("\x00", ""))[:MAX_QUERY_STRING_LENGTH]
    if not words:
        return []
    picks = (
        SearchPromotion.objects.filter(query__query_string=words)
        .select_related("page")
        .order_by("sort_order", "pk")
    )
    return [p for p in picks if p.external_link_url or (p.page is not None and p.page.live)]


def find_courses(params):
    """Everything the finder page shows for these GET parameters. Never raises for bad input:
    what cannot be used is left out and listed in `ignored_note`."""
    catalogue = load_catalogue()
    selection = read_selection(params, catalogue)
    _add_asked_for_dates(catalogue, selection)

    listings = catalogue.listings
    outcome = None
    if selection.words:
        outcome = search(selection.words, catalogue)
        found = set(outcome.ranked_ids)
        listings = [listing for listing in listings if listing.course.pk in found]
    rank = {pk: i for i, pk in enumerate(outcome.ranked_ids)} if outcome else {}

    filters = selection.filters
    counts = count_choices(catalogue, listings, filters)
    facets = [_facet_view(facet, filters, counts[facet.key]) for facet in catalogue.facets]

    sort = selection.sort_or_default()
    matched = matches(catalogue, listings, filters)
    results = Results(
        sort_matches(matched, sort, rank, run_filtered=bool(filters.keys() & RUN_KEYS))
    )
    page = Paginator(results, PAGE_SIZE).get_page(selection.page)
    labels = {f.key: f for f in catalogue.facets}
    active = [
        ActiveFilter(
            key,
            value,
            f"Search: {value}"
            if key == "q"
            else f"{labels[key].legend}: {labels[key].label_for(value)}",
            querystring(selection.pairs(without=(key, value))),
        )
        for key, value in selection.chosen
    ]
    finding = Finding(
        selection=selection,
        facets=facets,
        page=page,
        total=len(results),
        sort=sort,
        sorts=_sort_choices(selection, sort),
        active=active,
        search=outcome,
        ignored_note=_ignored_note(selection.ignored),
    )
    if not results:
        _suggest(finding, catalogue, listings, rank)
    if outcome and not outcome.ranked_ids and selection.page == 1:
        # Demand the catalogue does not meet: the words, never who searched (reports).
        strands = sorted(filters.get("strand", ()))
        UnmatchedSearch.record(selection.query, strand=strands[0] if len(strands) == 1 else "")
    page.object_list, finding.nearest = with_pages(list(page.object_list), finding.nearest)
    return finding


def _sort_choices(selection, sort):
    """(value, label, selected) for the sort menu. The default order has the empty value, so
    a teacher who never touched the menu gets best match once they type words, not the
    "soonest" the menu showed before."""
    default = "relevance" if selection.query else "soonest"
    choices = [("", SORTS[default], sort == default)]
    for value, label in SORTS.items():
        if value != default and (value != "relevance" or selection.query):
            choices.append((value, label, sort == value))
    return choices


def _facet_view(facet, filters, counts):
    selected = filters.get(facet.key, frozenset())
    return FacetView(
        facet.key,
        facet.legend,
        [
            Choice(o.value, o.label, counts[o.value], o.value in selected, o.colour)
            for o in facet.options
        ],
    )


def _add_asked_for_dates(catalogue, selection):
    """A well-formed month or term with no runs (say, from an old shared link) is shown ticked,
    with a count of 0, so the teacher can see it and untick it."""
    for key in ("month", "term"):
        facet = catalogue.facet(key)
        have = {o.value for o in facet.options}
        for value in sorted(selection.filters.get(key, ())):
            if value not in have:
                facet.options.append(Option(value, describe_month_or_term(value)))


def _ignored_note(ignored):
    if not ignored:
        return ""
    shown = [f"{key} “{value[:40]}”" for key, value in ignored[:5]]
    if len(ignored) > len(shown):
        shown.append(f"{len(ignored) - len(shown)} more")
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    noun = "a filter" if len(ignored) == 1 else "filters"
    return f"We ignored {noun} we did not recognise: {listed}."


def _suggest(finding, catalogue, searched, rank):
    """Nothing matched: offer to drop the last filter (saying what that would show) and list
    the soonest courses in the chosen strand, or overall. `searched` is the catalogue
    narrowed by the words, if any.

    "The last filter" is the last one in the URL that is in the way: if dropping the last
    still finds nothing (the words match no course at all, say), offer the next one back."""
    selection = finding.selection
    for active in reversed(finding.active):
        if active.key == "q":  # the words go: every course is back in play
            count = len(matches(catalogue, catalogue.listings, selection.filters))
        else:
            fewer = dict(selection.filters)
            fewer[active.key] = fewer[active.key] - {active.value}
            count = len(matches(catalogue, searched, {k: v for k, v in fewer.items() if v}))
        if count or finding.remove_last is None:
            finding.remove_last, finding.remove_last_count = active, count
        if count:
            break

    dated = [listing for listing in catalogue.listings if listing.runs]
    strands = selection.filters.get("strand")
    nearby = [li for li in dated if strands and li.values["strand"] & strands]
    finding.nearest_heading = (
        "Coming up soon in the same strand" if nearby else "Courses coming up soon"
    )
    nearest = sort_matches([(li, li.runs) for li in (nearby or dated)], "soonest", rank)
    finding.nearest = list(Results(nearest[:NEAREST_COUNT]))
