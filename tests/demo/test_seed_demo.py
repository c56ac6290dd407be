from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import Page

from accounts.models import Membership, School, User
from bookings.models import Booking, Enrolment, Reservation, WaitingListEntry, WaitingListMember
from courses.models import CoursePage, CourseRun, Session, StrandPage, Venue
from home.models import FormField


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Page,
            CourseRun,
            Session,
            Venue,
            School,
            User,
            Membership,
            FormField,
            Booking,
            Enrolment,
            Reservation,
            WaitingListEntry,
            WaitingListMember,
        )
    }


def test_seed_demo_twice_duplicates_nothing(db):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first


def test_the_demo_links_a_published_booking_terms_page_from_the_site_settings(demo, client):
    from wagtail.models import Site

    from home.models import SiteSettings

    terms = SiteSettings.for_site(Site.objects.get(is_default_site=True)).booking_terms_page
    assert terms is not None and terms.live and terms.title == "Booking terms"
    page = client.get(terms.url)
    assert page.status_code == 200 and b"Cancelling" in page.content


def test_seed_demo_builds_the_five_strand_programme(demo):
    titles = list(StrandPage.objects.live().order_by("path").values_list("title", flat=True))
    assert titles == [
        "Improving teaching and learning",
        "Developing leadership",
        "Using data",
        "Building capacity for inclusion",
        "Preparing for inspection",
    ]
    assert CoursePage.objects.live().count() >= 30
    for strand in StrandPage.objects.all():
        assert CoursePage.objects.child_of(strand).count() >= 5, strand.title


def test_seed_demo_schedules_varied_runs_over_the_next_two_terms(demo):
    now = timezone.now()
    runs = CourseRun.objects.with_dates()
    assert runs.filter(first_starts_at__gte=now).count() == runs.count()
    assert runs.filter(last_ends_at__lte=now + timezone.timedelta(days=240)).count() == runs.count()
    assert runs.filter(venue__isnull=True).exists(), "some runs are online"
    multi = [r for r in CourseRun.objects.prefetch_related("sessions") if r.sessions.count() > 1]
    assert multi, "some runs have several sessions"
    assert runs.filter(status=CourseRun.Status.OPEN).exists()


def test_seed_demo_gives_every_school_role_a_login(demo):
    lead = Membership.objects.get(user__email="cpdlead@oakfield.sch.uk")
    assert lead.is_cpd_lead
    assert User.objects.get(email="admin@example.gov.uk").is_superuser
    assert (
        User.objects.get(email="editor@example.gov.uk")
        .groups.filter(name="Marketing editors")
        .exists()
    )


def test_seed_demo_is_refused_where_demo_data_is_not_allowed(demo, settings):
    spare = CourseRun.objects.filter(bookings__isnull=True).order_by("reference").first()
    Session.objects.filter(run=spare).delete()
    spare.delete()
    settings.DEMO_DATA_ALLOWED = False
    try:
        call_command("seed_demo", verbosity=0)
    except CommandError as error:
        assert "disabled" in str(error)
    else:
        raise AssertionError("seed_demo ran with demo data disallowed")
    assert not CourseRun.objects.filter(reference=spare.reference).exists()


def test_seed_demo_makes_some_runs_full_and_some_nearly_full(demo):
    runs = list(CourseRun.objects.upcoming())
    left = [run.places_left for run in runs]
    assert left.count(0) >= 2, "some full runs, for the waiting list"
    assert left.count(2) >= 5, "some nearly full"
    assert sum(1 for n, run in zip(left, runs, strict=True) if n == run.capacity) > len(runs) / 2
    assert Enrolment.objects.filter(status="confirmed").count() == Enrolment.objects.count()


def test_the_demo_has_oakfields_reservation_and_group_on_a_waiting_list_on_its_pages(demo, client):
    oakfield = School.objects.get(urn=990001)
    reservation = Reservation.objects.get(booking__school=oakfield)
    assert (reservation.places, reservation.named) == (3, 1)
    assert reservation.booking.booked_by.email == "cpdlead@oakfield.sch.uk"
    assert reservation.run.places_left < reservation.run.capacity  # the places are held
    entry = WaitingListEntry.objects.get(school=oakfield, is_group=True)
    assert entry.person.email == "cpdlead@oakfield.sch.uk"
    assert (entry.status, entry.places, entry.members.count()) == ("waiting", 3, 3)
    assert entry.run.places_left == 0, "a full run's waiting list"

    client.force_login(entry.person)
    mine = client.get("/bookings/").content.decode()
    assert "Reserved places to name" in mine
    assert f"{reservation.run.reference})</a> for {oakfield.name}" in mine
    assert "2 of 3 places still to name" in mine
    school = client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    assert "2 of 3 places still to name" in school
    assert "On waiting lists (1)" in school
    assert f"({entry.run.reference}), 3 colleagues from {oakfield.name}" in school
