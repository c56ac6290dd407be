"""A consortium's shared budget is never overdrawn, however many member schools book at once
(PostgreSQL). The control removes the account lock and shows the budget then goes negative."""

import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Consortium, Membership, School, User
from billing import services
from billing.models import Account, CourseBandPrice, CreditEntry, RunBandPrice
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CourseRun

pytestmark = pytest.mark.django_db(transaction=True)

PLACE = Decimal("240.00")  # a partner-area maintained school: £200 + £40 VAT


@pytest.fixture
def scene(postgres):
    call_command("seed_demo", verbosity=0)
    oakfield, brookvale = School.objects.get(urn=990001), School.objects.get(urn=990004)
    consortium = Consortium.objects.get(schools=brookvale)
    consortium.schools.add(oakfield)
    # A run each: bookings on one run queue on its row lock, so only the account lock is
    # left between them and the pot.
    runs = [
        r
        for r in CourseRun.objects.upcoming()
        .filter(status=CourseRun.Status.OPEN)
        .select_related("course")
        if r.is_bookable and r.places_left >= 1
    ][:10]
    assert len(runs) == 10
    for run in runs:
        run.price_override = 200
        run.save()
        course = run.course
        course.vat_treatment = "standard"
        course.save()
        RunBandPrice.objects.filter(run=run).delete()
        CourseBandPrice.objects.filter(course=course).delete()
    budget = Account.objects.get(consortium=consortium)
    services.adjust_credit(
        budget, 4 * PLACE - services.credit_balance(budget), reason="Test: four places", by=None
    )
    teachers = []
    for school in (oakfield, brookvale):
        school.bookings_need_approval = False
        school.save()
        assert services.credit_balance(services.school_account(school)) == 0
        users = User.objects.bulk_create(
            [User(email=f"pot{i}@{school.domains[0]}") for i in range(5)]
        )
        Membership.objects.bulk_create([Membership(user=u, school=school) for u in users])
        teachers += [(school, u) for u in users]
    return list(zip(runs, teachers, strict=True)), budget


def _book(item):
    run, (school, user) = item
    book_places(
        run.pk,
        BookingRequest(
            school=school, booked_by=user, delegates=[Delegate(user)], terms_accepted=True
        ),
    )


def test_ten_places_at_once_from_two_schools_draw_the_pot_down_to_exactly_zero(scene, stampede):
    bookings, budget = scene
    stampede(_book, bookings, workers=10)
    ours = CreditEntry.objects.filter(kind="draw", enrolment__delegate__email__startswith="pot")
    assert services.credit_balance(budget) == 0
    assert sorted(ours.values_list("account", "amount")) == [(budget.pk, -PLACE)] * 4


def test_control_without_the_account_lock_the_pot_is_overdrawn(scene, stampede, monkeypatch):
    bookings, budget = scene
    real_lots = services.spendable_lots

    def slow_lots(account, **which):
        lots = real_lots(account, **which)
        time.sleep(0.05)  # widen the race between reading what is left and drawing on it
        return lots

    monkeypatch.setattr(
        "billing.services.drawing._lock", lambda ids: list(Account.objects.filter(pk__in=ids))
    )
    monkeypatch.setattr("billing.services.credit.spendable_lots", slow_lots)
    stampede(_book, bookings, workers=10)
    assert services.credit_balance(budget) < 0
