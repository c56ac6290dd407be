"""The course finder: which courses match a teacher's words and filters, the first matching
date of each, and for every filter choice how many courses that choice would show.

The catalogue (thousands of courses at most) is read in a fixed number of queries and worked
on in memory: that keeps the counting rule (a choice's count applies every *other* selected
filter) in plain Python, and the number of queries the same however many courses there are or
match. Each worker keeps what it read until an edit retires it (see `load_catalogue`); places
taken come from a snapshot a few seconds old at most, and the cards shown read theirs fresh.

Two kinds of filter:

- course filters (strand, phase, audience, subject, format) describe the course page;
- run filters (term, month, area, price, places) describe a dated run. A course matches them
  when at least one of its upcoming runs matches all of them at once, and that first
  matching run is the date, price and places its card shows.
"""

import datetime as dt
import difflib
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from dateutil.easter import easter
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from core.params import parse_int
from courses.models import (
    Audience,
    CoursePage,
    CourseRun,
    CourseSubjectTag,
    Phase,
    StrandPage,
)

PAGE_SIZE = 12
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
NEAREST_COUNT = 3
AUTOCOMPLETE_LIMIT = 8
# The course page columns a result card reads (its URL comes from url_path).
CARD_FIELDS = ("title", "url_path", "summary", "format", "default_price")

# Filters on the course page, and filters on its dated runs (see the module docstring).
COURSE_KEYS = {"strand", "phase", "audience", "subject", "format"}
RUN_KEYS = {"term", "month", "area", "price", "places"}

SORTS = {
    "soonest": "Soonest date",
    "relevance": "Best match",
    "price": "Price, lowest first",
    "price-desc": "Price, highest first",
}

# Added to links by campaigns and ad platforms: not filters, and not worth a note.
TRACKING_PARAMS = {"fbclid", "gclid", "msclkid"}

# Words that carry no meaning in a course search; dropped before matching so that "training
# for TAs in a primary school" asks about TAs, primary and school, not "for", "in" and "a".
# fmt: off
STOP_WORDS = frozenset({
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "by", "can", "do", "for", "from",
    "how", "i", "in", "into", "is", "it", "me", "my", "need", "of", "on", "or", "our", "some",
    "that", "the", "their", "to", "us", "we", "what", "when", "where", "which", "who", "with",
})
# fmt: on
WORD = re.compile(r"\w+")

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
TERM = re.compile(r"^(autumn|spring|summer)-(20\d\d)$")

PRICE_BANDS = [
    ("free", "Free"),
    ("under-100", "Under £100"),
    ("100-199", "£100 to £199"),
    ("200-plus", "£200 and over"),
]


# ---------------------------------------------------------------------------------------------
# The catalogue: what can be found, read in a fixed number of queries and kept between requests


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    colour: str = ""  # a strand's colour, for its swatch


@dataclass
class Facet:
    key: str  # the URL parameter: one of COURSE_KEYS or RUN_KEYS
    legend: str
    options: list
    # Well-formed values that may be asked for though no run has them now (a month from a
    # link shared last term); they are kept, shown ticked, and match nothing.
    pattern: re.Pattern | None = None

    def label_for(self, value):
        for option in self.options:
            if option.value == value:
                return option.label
        return describe_month_or_term(value)


@dataclass(frozen=True)
class CourseEntry:
    """What the finder needs of a course to match, count and sort it. The page itself is
    read only for the dozen results shown (see `_with_pages`)."""

    pk: int
    title: str
    summary: str
    format: str
    default_price: Decimal


@dataclass
class DatedRun:
    """An upcoming run: its date, price and capacity, and its run-filter values except
    "places", which comes from the places snapshot of the request (see `PlacesTaken`)."""

    pk: int
    first_starts_at: dt.datetime
    price: Decimal
    capacity: int
    values: dict
    order: int = 0  # its place among every run by (date, course title): the "soonest" key


@dataclass
class Listing:
    """A live course as the finder sees it: its entry, its strand, its course-filter values
    and its upcoming runs, soonest first."""

    course: CourseEntry
    strand: StrandPage
    values: dict  # facet key -> frozenset of values
    runs: list = field(default_factory=list)
    run_values: dict = field(default_factory=dict)  # run facet key -> values over all runs
    undated_order: int = 0  # the "soonest" key when it has no runs: after every run, by title


