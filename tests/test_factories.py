"""The factories build what the tests rely on, without the demo programme."""

from decimal import Decimal

from accounts.models import Membership, School
from billing.models import Account
from bookings.models import Enrolment
from courses.models import CoursePage, CourseRun
from tests.factories import accounts, billing, bookings, courses


def test_the_cast_has_the_demo_names_and_roles_without_the_demo(people):
    assert not CourseRun.objects.exists()  # no demo programme
    assert people["school_a"].urn == 990001 and people["school_b"].urn == 990003
    lead = Membership.objects.get(user=people["lead_a"], school=people["school_a"])
    assert lead.roles == [Membership.Role.TEACHER, Membership.Role.CPD_LEAD]
    assert people["finance_a"].memberships.get().is_finance
    assert people["head_a"].memberships.get().is_headteacher
    assert people["teacher_b"].memberships.get().school == people["school_b"]
    assert people["staff"].is_superuser and people["staff"].check_password(accounts.PASSWORD)
    assert people["teacher_a"].emailaddress_set.get().verified
    assert people["school_a"].account.invoicing == Account.Invoicing.MONTHLY
    assert School.objects.count() == 2


def test_a_run_is_bookable_and_books_through_the_service(people):
    run = courses.run(capacity=2, days=(10, 24), price="150.00")
    assert run.is_bookable and run.sessions.count() == 2 and run.price == Decimal("150.00")
    assert CoursePage.objects.get(pk=run.course_id).get_parent().specific_class.__name__ == (
        "StrandPage"
    )
    booking = bookings.book(
        run, people["teacher_b"], school=people["school_b"], booked_by=people["staff"]
    )
    assert [e.status for e in bookings.enrolments(booking)] == [Enrolment.Status.CONFIRMED]
    assert run.places_left == 1


def test_a_finance_contact_and_a_per_booking_account(db):
    school = accounts.school()
    contact = billing.finance_contact(school)
    account = billing.account(school, invoicing=billing.PER_BOOKING, contact_email=contact.email)
    assert account.invoicing == Account.Invoicing.PER_BOOKING
    assert Membership.objects.get(user=contact).is_finance
