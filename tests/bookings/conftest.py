import pytest

from courses.models import CourseRun


@pytest.fixture
def open_run(demo):
    """A bookable in-person run with a few places and no bookings yet."""
    runs = CourseRun.objects.upcoming().filter(
        status=CourseRun.Status.OPEN, venue__isnull=False, bookings__isnull=True
    )
    run = next(r for r in runs if r.is_bookable)
    run.capacity = 3
    run.save()
    return run


@pytest.fixture
def staff_of(make_user):
    """n new teachers on a school's staff list."""
    from accounts.models import Membership

    def make(school, n, prefix="staff"):
        users = []
        for i in range(n):
            user = make_user(f"{prefix}{i}@{school.domains[0]}")
            Membership.objects.create(user=user, school=school, is_teacher=True)
            users.append(user)
        return users

    return make


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """Tests here still look up the demo programme's courses, runs or people; not yet ported
    to tests/factories (issue 18)."""