class Masks:
    """The catalogue as bit sets, so a facet's counts are a few big-integer ANDs and popcounts
    rather than a pass over every course. Each course has a slot of `width` bits (a power of
    two, at least its number of runs): bit 0 of the slot stands for the course, bit t for its
    t-th run. Course sets and run sets therefore share one numbering, and "the courses with a
    run in this set" is a fold of each slot onto its first bit (`courses_with`)."""

    def __init__(self, listings):
        most = max((len(listing.runs) for listing in listings), default=1)
        self.width = 1 << max(most - 1, 0).bit_length()
        self.nbytes = (len(listings) * self.width + 7) // 8 + 1
        self.course_bit = {}  # course pk -> its slot's first bit (a position)
        self.run_bit = {}  # run pk -> its bit (a position)
        course_positions, run_positions = {}, {}
        for i, listing in enumerate(listings):
            base = i * self.width
            self.course_bit[listing.course.pk] = base
            for key, values in listing.values.items():
                for value in values:
                    course_positions.setdefault((key, value), []).append(base)
            for t, dated in enumerate(listing.runs):
                self.run_bit[dated.pk] = base + t
                for key, value in dated.values.items():
                    run_positions.setdefault((key, value), []).append(base + t)
        self.courses = self.mask(self.course_bit.values())
        self.runs = self.mask(self.run_bit.values())
        self.course = {kv: self.mask(positions) for kv, positions in course_positions.items()}
        self.run = {kv: self.mask(positions) for kv, positions in run_positions.items()}
        # Courses with any run having the value: a run facet's counts when no other run
        # filter is ticked.
        self.course_with_run = {kv: self.courses_with(mask) for kv, mask in self.run.items()}

    def mask(self, positions):
        bits = bytearray(self.nbytes)
        for p in positions:
            bits[p >> 3] |= 1 << (p & 7)
        return int.from_bytes(bits, "little")

    def courses_with(self, runs):
        """The courses (slot first bits) with at least one run in `runs`. Shifting by less than
        the slot width never moves a bit onto another slot's first bit."""
        folded, step = runs, 1
        while step < self.width:
            folded |= folded >> step
            step <<= 1
        return folded & self.courses


@dataclass
class Catalogue:
    listings: list
    facets: list
    vocabulary: list  # every word a teacher might mean, to correct misspellings against
    full: frozenset = frozenset()  # pks of upcoming runs with no place left
    masks: Masks | None = None

    def facet(self, key):
        return next(f for f in self.facets if f.key == key)


def term_of(day):
    """The school term a date falls in: autumn (Sep-Dec), spring (Jan to Easter, or the end
    of March if Easter is earlier), summer (to July). August is holiday: no term."""
    if day.month >= 9:
        return f"autumn-{day.year}"
    if day <= max(dt.date(day.year, 3, 31), easter(day.year)):
        return f"spring-{day.year}"
    if day.month <= 7:
        return f"summer-{day.year}"
    return None


def describe_month_or_term(value):
    if match := MONTH.match(value):
        return dt.date(int(match[1]), int(match[2]), 1).strftime("%B %Y")
    if match := TERM.match(value):
        return f"{match[1].capitalize()} term {match[2]}"
    return value


def price_band(price):
    if price == 0:
        return "free"
    if price < 100:
        return "under-100"
    if price < 200:
        return "100-199"
    return "200-plus"


def _run_values(starts_at, town, price):
    starts = timezone.localtime(starts_at).date()
    values = {
        "month": f"{starts:%Y-%m}",
        "term": term_of(starts),
        "area": slugify(town) if town else "online",
        "price": price_band(price),
    }
    return {key: value for key, value in values.items() if value}


# How long a worker keeps the catalogue without asking whether it changed: every publish,
# unpublish, move or run change retires it at once (search.signals); this only bounds how long
# a run that has just started stays listed.
CATALOGUE_MAX_AGE = 60
# Places taken move with every booking. Bookings retire the snapshot at once (search.signals);
# a change made without a signal (a bulk update) shows within this many seconds.
PLACES_MAX_AGE = 3
VERSION_KEY = "search:catalogue-version"
PLACES_KEY = "search:places-taken"
PLACES_STAMP_KEY = "search:places-stamp"

