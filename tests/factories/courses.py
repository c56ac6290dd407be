"""The catalogue: the Wagtail tree a course lives in (root, home page, default site and its
settings, programme, strand), course pages published as an editor publishes them, venues, and
runs with their sessions, capacity and prices."""

import datetime as dt
import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.text import slugify
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from courses.models import (
    Audience,
    CoursePage,
    CourseRun,
    Facilitator,
    ProgrammePage,
    Session,
    StrandPage,
)
from courses.models import Venue as VenueModel
from home.models import HomePage, SiteSettings

_n = itertools.count(1)


def publish(page):
    """A revision published, as an editor's *Publish* leaves a page."""
    page.save_revision().publish()
    return page


def home():
    """The home page as the default site's root; made (with Wagtail's root node, after a
    flush) when missing."""
    page = HomePage.objects.first()
    if page is None:
        root = Page.get_first_root_node() or _tree_root()
        # Wagtail's placeholder welcome page takes the slug "home"; retire it first.
        for placeholder in Page.objects.child_of(root).filter(content_type__model="page"):
            placeholder.delete()
        root = Page.get_first_root_node()
        page = HomePage(title="Home", slug="home")
        root.add_child(instance=page)
        publish(page)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, root_page=page, is_default_site=True
        )
    elif site.root_page_id != page.pk:
        site.root_page = page
        site.save()
    # The site's settings row, as a seeded site has it: made lazily on a first page view, it
    # would otherwise empty the page cache in the middle of a test.
    SiteSettings.for_site(site)
    return page


def _tree_root():
    """Wagtail's root node, remade when a transactional test flushed the database."""
    ContentType.objects.clear_cache()  # a flush re-made content types under new ids
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


def programme():
    """The programme page under the home page (saving it attaches Course approval)."""
    parent = home()
    page = ProgrammePage.objects.child_of(parent).first()
    if page is None:
        page = ProgrammePage(title="Our programme", slug="programme")
        parent.add_child(instance=page)
        publish(page)
    return page


def strand(title="Improving teaching and learning", *, slug=None, **fields):
    """A strand of the programme, found by its slug or made."""
    parent = programme()
    slug = slug or slugify(title)
    page = StrandPage.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        fields.setdefault("strapline", f"{title}: courses for schools.")
        page = StrandPage(title=title, slug=slug, **fields)
        parent.add_child(instance=page)
        publish(page)
    return page


def course(
    title=None, *, strand_page=None, price="200.00", facilitators=(), audiences=(), **fields
):
    """A published in-person course (unless `format` says otherwise) at `price` a place, in
    the teaching-and-learning strand unless given one."""
    n = next(_n)
    title = title or f"Test course {n}"
    fields.setdefault("summary", f"{title}, for the tests.")
    page = CoursePage(
        title=title,
        slug=fields.pop("slug", None) or f"{slugify(title)}-{n}",
        default_price=Decimal(price),
        **fields,
    )
    (strand_page or strand()).add_child(instance=page)
    if facilitators:
        page.facilitators.set(facilitators)
    if audiences:
        page.audiences.set(audiences)
    return publish(page)


def audience(name="Teaching assistants"):
    found, _ = Audience.objects.get_or_create(name=name, defaults={"slug": slugify(name)})
    return found


def venue(name="Haverleigh Professional Development Centre"):
    found, _ = VenueModel.objects.get_or_create(
        name=name,
        defaults={"address": "Kingsway", "town": "Haverleigh", "postcode": "HV2 4RD"},
    )
    return found


def facilitator(name=None, **fields):
    return Facilitator.objects.create(name=name or f"Facilitator {next(_n)}", **fields)


def run(
    course_page=None,
    *,
    days=(14,),
    capacity=10,
    status=CourseRun.Status.OPEN,
    price=None,
    reference=None,
    start=dt.time(9, 30),
    end=dt.time(12, 30),
    **fields,
):
    """A run of `course_page` (a new course when not given) with one session on each of the
    days `days` from today (negative: in the past), from `start` to `end` London time. In
    person at the default venue unless the course is online; open for booking by default.
    `price` overrides the course's price for this run."""
    course_page = course_page or course()
    online = course_page.format == CoursePage.Format.ONLINE
    if course_page.format != CoursePage.Format.IN_PERSON:
        fields.setdefault("online_joining_url", "https://meet.example.gov.uk/cpd/test")
        fields.setdefault("joining_instructions", "Join ten minutes early to check your audio.")
    else:
        fields.setdefault("joining_instructions", "Sign in at reception.")
    made = CourseRun.objects.create(
        course=course_page,
        reference=reference or f"TST-{next(_n):04d}",
        capacity=capacity,
        status=status,
        price_override=None if price is None else Decimal(price),
        venue=fields.pop("venue", None if online else venue()),
        **fields,
    )
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for offset in sorted(days):
        day = today + dt.timedelta(days=offset)
        Session.objects.create(
            run=made,
            starts_at=dt.datetime.combine(day, start, tzinfo=tz),
            ends_at=dt.datetime.combine(day, end, tzinfo=tz),
        )
    return made
