"""Matching, counting and ordering: which courses the filters leave, how many each choice
would show, the order asked for, and the result cards for the page shown."""

from dataclasses import dataclass

from courses.models import CoursePage, CourseRun, StrandPage

from .catalogue import COURSE_KEYS, RUN_KEYS, CourseEntry, DatedRun

# The course page columns a result card reads (its URL comes from url_path).
CARD_FIELDS = ("title", "url_path", "summary", "format", "default_price", "vat_treatment")


def matches(catalogue, listings, filters, skip=None):
    """(listing, its matching runs) for every course that satisfies the course filters and has
    at least one upcoming run that satisfies every run filter at once. `skip` leaves one filter
    out, for that filter's counts. With no run filter, a course with no dates yet still
    matches (with no runs)."""
    course_filters = [(k, v) for k, v in filters.items() if k != skip and k in COURSE_KEYS]
    run_filters = [(k, v) for k, v in filters.items() if k != skip and k in RUN_KEYS]
    run_ok = _run_test(catalogue, run_filters)
    found = []
    for listing in listings:
        values = listing.values
        if any(not values.get(k, frozenset()) & v for k, v in course_filters):
            continue
        if run_ok is None:
            found.append((listing, listing.runs))
        elif runs := [r for r in listing.runs if run_ok(r)]:
            found.append((listing, runs))
    return found


def _run_test(catalogue, run_filters):
    """One function that says whether a run meets every run filter (None when there are
    none): built once per pass, as it runs for every upcoming run."""
    if not run_filters:
        return None
    full = catalogue.full if any(k == "places" for k, _ in run_filters) else frozenset()
    wanted = [(k, v) for k, v in run_filters if k != "places"]

    def ok(run):
        if run.pk in full:
            return False
        values = run.values
        return all(values.get(k) in v for k, v in wanted)

    return ok


def count_choices(catalogue, listings, filters):
    """For every facet, how many courses each choice would show with every *other* selected
    filter applied (so ticking a second phase shows what it adds, not what is left): the
    rule of `matches`, worked on the catalogue's bit sets (see `Masks`).

    A course choice counts the courses with that value that pass the other course filters
    and have one run passing every run filter. A run choice counts the courses passing the
    course filters that have one run with that value passing every other run filter."""
    masks = catalogue.masks
    if listings is catalogue.listings:
        allowed = masks.courses
    else:
        allowed = masks.mask(masks.course_bit[listing.course.pk] for listing in listings)
    available = masks.runs & ~masks.mask(
        masks.run_bit[pk] for pk in catalogue.full if pk in masks.run_bit
    )

    def chosen(key, values):
        if key == "places":
            return available
        table = masks.course if key in COURSE_KEYS else masks.run
        found = 0
        for value in values:
            found |= table.get((key, value), 0)
        return found

    course_sets = {k: chosen(k, v) for k, v in filters.items() if k in COURSE_KEYS}
    run_sets = {k: chosen(k, v) for k, v in filters.items() if k in RUN_KEYS}

    def courses_passing(skip=None):
        courses = allowed
        for key, found in course_sets.items():
            if key != skip:
                courses &= found
        return courses

    def runs_passing(skip=None):
        """Runs passing every run filter but `skip`; None when there is no such filter."""
        runs = None
        for key, found in run_sets.items():
            if key != skip:
                runs = found if runs is None else runs & found
        return runs

    counts = {}
    every_run = runs_passing()
    for facet in catalogue.facets:
        key = facet.key
        if key in COURSE_KEYS:
            courses = courses_passing(skip=key)
            if every_run is not None:
                courses &= masks.courses_with(every_run)
            counts[key] = {
                o.value: (courses & masks.course.get((key, o.value), 0)).bit_count()
                for o in facet.options
            }
            continue
        courses = courses_passing()
        others = runs_passing(skip=key)
        counts[key] = {}
        for o in facet.options:
            if others is None and key != "places":
                with_value = masks.course_with_run.get((key, o.value), 0)
            else:
                runs = available if key == "places" else masks.run.get((key, o.value), 0)
                with_value = masks.courses_with(runs if others is None else runs & others)
            counts[key][o.value] = (courses & with_value).bit_count()
    return counts


@dataclass
class Result:
    course: CourseEntry | CoursePage  # the page itself once it is to be shown
    strand: StrandPage
    run: DatedRun | CourseRun | None  # the first upcoming run that matches the filters
    other_dates: int = 0  # further matching runs

    @property
    def price(self):
        return self.run.price if self.run else self.course.default_price

    @property
    def where(self):
        if self.run is None:
            return ""
        return self.run.venue.town if self.run.venue else "Live online"


def _result(listing, runs):
    first = runs[0] if runs else None
    return Result(listing.course, listing.strand, first, max(len(runs) - 1, 0))


def sort_matches(found, sort, rank, run_filtered=True):
    """(listing, matching runs) pairs in the order asked for, by keys the catalogue worked out
    in advance: soonest is the first matching run's place among every run by date and title
    (courses with no dates last, by title). Without run filters each course's first matching
    run is its first run, so `found` (in catalogue order) is already soonest first."""

    def soonest(item):
        listing, runs = item
        return runs[0].order if runs else listing.undated_order

    def price(item):
        listing, runs = item
        return runs[0].price if runs else listing.course.default_price

    if sort == "relevance":
        return sorted(found, key=lambda item: rank.get(item[0].course.pk, len(rank)))
    if sort == "price":
        return sorted(found, key=lambda item: (price(item), soonest(item)))
    if sort == "price-desc":
        return sorted(found, key=lambda item: (-price(item), soonest(item)))
    return sorted(found, key=soonest) if run_filtered else found


class Results:
    """The sorted matches as a sequence of `Result`, made only for the items asked for: the
    paginator takes one page of a list that may hold every course."""

    def __init__(self, found):
        self.found = found

    def __len__(self):
        return len(self.found)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_result(listing, runs) for listing, runs in self.found[index]]
        return _result(*self.found[index])

    def __iter__(self):
        return (_result(listing, runs) for listing, runs in self.found)


def with_pages(*groups):
    """The results to be shown, with their course pages and runs read fresh (places left
    included): two queries for the dozen or so on screen, none for the rest. A course
    unpublished since the catalogue was read is left out."""
    course_ids = [r.course.pk for results in groups for r in results]
    run_ids = [r.run.pk for results in groups for r in results if r.run]
    # Only what a card shows: a page's other columns cost more to read than the query itself.
    courses = CoursePage.objects.only(*CARD_FIELDS).in_bulk(course_ids)
    # A run's first date is the catalogue's (a session change retires it); its places are not.
    runs = (
        CourseRun.objects.with_places().select_related("venue").in_bulk(run_ids) if run_ids else {}
    )

    def fresh(results):
        shown = []
        for r in results:
            course = courses.get(r.course.pk)
            run = runs.get(r.run.pk) if r.run else None
            if course is None or (r.run and run is None):
                continue
            if run is not None:
                run.course = course  # so run.price reads the course already in hand
                run.first_starts_at = r.run.first_starts_at
            shown.append(Result(course, r.strand, run, r.other_dates))
        return shown

    return [fresh(results) for results in groups]
