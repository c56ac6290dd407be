import pytest

from accounts.models import Membership
from billing import services
from billing.models import Account
from bookings.services import BookingRequest, Delegate, book_places
from tests.factories import billing, cast


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (settlement and emails are Celery tasks, eager here) as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def priced_run(db):
    """A bookable run with no bookings, 10 places, at a list price of £200 with standard VAT;
    free to cancel until 14 days before, then (and for a no-show) the whole price is kept."""
    return billing.priced_run("200.00", capacity=10)


@pytest.fixture
def school(people):
    """Riverside Academy: a partner-area academy invoiced per booking, no approval needed."""
    school = people["school_b"]
    school.bookings_need_approval = False
    school.save()
    account = services.school_account(school)
    account.invoicing = Account.Invoicing.PER_BOOKING
    account.save()
    return school


@pytest.fixture
def book(staff_of):
    """Book `n` new staff of `school` on `run`, confirmed; returns the booking."""
    made = {"n": 0}

    def go(run, school, n=1, po_number=""):
        made["n"] += 1
        people = staff_of(school, n, prefix=f"b{made['n']}x")
        # The first of them is a CPD lead, so may book colleagues.
        booker = people[0]
        Membership.objects.filter(user=booker, school=school).update(is_cpd_lead=True)
        return book_places(
            run.pk,
            BookingRequest(
                school=school,
                booked_by=booker,
                terms_accepted=True,
                po_number=po_number,
                delegates=[Delegate(p) for p in people],
            ),
        )

    return go


@pytest.fixture
def staff_of(make_user):
    def make(school, n, prefix="staff"):
        users = []
        for i in range(n):
            user = make_user(f"{prefix}{i}@{school.domains[0]}")
            Membership.objects.create(user=user, school=school, is_teacher=True)
            users.append(user)
        return users

    return make


@pytest.fixture
def demo_schools(people):
    """The demo's six schools, built by the factories with the demo's names, URNs, areas and
    types (the cast's two and tests/factories/cast.SCHOOLS), by URN."""
    return {s.urn: s for s in [people["school_a"], people["school_b"], *cast.schools()]}
