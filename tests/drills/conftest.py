import uuid

import pytest

from tests.factories import courses

from .support import private_redis  # noqa: F401  (a fixture)


@pytest.fixture
def queue():
    return f"drill-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def bookable_run(db):
    """An open in-person run a fortnight away, with room for every drill's bookings."""
    return courses.run(capacity=200)


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
