"""The course finder at /courses/: facets and their counts, search, sorting, paging, the empty
state, bad input, autocomplete and the cost in queries. Expectations are worked out from the
database, not from the finder's own code, so the demo's dates can move with today.

Each test asks for the demo by name: the finder is tested against the demo's catalogue (its
36 courses, five strands, runs at several venues and months, some full), whose facets and
search words these tests name."""

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from courses.models import CoursePage, CourseRun, Session, StrandPage
from demo.scale import seed_scale
from search import services, views
from search.services import kept, term_of
from search.services.catalogue import COURSE_KEYS
from search.services.matching import count_choices, matches
from search.views import PAGE_MAX_AGE

pytestmark = pytest.mark.django_db

INCLUSION = "Building capacity for inclusion"
SEND_TA = "SEND essentials for teaching assistants in primary schools"


def finder(client, **params):
    response = client.get(reverse("search:finder"), params, follow=False)
    assert response.status_code == 200
    return response


def finding(client, **params):
    return finder(client, **params).context["finding"]


def every_result(client, **params):
    """All results in order, across pages."""
    return list(finding(client, **params).page.paginator.object_list)


def titles(client, **params):
    return {r.course.title for r in every_result(client, **params)}


def upcoming_runs_by_course():
    runs = defaultdict(list)
    for run in CourseRun.objects.upcoming().select_related("venue", "course"):
        runs[run.course_id].append(run)
    return runs


def live_titles(queryset):
    return set(queryset.live().values_list("title", flat=True))


def choice(found, key, value):
    facet = next(f for f in found.facets if f.key == key)
    return next(c for c in facet.choices if c.value == value)


def local_day(run):
    return timezone.localtime(run.first_starts_at).date()


# -- browsing and each facet -------------------------------------------------------------------


def test_result_cards_say_how_vat_falls_on_the_price_as_the_course_page_does(client, demo):
    found = finding(client)
    response = finder(client)
    html = response.content.decode()
    priced = [r for r in found.results if r.price]
    assert priced
    standard = [r for r in priced if r.course.vat_treatment == "standard"]
    assert standard
    card = html.split(f">{standard[0].course.title}</a>")[1].split("</li>")[0]
    assert '<span class="meta">+ VAT</span>' in card


def test_the_filters_end_with_a_way_back_to_the_results_naming_their_count(client, demo):
    found = finding(client, strand="inclusion")
    html = finder(client, strand="inclusion").content.decode()
    assert (
        f'<a class="button finder-show" href="#results-heading" data-finder-show>'
        f"Show {found.total} courses</a>"
    ) in html


def test_browsing_lists_every_live_course_soonest_first(client, demo):
    results = every_result(client)
    assert {r.course.title for r in results} == live_titles(CoursePage.objects.all())
    starts = [r.run.first_starts_at for r in results if r.run]
    assert starts == sorted(starts)


def test_strand_facet(client, demo):
    strand = StrandPage.objects.get(title=INCLUSION)
    expected = live_titles(CoursePage.objects.child_of(strand)) | live_titles(
        CoursePage.objects.filter(cross_listed_strands=strand)
    )
    assert titles(client, strand=strand.slug) == expected
    assert SEND_TA in expected


def test_a_cross_listed_course_is_found_under_both_strands(client, demo):
    course = CoursePage.objects.get(title=SEND_TA)
    other = StrandPage.objects.get(slug="teaching-and-learning")
    assert SEND_TA not in titles(client, strand=other.slug)
    course.cross_listed_strands.add(other)
    course.save()
    assert SEND_TA in titles(client, strand=other.slug)
    result = next(r for r in every_result(client, strand=other.slug) if r.course.title == SEND_TA)
    assert result.strand.title == INCLUSION  # the card keeps its home strand's colour


def test_unpublished_and_private_courses_are_not_found(client, demo):
    from wagtail.models import PageViewRestriction

    hidden = CoursePage.objects.get(title=SEND_TA)
    private = CoursePage.objects.get(title="SENCO network meeting")
    hidden.unpublish()
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    found = titles(client)
    assert SEND_TA not in found and "SENCO network meeting" not in found
    suggestions = client.get(reverse("search:autocomplete"), {"q": "SENCO"}).json()
    assert "SENCO network meeting" not in [s["title"] for s in suggestions]


