"""The catalogue: every live course the finder can show, with its facet values and upcoming
runs, read in a fixed number of queries (one per kind of thing, whatever the catalogue's size).

Two kinds of filter:

- course filters (strand, phase, audience, subject, format) describe the course page;
- run filters (term, month, area, price, places) describe a dated run. A course matches them
  when at least one of its upcoming runs matches all of them at once, and that first
  matching run is the date, price and places its card shows.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.easter import easter
from django.utils import timezone
from django.utils.text import slugify

from courses.models import (
    Audience,
    CoursePage,
    CourseRun,
    CourseSubjectTag,
    Phase,
    StrandPage,
)

from .words import WORD

# Filters on the course page, and filters on its dated runs (see the module docstring).
COURSE_KEYS = {"strand", "phase", "audience", "subject", "format"}
RUN_KEYS = {"term", "month", "area", "price", "places"}

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
TERM = re.compile(r"^(autumn|spring|summer)-(20\d\d)$")

PRICE_BANDS = [
    ("free", "Free"),
    ("under-100", "Under £100"),
    ("100-199", "£100 to £199"),
    ("200-plus", "£200 and over"),
]


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
    read only for the dozen results shown (see `matching.with_pages`)."""

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


def read_catalogue():
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
    # Sort keys worked out once, so a request sorts plain integers (see
    # `matching.sort_matches`); ties keep the catalogue's order, as a stable sort of the
    # results would.
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
    # Kept soonest first, so matches come out in the default order (`matching.sort_matches`).
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
