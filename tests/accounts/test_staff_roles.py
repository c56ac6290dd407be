"""Staff groups made by the data migration: each demo role reaches what it should, and no
more. (The full walk over every admin URL, per group, belongs to the back-office issue.)"""

import pytest

from accounts import permissions
from accounts.models import User
from courses.models import CoursePage, CourseRun

STAFF = {
    "editor": "editor@example.gov.uk",
    "moderator": "moderator@example.gov.uk",
    "bookings": "bookings@example.gov.uk",
    "finance": "finance.officer@example.gov.uk",
    "facilitator": "facilitator@example.gov.uk",
    "manager": "manager@example.gov.uk",
}


def _get(client, who, url):
    client.force_login(User.objects.get(email=STAFF[who]))
    return client.get(url).status_code


@pytest.fixture
def urls(demo):
    course = CoursePage.objects.live().first()
    run = CourseRun.objects.first()
    return {
        "dashboard": "/admin/",
        "edit course": f"/admin/pages/{course.pk}/edit/",
        "runs": "/admin/runs/",
        "new run": "/admin/runs/new/",
        "run delegates": f"/admin/runs/{run.pk}/delegates/",
        "schools": "/admin/schools/",
        "venues": "/admin/snippets/courses/venue/",
    }


ALLOWED = {
    "editor": {"dashboard", "edit course", "venues"},
    "moderator": {"dashboard", "edit course", "venues"},
    "bookings": {"dashboard", "runs", "new run", "run delegates", "schools", "venues"},
    "finance": {"dashboard", "runs", "run delegates", "schools"},
    "facilitator": {"dashboard"},
    "manager": {"dashboard", "runs", "run delegates", "schools", "venues"},
}


@pytest.mark.parametrize("who", list(STAFF))
def test_each_staff_role_reaches_exactly_its_admin_pages(client, urls, who):
    got = {name for name, url in urls.items() if _get(client, who, url) == 200}
    assert got == ALLOWED[who]


def test_only_bookings_officers_take_bookings_on_behalf_of_schools(demo):
    able = {
        who
        for who, email in STAFF.items()
        if permissions.can_manage_bookings(User.objects.get(email=email))
    }
    assert able == {"bookings"}


def test_every_role_has_a_demo_login(demo):
    from courses.demo import demo_logins

    described = " ".join(what for _, _, what in demo_logins())
    for group in (
        "Marketing editors",
        "Moderators",
        "Bookings officers",
        "Finance officers",
        "Facilitators",
        "Service managers",
    ):
        assert group in described
    for role in ("Teacher", "CPD lead", "Finance contact", "Headteacher"):
        assert role in described