@pytest.mark.parametrize(
    ("param", "value", "lookup"),
    [
        ("phase", "primary", {"phases__slug": "primary"}),
        ("audience", "teaching-assistants", {"audiences__slug": "teaching-assistants"}),
        ("subject", "send", {"subjects__slug": "send"}),
        ("format", "online", {"format": "online"}),
        ("format", "blended", {"format": "blended"}),
    ],
)
def test_course_facets(client, demo, param, value, lookup):
    expected = live_titles(CoursePage.objects.filter(**lookup).distinct())
    assert expected, "the demo should have courses for this choice"
    assert titles(client, **{param: value}) == expected


def test_several_values_of_one_facet_widen_the_results(client, demo):
    primary = titles(client, phase="primary")
    secondary = titles(client, phase="secondary")
    both = finding(client, phase=["primary", "secondary"])
    assert {r.course.title for r in both.page.paginator.object_list} == primary | secondary


def test_month_facet_and_the_card_shows_the_first_run_in_that_month(client, demo):
    runs = upcoming_runs_by_course()
    # A month that is not every course's first: a later run must be the one on the card.
    last_month = max(f"{local_day(r):%Y-%m}" for rs in runs.values() for r in rs)
    expected = {
        rs[0].course.title
        for rs in runs.values()
        if any(f"{local_day(r):%Y-%m}" == last_month for r in rs)
    }
    results = every_result(client, month=last_month)
    assert {r.course.title for r in results} == expected
    for result in results:
        assert f"{local_day(result.run):%Y-%m}" == last_month
        in_month = [r for r in runs[result.course.pk] if f"{local_day(r):%Y-%m}" == last_month]
        assert result.run.pk == in_month[0].pk


def test_term_facet(client, demo):
    runs = upcoming_runs_by_course()
    # Terms by hand: autumn Sep-Dec; spring Jan to 31 March (Easter 2027 is 28 March).
    spring_2027 = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    expected = {
        rs[0].course.title
        for rs in runs.values()
        if any(spring_2027[0] <= local_day(r) <= spring_2027[1] for r in rs)
    }
    assert expected
    assert titles(client, term="spring-2027") == expected


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (dt.date(2026, 9, 1), "autumn-2026"),
        (dt.date(2026, 12, 18), "autumn-2026"),
        (dt.date(2027, 1, 5), "spring-2027"),
        (dt.date(2027, 3, 31), "spring-2027"),  # Easter 2027 is 28 March: spring ends with March
        (dt.date(2027, 4, 12), "summer-2027"),
        (dt.date(2026, 4, 2), "spring-2026"),  # Easter 2026 is 5 April: spring runs to Easter
        (dt.date(2026, 4, 7), "summer-2026"),
        (dt.date(2027, 7, 20), "summer-2027"),
        (dt.date(2027, 8, 10), None),  # the summer holiday
    ],
)
def test_terms_follow_the_school_year(day, term):
    assert term_of(day) == term


def test_area_facet(client, demo):
    runs = upcoming_runs_by_course()
    towns = {r.venue.town for rs in runs.values() for r in rs if r.venue}
    assert len(towns) > 1
    town = sorted(towns)[0]
    expected = {
        rs[0].course.title
        for rs in runs.values()
        if any(r.venue and r.venue.town == town for r in rs)
    }
    assert titles(client, area=slugify(town)) == expected
    online = {rs[0].course.title for rs in runs.values() if any(r.venue is None for r in rs)}
    assert online and titles(client, area="online") == online


@pytest.mark.parametrize(
    ("band", "low", "high"),
    [
        ("free", Decimal("0"), Decimal("0")),
        ("under-100", Decimal("0.01"), Decimal("99.99")),
        ("100-199", Decimal("100"), Decimal("199.99")),
        ("200-plus", Decimal("200"), Decimal("100000")),
    ],
)
def test_price_bands_use_the_run_price(client, demo, band, low, high):
    runs = upcoming_runs_by_course()
    expected = {
        rs[0].course.title for rs in runs.values() if any(low <= r.price <= high for r in rs)
    }
    assert expected
    results = every_result(client, price=band)
    assert {r.course.title for r in results} == expected
    assert all(low <= r.price <= high for r in results)


def test_a_run_price_override_moves_a_course_between_bands(client, demo):
    course = CoursePage.objects.get(title=SEND_TA)  # £95 a place
    assert SEND_TA not in titles(client, price="free")
    CourseRun.objects.filter(course=course).update(price_override=Decimal("0"))
    assert SEND_TA in titles(client, price="free")