_kept = {"version": None, "built": 0.0, "catalogue": None}


def catalogue_changed():
    """Retire every worker's copy of the catalogue (and any finder page cached from it)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    places_changed()


def places_changed():
    cache.delete_many([PLACES_KEY, PLACES_STAMP_KEY])


def catalogue_state():
    """A token for the catalogue and places snapshot a request would read now, or "" when
    there is none yet (or inside a transaction). A page made from one state may be reused
    while the state stands: a booking or an edit changes it."""
    if _in_transaction():
        return ""
    state = cache.get_many([VERSION_KEY, PLACES_STAMP_KEY])
    if len(state) < 2:
        return ""
    return f"{state[VERSION_KEY]}:{state[PLACES_STAMP_KEY]}"


def _in_transaction():
    """Inside a transaction the catalogue is read live and nothing is kept: what it sees may
    not be committed yet, or ever (a test rolls back)."""
    return connection.in_atomic_block


def load_catalogue():
    """The catalogue for this request: the courses' shape kept in this worker until it changes,
    plus places taken from a snapshot at most PLACES_MAX_AGE seconds old. Every query it makes
    is one per kind of thing, whatever the catalogue's size."""
    if _in_transaction():
        return _with_places(_read_catalogue(), _read_full_runs())
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    now = time.monotonic()
    if _kept["version"] != version or now - _kept["built"] > CATALOGUE_MAX_AGE:
        _kept.update(version=version, built=now, catalogue=_read_catalogue())
    snapshot = cache.get(PLACES_KEY)
    if snapshot is None:
        snapshot = (uuid.uuid4().hex, _read_full_runs())
        cache.set_many({PLACES_KEY: snapshot, PLACES_STAMP_KEY: snapshot[0]}, PLACES_MAX_AGE)
    return _with_places(_kept["catalogue"], snapshot[1])


def _with_places(shape, full):
    """A request's own catalogue: the shared listings, its own facets (a request may add the
    month it asked for) and the places snapshot."""
    facets = [Facet(f.key, f.legend, list(f.options), f.pattern) for f in shape.facets]
    return Catalogue(shape.listings, facets, shape.vocabulary, full, shape.masks)


def _read_full_runs():
    # with_places_taken (via upcoming()) is the one definition of a taken place.
    runs = CourseRun.objects.upcoming().values_list("pk", "capacity", "places_taken")
    return frozenset(pk for pk, capacity, taken in runs if taken >= capacity)


