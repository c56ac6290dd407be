import pytest

from tests.factories import accounts, courses


@pytest.fixture
def open_run(db):
    """A bookable in-person run a fortnight away, with a few places and no bookings yet."""
    return courses.run(capacity=3)


@pytest.fixture
def staff_of(db):
    """n new teachers on a school's staff list."""
    return accounts.staff_of
