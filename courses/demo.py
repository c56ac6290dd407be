"""Builds the demo programme: strands, courses, runs, venues, schools and demo users.

Idempotent: every object is found by a natural key (slug under its parent, run reference,
email, URN) and created only when missing, so editors' changes survive a re-run."""

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from accounts.models import LocalAuthority, Membership, School, User
from home.models import (
    FormField,
    FormPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
    StandardPage,
)

from . import demo_content as content
from .models import (
    Audience,
    CoursePage,
    CourseRun,
    Facilitator,
    Phase,
    ProgrammePage,
    Session,
    StrandPage,
    Venue,
)
from .workflows import attach, ensure_course_approval

DEMO_PASSWORD = "cpd-demo-2026"  # noqa: S105  (demo only; refused under production settings)

STRAND_CODES = {
    "teaching-and-learning": "ITL",
    "leadership": "LDR",
    "using-data": "DAT",
    "inclusion": "INC",
    "inspection": "INS",
}

# School holidays to keep runs out of (inclusive), for the demo year.
HOLIDAYS = [
    (dt.date(2026, 12, 19), dt.date(2027, 1, 4)),
    (dt.date(2027, 2, 13), dt.date(2027, 2, 21)),
    (dt.date(2027, 3, 27), dt.date(2027, 4, 11)),
    (dt.date(2027, 5, 29), dt.date(2027, 6, 6)),
]

DEMO_SCHOOLS = [
    # urn, name, la code, type_group, phase, domains, needs approval
    (990001, "Oakfield Primary School", "901", "la_maintained", "primary", "oakfield.sch.uk", True),
    (
        990002,
        "St Anne's Catholic Primary School",
        "901",
        "la_maintained",
        "primary",
        "stannes.sch.uk",
        False,
    ),
    (990003, "Riverside Academy", "901", "academy", "secondary", "riverside-academy.org.uk", False),
    (
        990004,
        "Brookvale Special School",
        "901",
        "special",
        "all_through",
        "brookvale.sch.uk",
        False,
    ),
    (990005, "Hilltop High School", "902", "la_maintained", "secondary", "hilltop.sch.uk", False),
    (
        990006,
        "Greenway Independent School",
        "902",
        "independent",
        "all_through",
        "greenway.org.uk",
        False,
    ),
]

# Each demo school's postal address, as GIAS would give it: street, locality, town, postcode.
# Haverleigh and Northwich are fictional; so are these streets and HV postcodes.
DEMO_SCHOOL_ADDRESSES = {
    990001: ("Oakfield Road", "Eastbrook", "Haverleigh", "HV3 1AA"),
    990002: ("12 Church Lane", "Old Town", "Haverleigh", "HV1 4BX"),
    990003: ("Riverside Walk", "", "Haverleigh", "HV5 2RA"),
    990004: ("Brookvale Drive", "Marsh End", "Haverleigh", "HV6 8BD"),
    990005: ("Hilltop Avenue", "Upper Northwich", "Northwich", "HV9 2HT"),
    990006: ("Greenway House", "Greenway Lane", "Northwich", "HV8 5GW"),
}

DEMO_USERS = [
    # email, first, last, kind, detail
    ("admin@example.gov.uk", "Alex", "Admin", "superuser", None),
    ("editor@example.gov.uk", "Maya", "Editor", "group", "Marketing editors"),
    ("moderator@example.gov.uk", "Sam", "Moderator", "group", "Moderators"),
    ("bookings@example.gov.uk", "Bea", "Bookings", "group", "Bookings officers"),
    ("finance.officer@example.gov.uk", "Fin", "Officer", "group", "Finance officers"),
    ("facilitator@example.gov.uk", "Sarah", "Whitfield", "group", "Facilitators"),
    ("manager@example.gov.uk", "Morgan", "Manager", "group", "Service managers"),
    ("teacher@oakfield.sch.uk", "Tom", "Teacher", "school", ("990001", "teacher")),
    ("cpdlead@oakfield.sch.uk", "Chloe", "Lead", "school", ("990001", "cpd_lead")),
    ("finance@oakfield.sch.uk", "Frank", "Finance", "school", ("990001", "finance")),
    ("head@oakfield.sch.uk", "Hannah", "Head", "school", ("990001", "headteacher")),
    ("teacher@riverside-academy.org.uk", "Ravi", "Teacher", "school", ("990003", "teacher")),
    # Has been on courses (see HISTORY): a CPD record, certificates, one evaluation still to do.
    ("ta@oakfield.sch.uk", "Amira", "Hassan", "school", ("990001", "teacher")),
]