def test_run_filters_must_all_hold_for_the_same_run(client, demo):
    """A course with a run in month M at one place and a run elsewhere in another month does
    not match "month M and the other place"."""
    runs = upcoming_runs_by_course()
    for course_runs in runs.values():
        months = {f"{local_day(r):%Y-%m}" for r in course_runs}
        areas = {slugify(r.venue.town) if r.venue else "online" for r in course_runs}
        for month in months:
            for area in areas:
                together = any(
                    f"{local_day(r):%Y-%m}" == month
                    and (slugify(r.venue.town) if r.venue else "online") == area
                    for r in course_runs
                )
                if not together:
                    title = course_runs[0].course.title
                    assert title in titles(client, month=month)
                    assert title in titles(client, area=area)
                    assert title not in titles(client, month=month, area=area)
                    return
    pytest.fail("the demo has no course whose runs differ in both month and place")


# -- has places --------------------------------------------------------------------------------


def test_has_places_hides_a_course_whose_only_runs_are_full(client, demo):
    runs = upcoming_runs_by_course()
    full = [rs for rs in runs.values() if all(r.places_left == 0 for r in rs)]
    assert full, "seed_demo fills some runs; one course should have only full runs"
    title = full[0][0].course.title

    left = {run.pk: run.places_left for rs in runs.values() for run in rs}
    shown = {r.course.title: r for r in every_result(client)}
    assert title in shown
    assert left[shown[title].run.pk] == 0
    page = finder(client, q=title, sort="soonest").content.decode()
    assert "Full – join the waiting list" in page

    assert title not in titles(client, places="available")
    assert all(left[r.run.pk] > 0 for r in every_result(client, places="available"))


def test_cards_show_places_left_as_the_course_page_does(client, demo):
    runs = upcoming_runs_by_course()
    nearly = next(rs for rs in runs.values() if 0 < rs[0].places_left <= 5)
    course = nearly[0].course
    html = finder(client, q=course.title).content.decode()
    assert f"{nearly[0].places_left} places left" in html
    # The card carries its strand's colour.
    strand = StrandPage.objects.get(path=course.path[: -course.steplen])
    assert f'class="course-card finder-card" style="--strand: {strand.hex_colour}"' in html


# -- counts ------------------------------------------------------------------------------------


def test_each_count_applies_the_other_selected_filters(client, demo):
    """Hand-checked: strand Inclusion, phase Primary, role Teaching assistants."""
    strand = StrandPage.objects.get(title=INCLUSION)
    found = finding(client, strand=strand.slug, phase="primary", audience="teaching-assistants")
    courses = CoursePage.objects.live()

    # Phase counts ignore the phase choice but keep strand and role.
    in_strand_for_tas = courses.child_of(strand).filter(audiences__slug="teaching-assistants")
    for phase in ("primary", "secondary", "special"):
        expected = in_strand_for_tas.filter(phases__slug=phase).distinct().count()
        assert choice(found, "phase", phase).count == expected
    # Strand counts ignore the strand but keep phase and role.
    primary_tas = courses.filter(phases__slug="primary", audiences__slug="teaching-assistants")
    for other in StrandPage.objects.live():
        expected = primary_tas.descendant_of(other).distinct().count()
        assert choice(found, "strand", other.slug).count == expected
    # A course facet that is not selected counts within all three.
    expected_send = (
        in_strand_for_tas.filter(phases__slug="primary", subjects__slug="send").distinct().count()
    )
    assert choice(found, "subject", "send").count == expected_send
    assert found.total == in_strand_for_tas.filter(phases__slug="primary").distinct().count()

    # The count is in the label text a screen reader reads.
    html = finder(client, strand=strand.slug, phase="primary").content.decode()
    primary = choice(finding(client, strand=strand.slug, phase="primary"), "phase", "primary")
    assert f'for="f-phase-primary">Primary <span class="facet__count">({primary.count}' in html


def test_run_facet_counts_apply_the_other_run_filters(client, demo):
    runs = upcoming_runs_by_course()
    found = finding(client, places="available", format="in_person")
    for option in next(f for f in found.facets if f.key == "area").choices:
        expected = sum(
            1
            for rs in runs.values()
            if rs[0].course.format == "in_person"
            and any(
                r.places_left > 0 and r.venue and slugify(r.venue.town) == option.value for r in rs
            )
        )
        assert option.count == expected, option.value


