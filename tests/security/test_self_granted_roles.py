"""Nobody decides their own join request or raises their own roles, and council staff reach a
school's finance pages only through billing permissions. The attacker is a bookings officer
added in Wagtail's *Users → Add user*, who tries the public join flow, the school page's
role form and the admin's *People at schools*."""

import pytest
from django.test import Client

from accounts import roles
from accounts.models import JoinRequest, Membership
from tests import people as via
from tests.factories import billing
from tests.factories.accounts import PASSWORD


@pytest.fixture
def officer(people):
    admin = via.superuser_client(Client)
    user = via.add_staff_in_wagtail(admin, "sly.officer@example.gov.uk", roles.BOOKINGS)
    client = Client()
    via.first_sign_in(client, user.email)
    return user, client


@pytest.fixture
def statement(people):
    """Oakfield's issued monthly statement."""
    return billing.issued_statement(people["school_a"], booked_by=people["staff"])


def test_a_bookings_officer_cannot_approve_their_own_join_request(officer, people):
    user, client = officer
    school = people["school_a"]
    via.join_school(client, school)  # not on the school's domain: a request
    join_request = JoinRequest.objects.get(user=user, school=school)

    response = via.decide_join_request(client, school, join_request, "approve")

    assert response.status_code in {302, 404}
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=user, school=school).exists()


def test_nobody_raises_their_own_roles_on_the_school_page(people):
    """A CPD lead may manage others' roles, not add finance (or anything) to their own."""
    client = Client()
    via.sign_in(client, people["lead_a"].email, PASSWORD)
    mine = via.membership(people["lead_a"], people["school_a"])
    before = set(mine.roles)

    via.set_roles(client, mine, *before, Membership.Role.FINANCE)

    mine.refresh_from_db()
    assert set(mine.roles) == before
    # dropping a role of one's own is still allowed (leaving a duty is not a privilege)
    teacher = via.membership(people["teacher_a"], people["school_a"])
    via.set_roles(client, teacher, Membership.Role.TEACHER, Membership.Role.CPD_LEAD)
    via.set_roles(client, mine, Membership.Role.CPD_LEAD)
    mine.refresh_from_db()
    assert set(mine.roles) == {Membership.Role.CPD_LEAD}


def test_a_bookings_officer_cannot_give_themselves_a_finance_role_in_the_admin(officer, people):
    user, client = officer
    school = people["school_a"]
    response = client.post(
        "/admin/memberships/new/",
        {"user": user.pk, "school": school.pk, "is_teacher": "on", "is_finance": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "You cannot give yourself a role" in response.content.decode()
    assert not Membership.objects.filter(user=user, school=school).exists()


def test_a_school_role_given_to_council_staff_opens_no_finance_pages(officer, people, statement):
    """Even when a school's lead adds the officer and makes them finance contact (by mistake or
    collusion), staff see invoices only with billing permissions."""
    user, client = officer
    school = people["school_a"]
    via.join_school(client, school)
    lead = Client()
    via.sign_in(lead, people["lead_a"].email, PASSWORD)
    via.decide_join_request(lead, school, JoinRequest.objects.get(user=user), "approve")
    via.set_roles(lead, via.membership(user, school), Membership.Role.FINANCE)
    assert via.membership(user, school).is_finance

    invoice = statement
    assert (
        f"/billing/accounts/{invoice.account_id}/" not in client.get("/billing/").content.decode()
    )
    assert client.get(f"/billing/invoices/{invoice.pk}/").status_code == 404
    assert client.get(f"/billing/invoices/{invoice.pk}/pdf/").status_code == 404
    assert client.get(f"/billing/accounts/{invoice.account_id}/").status_code == 404
