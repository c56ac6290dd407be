"""What marketing staff rely on in Wagtail: scheduling, the accessibility checker, SEO fields."""

import datetime as dt

from django.utils import timezone

from accounts import roles
from courses.models import CoursePage
from home.tasks import publish_scheduled_pages
from tests.factories import cast, courses


def test_a_scheduled_course_goes_live_when_beat_runs_the_publish_task(db):
    strand = courses.strand("Using data")
    page = CoursePage(
        title="Reading the new KS2 data dashboard",
        slug="ks2-dashboard",
        summary="Scheduled for later.",
        live=False,
    )
    strand.add_child(instance=page)
    page.go_live_at = timezone.now() + dt.timedelta(hours=1)
    revision = page.save_revision()
    revision.publish()  # a future go-live schedules the revision instead of publishing it
    page.refresh_from_db()
    assert not page.live
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None

    publish_scheduled_pages.delay()
    page.refresh_from_db()
    assert not page.live, "not yet due"

    # Time passes: the go-live moment is now behind us, in the schedule and the content.
    past = timezone.now() - dt.timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    publish_scheduled_pages.delay()
    page.refresh_from_db()
    assert page.live


def test_editors_see_the_userbar_with_the_accessibility_checker(client, site):
    client.force_login(cast.officer(roles.MARKETING))
    html = client.get("/").content.decode()
    assert "wagtail-userbar" in html
    assert 'id="checker-axe-configuration"' in html  # Wagtail's built-in accessibility checker


def test_visitors_do_not_see_the_userbar(client, site):
    assert "wagtail-userbar" not in client.get("/").content.decode()


def test_seo_title_and_description_reach_the_page_head(client, db):
    course = courses.course("SEND essentials for teaching assistants")
    course.seo_title = "SEND training for TAs | Haverleigh"
    course.search_description = "Two twilight sessions for primary teaching assistants."
    course.save_revision().publish()
    html = client.get(course.url).content.decode()
    assert "<title>SEND training for TAs | Haverleigh |" in html
    assert 'name="description" content="Two twilight sessions' in html
    assert f'<link rel="canonical" href="{course.full_url}">' in html