def _counts_by_the_rule(catalogue, listings, filters, facet):
    """A facet's counts straight from the rule: leave this facet's own choices out, match
    the rest, and count the matching courses with each value (for a run facet, on a run
    that passes every other run filter)."""
    matched = matches(catalogue, listings, filters, skip=facet.key)
    counts = {}
    for option in facet.options:
        if facet.key in COURSE_KEYS:
            hit = [li for li, _ in matched if option.value in li.values.get(facet.key, ())]
        elif facet.key == "places":
            hit = [li for li, runs in matched if any(r.pk not in catalogue.full for r in runs)]
        else:
            hit = [
                li
                for li, runs in matched
                if any(r.values.get(facet.key) == option.value for r in runs)
            ]
        counts[option.value] = len(hit)
    return counts


def test_counts_follow_the_rule_for_many_combinations_of_filters(client, demo):
    """The bit-set counts (count_choices) against the rule worked course by course,
    for 150 random selections of one to four filters, some with the search's narrower list."""
    import random

    seed_scale(12)  # scale courses have three runs, the demo's one to several: slots differ
    catalogue = services.load_catalogue()
    assert catalogue.full, "the demo fills some runs, so 'places' has something to hide"
    assert len({len(li.runs) for li in catalogue.listings}) > 2
    masks = catalogue.masks
    # Every run of every course lands on its own course when folded, its last one included.
    for (key, value), runs in masks.run.items():
        folded = masks.courses_with(runs)
        expected = {
            li.course.pk
            for li in catalogue.listings
            if any(r.values[key] == value for r in li.runs)
        }
        assert {pk for pk, bit in masks.course_bit.items() if folded >> bit & 1} == expected
    rng = random.Random(3)
    options = [(f.key, o.value) for f in catalogue.facets for o in f.options]
    narrower = [li for li in catalogue.listings if rng.random() < 0.5]
    for attempt in range(150):
        filters = {}
        for key, value in rng.sample(options, rng.randint(1, 4)):
            filters.setdefault(key, set()).add(value)
        filters = {key: frozenset(values) for key, values in filters.items()}
        listings = narrower if attempt % 3 == 0 else catalogue.listings
        counts = count_choices(catalogue, listings, filters)
        for facet in catalogue.facets:
            expected = _counts_by_the_rule(catalogue, listings, filters, facet)
            assert counts[facet.key] == expected, (filters, facet.key)


# -- sorting -----------------------------------------------------------------------------------


def test_sort_by_price_both_ways(client, demo):
    low = [r.price for r in every_result(client, sort="price")]
    assert low == sorted(low) and low[0] == 0
    high = [r.price for r in every_result(client, sort="price-desc")]
    assert high == sorted(high, reverse=True)


def test_sort_by_soonest_puts_courses_without_dates_last(client, demo):
    course = CoursePage.objects.get(title=SEND_TA)
    Session.objects.filter(run__course=course).delete()  # no dates left (runs stay)
    results = every_result(client, sort="soonest")
    assert results[-1].course.title == SEND_TA and results[-1].run is None
    starts = [r.run.first_starts_at for r in results[:-1]]
    assert starts == sorted(starts)
    html = finder(client, q=SEND_TA).content.decode()
    assert "No dates yet" in html


def test_a_query_sorts_by_relevance_unless_asked_otherwise(client, demo):
    found = finding(client, q="SEND teaching assistants primary")
    assert found.sort == "relevance"
    assert found.results[0].course.title == SEND_TA
    by_date = every_result(client, q="SEND", sort="soonest")
    starts = [r.run.first_starts_at for r in by_date if r.run]
    assert starts == sorted(starts)
    # Relevance needs words; without them it quietly falls back to dates.
    assert finding(client, sort="relevance").sort == "soonest"


# -- search ------------------------------------------------------------------------------------


def test_search_finds_the_send_course_for_teaching_assistants(client, demo):
    found = finding(client, q="SEND teaching assistants primary")
    assert found.results[0].course.title == SEND_TA


def test_search_for_a_plural_finds_the_senco_courses(client, demo):
    found = titles(client, q="SENCOs")
    assert {"SENCO network meeting", "New to role SENCO induction"} <= found