def seed_demo(*, stdout=None, history=False):
    """The programme, schools and people; with `history`, also a few past runs with their
    registers, evaluations and certificates (for `make run`; the test suite's shared demo
    stays all in the future)."""
    say = (lambda msg: stdout.write(msg)) if stdout else (lambda msg: None)
    with transaction.atomic():
        home = _home_page()
        _site_settings(home)
        snippets = _snippets()
        programme = _child(
            home,
            ProgrammePage,
            "programme",
            title="Our programme",
            intro="Courses, networks and briefings for every role in school, "
            "organised in five strands. Book a place when you need it; "
            "there is no subscription.",
            show_in_menus=True,
        )
        strands = {}
        for s in content.STRANDS:
            strands[s["slug"]] = _child(
                programme,
                StrandPage,
                s["slug"],
                title=s["title"],
                colour=s["colour"],
                strapline=s["strapline"],
                body=[("paragraph", f"<p>{s['intro']}</p>")],
            )
        created_runs = 0
        for index, c in enumerate(content.COURSES):
            course = _course(strands[c["strand"]], c, snippets)
            created_runs += _runs(course, c, index, snippets["venues"])
        _news(home)
        _about_and_enquiry(home)
        _course_workflow(programme)
        _schools()
        _staff_groups()
        _users()
        from billing.demo import invoice_demo_statements, seed_billing

        seed_billing()
        filled = _fill_some_runs()
        invoice_demo_statements()
        if history:
            _after_the_course()
    say(
        f"Demo programme ready: {StrandPage.objects.count()} strands, "
        f"{CoursePage.objects.count()} courses, {CourseRun.objects.count()} runs "
        f"({created_runs} new); {filled} runs filled or nearly full."
    )


def _publish(page):
    page.save_revision().publish()
    return page