def _read_catalogue():
    """Live, public courses under live strands, with their upcoming runs and facet values."""
    strands = {s.path: s for s in StrandPage.objects.live().public().order_by("path")}
    strand_slug = {s.pk: s.slug for s in strands.values()}
    courses = CoursePage.objects.live().public().order_by("path")
    listings = {}
    steplen = CoursePage.steplen
    for pk, path, title, summary, format_, price in courses.values_list(
        "pk", "path", "title", "summary", "format", "default_price"
    ):
        strand = strands.get(path[:-steplen])
        if strand is None:  # under an unpublished strand: not reachable, so not findable
            continue
        listings[pk] = Listing(
            course=CourseEntry(pk, title, summary, format_, price),
            strand=strand,
            values={
                "strand": {strand.slug},
                "phase": set(),
                "audience": set(),
                "subject": set(),
                "format": {format_},
            },
        )

    def collect(key, rows):
        for course_id, value in rows:
            if course_id in listings and value:
                listings[course_id].values[key].add(value)

    collect("phase", CoursePage.phases.through.objects.values_list("coursepage_id", "phase__slug"))
    collect(
        "audience",
        CoursePage.audiences.through.objects.values_list("coursepage_id", "audience__slug"),
    )
    cross_listed = CoursePage.cross_listed_strands.through.objects.values_list(
        "coursepage_id", "strandpage_id"
    )
    collect("strand", ((course, strand_slug.get(strand)) for course, strand in cross_listed))
    subjects = {}
    for course_id, slug, name in CourseSubjectTag.objects.values_list(
        "content_object_id", "tag__slug", "tag__name"
    ):
        if course_id in listings:
            listings[course_id].values["subject"].add(slug)
            subjects[slug] = name
    for listing in listings.values():
        listing.values = {key: frozenset(values) for key, values in listing.values.items()}

    def every_value(listing):
        return {
            key: frozenset(r.values[key] for r in listing.runs if key in r.values)
            for key in RUN_KEYS - {"places"}
        }

    # One query for every upcoming run; places taken come from their own snapshot.
    towns = {}
    all_runs = []
    for (
        pk,
        course_id,
        starts_at,
        override,
        capacity,
        town,
    ) in CourseRun.objects.upcoming().values_list(
        "pk", "course_id", "first_starts_at", "price_override", "capacity", "venue__town"
    ):
        listing = listings.get(course_id)
        if listing is None:
            continue
        price = listing.course.default_price if override is None else override
        dated = DatedRun(pk, starts_at, price, capacity, _run_values(starts_at, town, price))
        listing.runs.append(dated)
        all_runs.append(dated)
        if town:
            towns[slugify(town)] = town

    area_options = [Option(slug, towns[slug]) for slug in sorted(towns)]
    if any(dated.values["area"] == "online" for dated in all_runs):
        area_options.append(Option("online", "Live online"))
    facets = [
        Facet(
            "strand",
            "Strand",
            [Option(s.slug, s.title, s.hex_colour) for s in strands.values()],
        ),
        Facet("phase", "Phase", [Option(p.slug, p.name) for p in Phase.objects.all()]),
        Facet(
            "audience",
            "Role",
            [Option(a.slug, a.name) for a in Audience.objects.all()],
        ),
        Facet(
            "subject",
            "Subject",
            [Option(slug, name) for slug, name in sorted(subjects.items(), key=lambda s: s[1])],
        ),
        Facet(
            "format",
            "Format",
            [Option(value, label) for value, label in CoursePage.Format.choices],
        ),
        Facet("term", "Term", _dated_options(all_runs, "term"), TERM),
        Facet("month", "Month", _dated_options(all_runs, "month"), MONTH),
        Facet("area", "Where", area_options),
        Facet("price", "Price per place", [Option(v, lbl) for v, lbl in PRICE_BANDS]),
        Facet(
            "places",
            "Availability",
            [Option("available", "Only courses with places left")],
        ),
    ]
    listings = list(listings.values())
    for listing in listings:
        listing.run_values = every_value(listing)
    # Sort keys worked out once, so a request sorts plain integers (see `_sorted`); ties keep
    # the catalogue's order, as a stable sort of the results would.
    position = {id(listing): i for i, listing in enumerate(listings)}
    titled = {dated.pk: listing for listing in listings for dated in listing.runs}
    by_date = sorted(
        all_runs,
        key=lambda d: (d.first_starts_at, titled[d.pk].course.title, position[id(titled[d.pk])]),
    )
    for order, dated in enumerate(by_date):
        dated.order = order
    for order, listing in enumerate(sorted(listings, key=lambda li: li.course.title)):
        listing.undated_order = len(by_date) + order
    # Kept soonest first, so matches come out in the default order (see `_sorted`).
    listings.sort(key=lambda li: li.runs[0].order if li.runs else li.undated_order)
    return Catalogue(listings, facets, _vocabulary(listings, facets), masks=Masks(listings))


def _vocabulary(listings, facets):
    """Every word a teacher might mean: from titles, summaries, audiences, subjects and
    strands. What a misspelt or singular word is matched against."""
    words = set()
    for facet in facets:
        if facet.key in COURSE_KEYS:
            for option in facet.options:
                words.update(w.lower() for w in WORD.findall(option.label))
    for listing in listings:
        text = f"{listing.course.title} {listing.course.summary}"
        words.update(w.lower() for w in WORD.findall(text))
    return sorted(w for w in words if len(w) > 2 and not w.isdigit())


def _dated_options(runs, key):
    """Months or terms that have runs, in date order (values sort as dates do)."""
    first = {}
    for dated in runs:
        value = dated.values.get(key)
        if value and value not in first:
            first[value] = dated.first_starts_at
    return [
        Option(value, describe_month_or_term(value))
        for value in sorted(first, key=lambda v: first[v])
    ]