def test_search_forgives_a_misspelling_and_says_so(client, demo):
    response = finder(client, q="assesment")
    found = {r.course.title for r in response.context["finding"].page.paginator.object_list}
    assert "Designing a manageable assessment system" in found
    assert "showing courses for “assessment”" in response.content.decode()


def test_search_reads_phonix_as_phonics(client, demo):
    response = finder(client, q="phonix")
    found = response.context["finding"]
    assert "Systematic synthetic phonics: securing early reading" in {
        r.course.title for r in found.results
    }
    assert found.search.corrected_words == ["phonics"]
    assert "showing courses for “phonics”" in response.content.decode()


@pytest.mark.parametrize(
    "typed, meant",
    [("phonix", "phonics"), ("assesment", "assessment"), ("assistant", "assistants")],
)
def test_a_misspelt_word_is_read_as_the_most_similar_word_we_know(typed, meant):
    vocabulary = ["assessment", "assistants", "phonics", "physics", "reading"]
    assert services.words.correct_words([typed], vocabulary) == [meant]


def test_a_word_like_none_we_know_is_left_as_typed():
    assert services.words.correct_words(["xylophone"], ["phonics", "physics"]) == ["xylophone"]


def test_a_misspelling_is_matched_by_the_backends_fuzzy_search_where_it_has_one(client, demo):
    """PostgreSQL's pg_trgm finds the close words (in bodies too); SQLite's FTS5 cannot, so
    there the corrected words are searched again."""
    from django.db import connection

    found = finding(client, q="phonix")
    assert found.search.fuzzy == (connection.vendor == "postgresql")


