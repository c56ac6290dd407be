import uuid

import pytest

from .support import private_redis  # noqa: F401  (a fixture)


@pytest.fixture
def queue():
    return f"drill-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def bookable_run(demo):
    from courses.models import CourseRun

    run = next(
        r
        for r in CourseRun.objects.upcoming().filter(status="open", venue__isnull=False)
        if r.is_bookable
    )
    run.capacity = 200
    run.save()
    return run


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


@pytest.fixture
def colleagues(oakfield, make_user):
    """Teachers at Oakfield, each of whom will book their own place."""
    from accounts.models import Membership

    def make(n):
        people = []
        for i in range(n):
            user = make_user(f"drill.teacher{i}@oakfield.sch.uk", first_name=f"Drill{i}")
            Membership.objects.create(user=user, school=oakfield)
            people.append(user)
        return people

    return make


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """Tests here still look up the demo programme's courses, runs or people; not yet ported
    to tests/factories (issue 18)."""