# ---------------------------------------------------------------------------------------------
# Reading the URL: what the teacher asked for, and what we could not use


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


def words_of(text):
    """The words of a query, lower-cased (so FTS operators such as OR and NEAR are plain
    words), without stop words unless nothing else is left."""
    words = [w.lower() for w in WORD.findall(text)][: MAX_WORDS * 2]
    meaningful = [w for w in words if w not in STOP_WORDS]
    return (meaningful or words)[:MAX_WORDS]


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


# ---------------------------------------------------------------------------------------------
# Search: ranked course ids for the words, forgiving typos and plurals


@dataclass
class SearchOutcome:
    ranked_ids: list
    corrected_words: list = field(default_factory=list)  # set when we searched other words
    some_words: bool = False  # matched some of the words, not all


def _wagtail_search(words, operator):
    """Wagtail's own search: weighted full text on PostgreSQL, FTS5 on SQLite."""
    # Ids are all it needs: whole pages for a broad word (hundreds of them) cost three times more.
    results = CoursePage.objects.live().only("pk").search(" ".join(words), operator=operator)
    return [page.pk for page in results]


def correct_words(words, vocabulary):
    """Replace each word we have never seen with the closest word we have: "assesment" ->
    "assessment", "assistant" -> "assistants". Short words are left alone; too many near
    neighbours."""
    corrected = []
    for word in words:
        if len(word) < 4 or word in vocabulary:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.8)
        corrected.append(close[0] if close else word)
    return corrected


def search(words, catalogue):
    """All the words first; then with spellings corrected; then any of the words, ranked,
    so a sentence such as "SEND training for TAs in the spring" still finds the SEND course.
    At most three searches, whatever the catalogue's size."""
    if ids := _wagtail_search(words, "and"):
        return SearchOutcome(ids)
    corrected = correct_words(words, catalogue.vocabulary)
    changed = corrected != words
    if changed and (ids := _wagtail_search(corrected, "and")):
        return SearchOutcome(ids, corrected_words=corrected)
    if len(corrected) > 1 and (ids := _wagtail_search(corrected, "or")):
        return SearchOutcome(ids, corrected_words=corrected if changed else [], some_words=True)
    return SearchOutcome([])


# ---------------------------------------------------------------------------------------------
# Matching and counting


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


def _sorted(found, sort, rank, run_filtered=True):
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


class _Results:
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


def _with_pages(*groups):
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


# ---------------------------------------------------------------------------------------------
# The finder page


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
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.search.utils import MAX_QUERY_STRING_LENGTH, normalise_query_string

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
    results = _Results(_sorted(matched, sort, rank, run_filtered=bool(filters.keys() & RUN_KEYS)))
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
    page.object_list, finding.nearest = _with_pages(list(page.object_list), finding.nearest)
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
    nearest = _sorted([(li, li.runs) for li in (nearby or dated)], "soonest", rank)
    finding.nearest = [_result(li, runs) for li, runs in nearest[:NEAREST_COUNT]]


# ---------------------------------------------------------------------------------------------
# Autocomplete


def title_suggestions(text, request=None):
    """Up to eight live course titles for what has been typed so far (from two characters):
    Wagtail's autocomplete first ("sen" finds SENCO and SEND), then titles with a word that
    starts with the text (so "sen" offers "Making sense of…" but not "Governor essentials")."""
    text = " ".join(WORD.findall(text[:100]))
    if len(text) < 2:
        return []
    courses = CoursePage.objects.live().public()
    found = list(courses.autocomplete(text)[:AUTOCOMPLETE_LIMIT])
    if len(found) < AUTOCOMPLETE_LIMIT:
        seen = [c.pk for c in found]
        found += list(
            # `text` is words and spaces only, so it is safe inside the pattern.
            courses.filter(title__iregex=rf"(^|\W){text}")
            .exclude(pk__in=seen)
            .order_by("title")[: AUTOCOMPLETE_LIMIT - len(found)]
        )
    return [{"title": c.title, "url": c.get_url(request)} for c in found]