def _child(parent, model, slug, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    m2m = {k: fields.pop(k) for k in list(fields) if k in {"audiences", "phases", "facilitators"}}
    tags = fields.pop("subjects", [])
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    for name, values in m2m.items():
        getattr(page, name).set(values)
    if tags:
        page.subjects.add(*tags)
    return _publish(page)


def _home_page():
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or _tree_root()
        home = HomePage(
            title="Home",
            slug="home",
            hero_heading=content.HOME["hero_heading"],
            hero_intro=content.HOME["hero_intro"],
            body=content.HOME_BODY,
        )
        # Wagtail's placeholder welcome page takes the slug "home"; retire it first.
        for placeholder in Page.objects.child_of(root).filter(content_type__model="page"):
            placeholder.delete()
        root = Page.get_first_root_node()
        root.add_child(instance=home)
        _publish(home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="School Improvement CPD",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def _tree_root():
    """Wagtail's root node, recreated when the database was flushed rather than migrated."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # a flush re-made content types under new ids
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


def _site_settings(home):
    site = Site.objects.get(is_default_site=True)
    site_settings = SiteSettings.for_site(site)
    if not site_settings.address:
        site_settings.organisation_name = "School Improvement Service"
        site_settings.council_name = "Haverleigh Borough Council"
        site_settings.contact_email = "cpd@example.gov.uk"
        site_settings.contact_phone = "01632 960 000"
        site_settings.address = (
            "Haverleigh Professional Development Centre\nKingsway\nHaverleigh\nHV2 4RD"
        )
        site_settings.linkedin_url = "https://www.linkedin.com/"
        site_settings.save()


def _snippets():
    audiences = {
        slug: Audience.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in content.AUDIENCES
    }
    phases = {
        slug: Phase.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})[
            0
        ]
        for slug, name, order in content.PHASES
    }
    venues = [
        Venue.objects.get_or_create(name=v["name"], defaults={k: v[k] for k in v if k != "name"})[0]
        for v in content.VENUES
    ]
    facilitators = [
        Facilitator.objects.get_or_create(
            name=f["name"], defaults={k: f[k] for k in f if k != "name"}
        )[0]
        for f in content.FACILITATORS
    ]
    return {
        "audiences": audiences,
        "phases": phases,
        "venues": venues,
        "facilitators": facilitators,
    }


# Who leads what: by subject first, then by strand.
FACILITATOR_FOR_SUBJECT = {
    "Phonics": "Tom Brereton",
    "Reading": "Tom Brereton",
    "English": "Tom Brereton",
    "Early years": "Angela Mistry",
    "Safeguarding": "Joanne Pickering",
    "Attendance": "Joanne Pickering",
    "Governance": "Gareth Lloyd",
}
FACILITATOR_FOR_STRAND = {
    "teaching-and-learning": "Ruth Calloway",
    "leadership": "Daniel Okafor",
    "using-data": "Priya Raman",
    "inclusion": "Sarah Whitfield",
    "inspection": "Daniel Okafor",
}


def _facilitator_for(c, facilitators):
    by_name = {f.name: f for f in facilitators}
    for subject in c["subjects"]:
        if subject in FACILITATOR_FOR_SUBJECT:
            return by_name[FACILITATOR_FOR_SUBJECT[subject]]
    if "governors" in c["audiences"]:
        return by_name["Gareth Lloyd"]
    return by_name[FACILITATOR_FOR_STRAND[c["strand"]]]


def _course(strand, c, snippets):
    return _child(
        strand,
        CoursePage,
        c["slug"],
        title=c["title"],
        summary=c["summary"],
        search_description=c["summary"][:255],
        body=[("paragraph", "".join(f"<p>{p}</p>" for p in c["body"]))],
        learning_outcomes=[("outcome", o) for o in c["outcomes"]],
        format=c["format"],
        cpd_hours=Decimal(c["cpd_hours"]),
        default_price=Decimal(c["price"]),
        audiences=[snippets["audiences"][a] for a in c["audiences"]],
        phases=[snippets["phases"][p] for p in c["phases"]],
        facilitators=[_facilitator_for(c, snippets["facilitators"])],
        subjects=c["subjects"],
    )


def _school_days(start):
    day = start
    while True:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in HOLIDAYS):
            yield day
        day += dt.timedelta(days=1)


def _session_times(c):
    if c["after_school"]:
        return dt.time(15, 45), dt.time(17, 45)
    if Decimal(c["cpd_hours"]) / c["sessions_per_run"] >= 5:
        return dt.time(9, 30), dt.time(15, 30)
    return dt.time(9, 30), dt.time(12, 30)


def _runs(course, c, index, venues):
    """Spread runs over the next two terms; deterministic from the course's position."""
    code = STRAND_CODES.get(c["strand"], "CPD")
    today = timezone.localdate()
    created = 0
    tz = timezone.get_current_timezone()
    start_time, end_time = _session_times(c)
    for run_no in range(1, c["runs"] + 1):
        reference = f"{code}-{index + 1:03d}-{run_no}"
        if CourseRun.objects.filter(reference=reference).exists():
            continue
        offset = 7 + (index * 5) % 40 + (run_no - 1) * 56
        days = _school_days(today + dt.timedelta(days=offset))
        dates = []
        for day in days:
            dates.append(day)
            if len(dates) == c["sessions_per_run"]:
                break
            for _ in range(14):  # multi-session courses meet about fortnightly
                next(days)
        online = c["format"] == "online"
        first = dt.datetime.combine(dates[0], start_time, tzinfo=tz)
        run = CourseRun.objects.create(
            course=course,
            reference=reference,
            capacity=[12, 16, 20, 24, 30][(index + run_no) % 5],
            status=CourseRun.Status.OPEN if offset < 120 else CourseRun.Status.SCHEDULED,
            booking_closes_at=first - dt.timedelta(days=2),
            venue=None if online else venues[(index + run_no) % len(venues)],
            online_joining_url=(
                f"https://meet.example.gov.uk/cpd/{slugify(reference)}"
                if c["format"] != "in_person"
                else ""
            ),
            joining_instructions=(
                "Join ten minutes early to check your audio. Cameras on for group work, please."
                if c["format"] != "in_person"
                else "Sign in at reception. Refreshments from 9:00; lunch is provided on full days."
            ),
        )
        Session.objects.bulk_create(
            Session(
                run=run,
                starts_at=dt.datetime.combine(day, start_time, tzinfo=tz),
                ends_at=dt.datetime.combine(day, end_time, tzinfo=tz),
            )
            for day in dates
        )
        created += 1
    return created


def _news(home):
    index = _child(
        home,
        NewsIndexPage,
        "news",
        title="News",
        show_in_menus=True,
        intro="Updates from the School Improvement Service.",
    )
    for n in content.NEWS:
        _child(
            index,
            NewsPage,
            n["slug"],
            title=n["title"],
            date=dt.date.fromisoformat(n["date"]),
            intro=n["intro"],
            body=[("paragraph", "".join(f"<p>{p}</p>" for p in n["body"]))],
        )


def _about_and_enquiry(home):
    a = content.ABOUT
    _child(
        home,
        StandardPage,
        "about",
        title=a["title"],
        intro=a["intro"],
        show_in_menus=True,
        body=[("paragraph", "".join(f"<p>{p}</p>" for p in a["body"]))],
    )
    f = content.ENQUIRY_FORM
    if FormPage.objects.child_of(home).filter(slug="bespoke-support").exists():
        return
    form = FormPage(
        slug="bespoke-support",
        title=f["title"],
        show_in_menus=True,
        intro=f"<p>{f['intro']}</p>",
        thank_you_text=f"<p>{f['thank_you_text']}</p>",
        to_address="cpd@example.gov.uk",
        from_address="noreply@example.gov.uk",
        subject="New enquiry from the CPD website",
    )
    home.add_child(instance=form)
    for order, field in enumerate(f["fields"]):
        FormField.objects.create(
            page=form,
            sort_order=order,
            label=field["label"],
            field_type=field["field_type"],
            required=field["required"],
            choices=field.get("choices", ""),
        )
    _publish(form)


def _staff_groups():
    """Every role's group with exactly its grants (accounts/roles.py). Migrations make them;
    this puts them back on a database whose tables were flushed, as tests do."""
    from django.apps import apps

    from accounts.staff_groups import sync_staff_groups

    sync_staff_groups(apps)


def _course_workflow(programme):
    """Course pages need a moderator's approval before they go live. A migration makes the
    workflow; this puts it back on a database whose tables were flushed, as tests do."""
    attach(apps, programme.pk, ensure_course_approval(apps))


def _schools():
    partner, _ = LocalAuthority.objects.get_or_create(
        code="901", defaults={"name": "Haverleigh", "is_partner": True}
    )
    LocalAuthority.objects.get_or_create(
        code="902", defaults={"name": "Northwich Borough", "is_partner": False}
    )
    las = {la.code: la for la in LocalAuthority.objects.filter(code__in=["901", "902"])}
    for urn, name, la, group, phase, domain, approval in DEMO_SCHOOLS:
        street, locality, town, postcode = DEMO_SCHOOL_ADDRESSES[urn]
        School.objects.get_or_create(
            urn=urn,
            defaults={
                "name": name,
                "local_authority": las[la],
                "type_group": group,
                "phase": phase,
                "status": School.Status.OPEN,
                "street": street,
                "locality": locality,
                "town": town,
                "postcode": postcode,
                "email_domains": domain,
                "bookings_need_approval": approval,
                "type_name": dict(School.TypeGroup.choices)[group],
            },
        )
        # A demo database seeded before schools had addresses gets them now.
        School.objects.filter(urn=urn, street="", town="").update(
            street=street, locality=locality, town=town, postcode=postcode
        )


def _users():
    from allauth.account.models import EmailAddress

    for email, first, last, kind, detail in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=kind in {"superuser", "group"},
                is_superuser=kind == "superuser",
            )
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        if kind == "group":
            group, _ = Group.objects.get_or_create(name=detail)
            user.groups.add(group)
        if kind == "school":
            urn, role = detail
            school = School.objects.get(urn=int(urn))
            membership, _ = Membership.objects.get_or_create(user=user, school=school)
            setattr(membership, f"is_{role}", True)
            membership.save()


def demo_logins():
    return [
        (email, DEMO_PASSWORD, _describe(kind, detail)) for email, _, _, kind, detail in DEMO_USERS
    ]


def _describe(kind, detail):
    if kind == "superuser":
        return "Wagtail admin (superuser)"
    if kind == "group":
        return f"Wagtail admin ({detail})"
    urn, role = detail
    return f"{dict(Membership.Role.choices)[role]} at school URN {urn}"


DEMO_STAFF_FIRST = [
    "Aisha",
    "Ben",
    "Carys",
    "Dev",
    "Ellie",
    "Femi",
    "Grace",
    "Harry",
    "Imran",
    "Jess",
    "Kwame",
    "Lily",
    "Marek",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sofia",
]
DEMO_STAFF_LAST = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okoro",
    "Patel",
]