def test_our_word_similarity_is_pg_trgms(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    pairs = [("phonix", "phonics"), ("assesment", "assessment"), ("phonics", "physics")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert services.words.similarity(a, b) == pytest.approx(cursor.fetchone()[0])


def test_a_sentence_of_need_still_finds_the_course(client, demo):
    found = finding(
        client, q="SEND training for TAs in a primary school, after school, in the spring"
    )
    assert found.results[0].course.title == SEND_TA
    assert found.search.some_words


def test_search_and_filters_combine(client, demo):
    assert titles(client, q="Ofsted framework middle leaders") >= {
        "The new Ofsted framework: what middle leaders need to know"
    }
    assert titles(client, q="Ofsted framework middle leaders", format="online") == set()


# -- nothing found -----------------------------------------------------------------------------


def test_no_results_says_so_suggests_removing_a_filter_and_shows_nearest(client, demo):
    strand = StrandPage.objects.get(title=INCLUSION)
    response = finder(client, strand=strand.slug, subject="maths")
    found = response.context["finding"]
    assert found.total == 0, "no inclusion course is about maths"
    html = response.content.decode()
    assert "No course matches" in html
    assert found.remove_last.label == "Subject: Maths"
    assert found.remove_last.remove_url == "?" + urlencode({"strand": strand.slug})
    assert f'href="{found.remove_last.remove_url}"' in html
    assert found.remove_last_count == len(titles(client, strand=strand.slug))
    # The nearest courses: soonest in the strand the teacher chose.
    in_strand = live_titles(CoursePage.objects.child_of(strand))
    assert found.nearest and all(r.course.title in in_strand for r in found.nearest)
    starts = [r.run.first_starts_at for r in found.nearest]
    assert starts == sorted(starts)
    assert found.nearest[0].course.title in html


def test_words_that_match_nothing_suggest_dropping_the_words(client, demo):
    found = finding(client, q="xylophone zebra", phase="primary")
    assert found.total == 0
    assert found.remove_last.key == "q"  # dropping "primary" would still find nothing
    assert found.remove_last.remove_url == "?phase=primary"
    assert found.remove_last_count == len(titles(client, phase="primary"))
    assert len(found.nearest) == 3


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "strand=nope&page=-3&month=2026-13",
        "strand=nope",
        "page=-3",
        "page=abc",
        "month=2026-13",
        "month=13-2026",
        "term=winter-2027",
        "sort=cheapest",
        "price=1000000",
        "area=%3Cscript%3Ealert(1)%3C/script%3E",
        "phase=primary&audience=nobody",
        "colour=blue",
    ],
)
def test_bad_parameters_are_ignored_and_noted(client, demo, query):
    response = client.get(reverse("search:finder") + "?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We ignored " in html and "we did not recognise" in html
    assert "<script>alert" not in html
    assert response.context["finding"].total > 0


# Each URL, and a piece of the note it must show ("" when nothing is a filter to ignore: the
# page must still be whole). Never a 500; always a normal page with results.
BAD_URLS = [
    ("strand=nope&page=-3&month=2026-13", "strand “nope”, page “-3” and month “2026-13”"),
    ("strand=nope", "strand “nope”"),
    ("page=-3", "page “-3”"),
    ("page=0", "page “0”"),
    ("page=abc", "page “abc”"),
    ("page=1e3", "page “1e3”"),
    ("page=99999999999999999999999", ""),
    ("month=2026-13", "month “2026-13”"),
    ("month=2026-1", "month “2026-1”"),
    ("term=winter-2027", "term “winter-2027”"),
    ("price=xyz", "price “xyz”"),
    ("places=maybe", "places “maybe”"),
    ("sort=evil", "sort “evil”"),
    ("sort=title;DROP TABLE courses_coursepage", "sort “title;DROP TABLE"),
    ("q=" + "a" * 2000, ""),
    ("q=" + quote('"a" | !b & (c') * 50, ""),
    ("q=" + quote("'; SELECT pg_sleep(10); --"), ""),
    ("strand=inclusion&strand=inclusion&strand=nope", "strand “nope”"),
    ("q=SEND&q=maths&sort=price&sort=evil", "sort “evil”"),
    ("phase[]=primary", "phase[] “primary”"),
    ("strand=" + "x" * 5000, "strand “" + "x" * 40 + "”"),
    ("&".join(f"junk{i}={i}" for i in range(900)), "and 895 more"),
    ("&".join("strand=nope" for _ in range(300)), "strand “nope”"),
    ("area=%3Cscript%3Ealert(1)%3C/script%3E", "area “&lt;script&gt;"),
    ("partial=1&strand=nope", "strand “nope”"),
]


def test_every_bad_url_gives_a_normal_page_with_the_bad_filter_noted(client, demo):
    for query, note in BAD_URLS:
        response = client.get(reverse("search:finder") + "?" + query)
        assert response.status_code == 200, query[:80]
        html = response.content.decode()
        assert "No course matches" not in html or "nope" not in query, query[:80]
        found = response.context["finding"]
        assert found.results or found.nearest, query[:80]  # courses to look at, either way
        if note:
            assert "We ignored " in html and note in html, (query[:80], note)
        if "partial" not in query:
            assert html.rstrip().endswith("</html>"), query[:80]
        assert "<script>alert" not in html


def test_a_nul_anywhere_in_the_finder_address_answers_400(client, demo):
    # The site-wide NUL guard (core.badinput) refuses these before the finder reads them.
    for query in ("q=%00", "q=SEND%00TAs", "strand=%00", "%00=1", "format=%00"):
        response = client.get(reverse("search:finder") + "?" + query)
        assert response.status_code == 400, query
        assert b"NUL" in response.content


def test_the_example_bad_url_names_each_bad_filter(client, demo):
    html = client.get(reverse("search:finder") + "?strand=nope&page=-3&month=2026-13").content
    assert (
        "We ignored filters we did not recognise: strand “nope”, page “-3” and month “2026-13”."
        in html.decode()
    )


def test_unknown_values_do_not_undo_good_ones(client, demo):
    found = finding(client, phase=["primary", "nope"])
    assert found.total == len(titles(client, phase="primary"))
    assert "phase “nope”" in found.ignored_note


def test_a_past_month_from_an_old_link_is_kept_ticked_and_matches_nothing(client, demo):
    found = finding(client, month="2025-01")
    assert found.total == 0 and not found.ignored_note
    option = choice(found, "month", "2025-01")
    assert option.selected and option.label == "January 2025" and option.count == 0


def test_a_page_past_the_end_shows_the_last_page(client, demo):
    found = finding(client, page="999")
    assert found.page.number == found.page.paginator.num_pages


def test_campaign_parameters_are_not_noted(client, demo):
    assert finding(client, utm_source="newsletter", fbclid="x").ignored_note == ""


def test_a_very_long_query_is_shortened_and_answered_quickly(client, demo):
    started = time.monotonic()
    response = finder(client, q="assessment " * 200)  # 2,200 characters
    assert time.monotonic() - started < 3
    found = response.context["finding"]
    assert len(found.selection.query) <= 200
    assert "first 200 characters" in response.content.decode()
    assert found.total > 0


@pytest.mark.parametrize(
    "query",
    [
        '"SEND" AND (primary OR NOT secondary) NEAR/3 ^ofsted* -governors +data',
        "title:SEND OR body:* {} [] ~ \\ ' ; -- DROP TABLE",
        ")))(((***",
        "🙂 ünïcödé",
        "OR",
        "the",
    ],
)
def test_operator_heavy_queries_give_a_clean_page(client, demo, query):
    response = finder(client, q=query * 10)
    assert b"</html>" in response.content


# -- pages, partials, autocomplete ------------------------------------------------------------


def test_pagination_covers_every_course_once_and_keeps_the_filters(client, demo):
    first = finding(client, sort="price")
    assert first.page.paginator.num_pages > 1
    seen = []
    for number in first.page.paginator.page_range:
        seen += [r.course.pk for r in finding(client, sort="price", page=number).results]
    assert len(seen) == len(set(seen)) == first.total
    html = finder(client, sort="price").content.decode()
    assert 'href="?sort=price&amp;page=2"' in html
    assert 'aria-current="page"' in html


def test_partial_returns_just_the_results_and_facets(client, demo):
    response = finder(client, strand="inclusion", partial="1")
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html
    assert 'id="results-heading"' in html and "<fieldset" in html
    assert "partial" not in html  # no link carries the flag on


def test_the_full_page_has_the_form_the_script_and_a_status_region(client, demo):
    html = finder(client).content.decode()
    assert 'method="get"' in html and 'action="/courses/"' in html
    assert 'role="status"' in html
    assert "js/finder.js" in html
    assert '<link rel="canonical" href="http://testserver/courses/">' in html
    filtered = finder(client, phase="primary").content.decode()
    assert '<meta name="robots" content="noindex, follow">' in filtered


def test_autocomplete_suggests_titles_from_two_characters(client, demo):
    url = reverse("search:autocomplete")
    assert client.get(url, {"q": "s"}).json() == []
    suggestions = client.get(url, {"q": "sen"}).json()
    assert 0 < len(suggestions) <= 8
    assert "SENCO network meeting" in [s["title"] for s in suggestions]
    for s in suggestions:
        assert set(s) == {"title", "url"}
        assert client.get(s["url"]).status_code == 200
    assert len(client.get(url, {"q": "in"}).json()) <= 8
    assert client.get(url, {"q": '"*)( OR'}).status_code == 200


# -- cost --------------------------------------------------------------------------------------

QUERY_BOUND = 18  # the whole page, header and footer included; 15-17 today
COURSE_PAGE_BOUND = 22  # the course page, its runs, sessions, related courses and chrome


@pytest.mark.parametrize(
    "params",
    [
        {},  # every course: a full page of cards
        {"strand": "inclusion", "phase": "primary", "audience": "teaching-assistants"},
        {"q": "assesment"},  # a misspelling: three searches
        {"q": "xyzzy", "strand": "inclusion"},  # nothing found: suggestions and nearest
        {"month": "2027-01", "places": "available", "sort": "price"},
    ],
)
def test_query_count_does_not_grow_with_the_catalogue(
    client, demo, django_assert_max_num_queries, params
):
    client.get(reverse("search:finder"))  # warm the site root cache, as any earlier visit would
    seed_scale(5)  # five more courses, three runs each, with phases, roles and subjects
    with django_assert_max_num_queries(QUERY_BOUND):
        finder(client, **params)
    seed_scale(40)
    assert CoursePage.objects.filter(slug__startswith="scale-").count() == 40
    with django_assert_max_num_queries(QUERY_BOUND):
        finder(client, **params)


def test_course_page_query_count_does_not_grow_with_the_catalogue(
    client, demo, django_assert_max_num_queries
):
    seed_scale(5)
    course = CoursePage.objects.get(slug="scale-0004")
    client.get(course.url)
    with django_assert_max_num_queries(COURSE_PAGE_BOUND):
        assert client.get(course.url).status_code == 200
    seed_scale(40)
    with django_assert_max_num_queries(COURSE_PAGE_BOUND):
        assert client.get(course.url).status_code == 200


def test_seed_scale_adds_only_what_is_missing(demo):
    assert seed_scale(8) == 8
    assert seed_scale(8) == 0
    courses = CoursePage.objects.live().filter(slug__startswith="scale-")
    assert courses.count() == 8
    assert CourseRun.objects.filter(course__in=courses).count() == 24
    assert len({c.strand.slug for c in courses}) == 5
    assert {c.default_price for c in courses} & {Decimal("0")}


# -- the kept catalogue, outside a transaction ----------------------------------------------------


@pytest.fixture
def kept_catalogue(monkeypatch):
    """The finder as a web worker runs it: outside a transaction, so it keeps the catalogue
    and the places snapshot between requests (tests otherwise read live)."""
    monkeypatch.setattr(kept, "_in_transaction", lambda: False)
    monkeypatch.setattr(kept, "_kept", {"version": None, "built": 0.0, "catalogue": None})
    cache.clear()
    yield
    cache.clear()


def test_a_kept_catalogue_costs_fewer_queries_and_sees_a_new_course_at_once(
    client, demo, kept_catalogue, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    page_cache_off()
    finder(client)
    with django_assert_max_num_queries(QUERY_BOUND - 8):
        before = finding(client)
    with django_capture_on_commit_callbacks(execute=True):
        seed_scale(1)  # publishing retires the catalogue once committed (search.signals)
    after = finding(client)
    assert after.total == before.total + 1
    new = CoursePage.objects.get(slug="scale-0001")
    assert new.pk in {r.course.pk for r in after.page.paginator.object_list}


def fill(run, people):
    """Book every place left on the run, as the CPD team would by phone."""
    from bookings.models import Booking
    from bookings.services import BookingRequest, Delegate, book_places
    from demo.people import demo_staff

    school = people["school_a"]
    delegates = demo_staff(school, 30)[: run.places_left]
    book_places(
        run.pk,
        BookingRequest(
            school=school,
            booked_by=people["staff"],
            delegates=[Delegate(u) for u in delegates],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )


def test_a_booking_refreshes_the_places_snapshot_at_once(
    client, demo, people, kept_catalogue, django_capture_on_commit_callbacks
):
    page_cache_off()
    runs = upcoming_runs_by_course()
    run = next(
        r for rs in runs.values() for r in rs if r.is_bookable and r.places_left == r.capacity
    )
    with_places = {"q": run.course.title, "places": "available"}
    shown = {r.course.pk: r.run.pk for r in every_result(client, **with_places)}
    assert shown[run.course.pk] == run.pk  # its first run, with places
    with django_capture_on_commit_callbacks(execute=True):
        fill(run, people)  # within the snapshot's 3 seconds: the booking itself retires it
    shown = {r.course.pk: r.run.pk for r in every_result(client, **with_places)}
    assert shown.get(run.course.pk) != run.pk


def test_an_anonymous_finder_page_is_shared_until_a_booking_changes_the_places(
    client, demo, kept_catalogue
):
    finder(client, strand="inclusion")  # reads the catalogue and the places snapshot
    finder(client, strand="inclusion")  # computed from that state, and kept
    assert finder(client, strand="inclusion").context is None  # served from the page cache
    services.places_changed()  # as saving an enrolment does
    assert finder(client, strand="inclusion").context["finding"].total > 0


def page_cache_off():
    views.PAGE_MAX_AGE = 0


@pytest.fixture(autouse=True)
def _page_cache_back():
    yield
    views.PAGE_MAX_AGE = PAGE_MAX_AGE


# --- editors' promoted results -------------------------------------------------------------


def test_an_editors_promoted_result_shows_above_the_list_for_its_words(client, demo):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    course = CoursePage.objects.live().order_by("title").first()
    hidden = CoursePage.objects.live().exclude(pk=course.pk).order_by("title").first()
    hidden.unpublish()
    query = Query.get("Ofsted framework")
    SearchPromotion.objects.create(
        query=query, page=course, sort_order=0, description="Start here this term."
    )
    SearchPromotion.objects.create(query=query, page=hidden, sort_order=1)
    SearchPromotion.objects.create(
        query=query,
        external_link_url="https://www.gov.uk/government/collections/ofsted-inspecting-schools",
        external_link_text="Ofsted's school inspection handbooks",
        sort_order=2,
    )
    html = finder(client, q="  OFSTED   framework ").content.decode()
    picks = html.split('id="promoted-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="{course.url}"' in picks and "Start here this term." in picks
    assert "Ofsted&#x27;s school inspection handbooks" in picks
    assert hidden.title not in picks  # unpublished pages are not promoted
    assert picks.index(course.title) < picks.index("school inspection handbooks")
    assert 'id="promoted-heading"' not in finder(client, q="phonics").content.decode()