def _demo_staff(school, count):
    """Fictional colleagues at a demo school, for filling runs."""
    domain = school.domains[0]
    users = []
    for i in range(count):
        first = DEMO_STAFF_FIRST[(i + school.urn) % len(DEMO_STAFF_FIRST)]
        last = DEMO_STAFF_LAST[(i * 7 + school.urn) % len(DEMO_STAFF_LAST)]
        email = f"{first}.{last}{i}@{domain}".lower()
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, None, first_name=first, last_name=last
        )
        Membership.objects.get_or_create(user=user, school=school)
        users.append(user)
    return users


def _fill_some_runs():
    """Book real places, through book_places() as the CPD team's phone bookings, so that some
    runs are full and some nearly full. Runs that already have bookings are left alone."""
    from bookings.models import Booking
    from bookings.services import BookingRequest, Delegate, book_places

    admin = User.objects.get(email="admin@example.gov.uk")
    schools = list(School.objects.filter(urn__in=[990001, 990002, 990003, 990005]))
    staff = {school.pk: _demo_staff(school, 30) for school in schools}
    runs = [
        run
        for run in CourseRun.objects.upcoming().filter(status=CourseRun.Status.OPEN)
        if run.is_bookable
    ]
    filled = 0
    for index, run in enumerate(runs):
        if index % 4 != 0 or Booking.objects.filter(run=run).exists():
            continue
        # Every third of these is full (for the waiting list); the others have two places left.
        wanted = run.capacity if index % 12 == 0 else max(run.capacity - 2, 1)
        school = schools[(index // 4) % len(schools)]
        delegates = staff[school.pk][:wanted]
        book_places(
            run.pk,
            BookingRequest(
                school=school,
                booked_by=admin,
                delegates=[Delegate(u) for u in delegates],
                source=Booking.Source.PHONE,
                notify=False,
            ),
        )
        filled += 1
    return filled


# Courses that have happened, so registers, evaluations, certificates and CPD records have
# something to show: (course slug, school days ago of each session, register state). Each is
# run number 0 of its course (e.g. INC-023-0). The last is still open: its final session is
# today, for the facilitator to mark. All within 12 weeks, so the demo's calendars span less
# than a year.
HISTORY = [
    ("metacognition-and-self-regulated-learning", [80], "closed"),
    ("send-essentials-for-teaching-assistants-primary", [70, 56], "closed"),
    ("understanding-autism-classroom-strategies", [12], "closed"),
    ("new-senco-induction", [28, 14, 0], "open"),
]


def history_reference(slug):
    index, course = next((i, c) for i, c in enumerate(content.COURSES) if c["slug"] == slug)
    return f"{STRAND_CODES[course['strand']]}-{index + 1:03d}-0"


def history_references():
    return [history_reference(slug) for slug, _, _ in HISTORY]


def _school_day_ago(days):
    day = timezone.localdate() - dt.timedelta(days=days)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _history_delegates(slug, staff, amira):
    """Who was booked on each past run, and how they attended: "all", "none", "first" (the
    first session only) or "walk_in" (added on the day, present)."""
    oak, anne, river, hill = staff[990001], staff[990002], staff[990003], staff[990005]
    return {
        "metacognition-and-self-regulated-learning": [(amira, "all")]
        + [(u, "all") for u in oak[:4] + hill[:3]],
        "send-essentials-for-teaching-assistants-primary": [
            (amira, "all"),
            (oak[1], "none"),
            (anne[0], "first"),
        ]
        + [(u, "all") for u in oak[2:6] + anne[1:4]],
        "understanding-autism-classroom-strategies": [
            (amira, "all"),
            (river[2], "none"),
            (river[10], "walk_in"),
        ]
        + [(u, "all") for u in oak[6:9] + river[3:5]],
        "new-senco-induction": [(amira, "all"), (oak[9], "first")]
        + [(u, "all") for u in oak[10:13] + anne[5:9] + river[11:13]],
    }[slug]


def _after_the_course():
    """Past runs with their registers marked (and most closed), evaluations, certificates and
    an impact follow-up, all through bookings.attendance. Runs that exist are left alone."""
    from bookings import attendance
    from bookings.models import Booking, Enrolment, ImpactFollowUp
    from bookings.services import BookingRequest, Delegate, book_places

    users = {u.email: u for u in User.objects.filter(email__endswith="example.gov.uk")}
    # Staff-only steps as the superuser: a flushed test database has groups without permissions.
    admin = users["admin@example.gov.uk"]
    sarah = users["facilitator@example.gov.uk"]
    Facilitator.objects.filter(name="Sarah Whitfield", user__isnull=True).update(user=sarah)
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    lead = User.objects.get(email="cpdlead@oakfield.sch.uk")
    schools = {s.urn: s for s in School.objects.filter(urn__in=[990001, 990002, 990003, 990005])}
    staff = {urn: _demo_staff(school, 30) for urn, school in schools.items()}
    tz = timezone.get_current_timezone()
    for slug, days_ago, state in HISTORY:
        reference = history_reference(slug)
        if CourseRun.objects.filter(reference=reference).exists():
            continue
        course = CoursePage.objects.get(slug=slug)
        start, end = _session_times(
            {
                "after_school": False,
                "cpd_hours": course.cpd_hours,
                "sessions_per_run": len(days_ago),
            }
        )
        run = CourseRun.objects.create(
            course=course,
            reference=reference,
            capacity=20,
            status=CourseRun.Status.CLOSED,
            venue=None if course.format == "online" else Venue.objects.order_by("name").first(),
            online_joining_url=(
                f"https://meet.example.gov.uk/cpd/{reference.lower()}"
                if course.format != "in_person"
                else ""
            ),
        )
        sessions = [
            Session.objects.create(
                run=run,
                starts_at=dt.datetime.combine(_school_day_ago(d), start, tzinfo=tz),
                ends_at=dt.datetime.combine(_school_day_ago(d), end, tzinfo=tz),
            )
            for d in days_ago
        ]
        taker = sarah if attendance.may_take_register(sarah, run) else admin
        people = _history_delegates(slug, staff, amira)
        by_school = {}
        for person, how in people:
            if how != "walk_in":
                school = person.memberships.order_by("pk").first().school
                by_school.setdefault(school, []).append(person)
        for school, delegates in by_school.items():
            book_places(
                run.pk,
                BookingRequest(
                    school=school,
                    booked_by=admin,
                    delegates=[Delegate(p) for p in delegates],
                    source=Booking.Source.PHONE,
                    notify=False,
                ),
            )
        for person, how in people:
            if how == "walk_in":  # booked on the day, like add_walk_in(), but emailing nobody
                school = person.memberships.order_by("pk").first().school
                book_places(
                    run.pk,
                    BookingRequest(
                        school=school,
                        booked_by=admin,
                        delegates=[Delegate(person)],
                        source=Booking.Source.WALK_IN,
                        notify=False,
                    ),
                )
            enrolment = Enrolment.objects.get(run=run, delegate=person)
            for index, session in enumerate(sessions):
                if state == "open" and index == len(sessions) - 1:
                    continue  # the last register is the facilitator's to take
                present = how in ("all", "walk_in") or (how == "first" and index == 0)
                attendance.mark_attendance(session.pk, enrolment.pk, present=present, by=taker)
        if state != "closed":
            continue
        attendance.close_register(run.pk, by=taker, notify=False)
        attendance.request_evaluations(run.pk, notify=False)
        attended = Enrolment.objects.filter(run=run, status=Enrolment.Status.ATTENDED)
        for enrolment in attended.exclude(delegate=amira).order_by("pk")[:3]:
            _demo_evaluation(attendance, enrolment, 4)
        if slug != "understanding-autism-classroom-strategies":  # left for the demo to do
            _demo_evaluation(attendance, attended.get(delegate=amira), 5)
        if slug == "send-essentials-for-teaching-assistants-primary":
            no_show = Enrolment.objects.filter(run=run, status=Enrolment.Status.NO_SHOW)
            attendance.waive_no_show_charge(
                no_show.order_by("pk").last().pk,
                by=admin,
                reason="School closed by snow on the second day",
            )
            place = attended.get(delegate=amira).pk
            ImpactFollowUp.objects.create(enrolment_id=place)
            attendance.answer_impact(
                place,
                by=amira,
                answer="I now pre-teach key vocabulary before each maths lesson, and we use "
                "the visual timetable from the course every day.",
            )
            attendance.answer_impact(
                place,
                by=lead,
                answer="Learning walks show TAs planning with teachers; two pupils with EHCPs "
                "now work independently for longer.",
            )


def _demo_evaluation(attendance, enrolment, score):
    attendance.submit_evaluation(
        enrolment.pk,
        by=enrolment.delegate,
        ratings={"quality": score, "relevance": score, "facilitator": 5},
        will_do_differently="Plan adult support before the lesson, not during it.",
        comments="Practical and well paced.",
    )
