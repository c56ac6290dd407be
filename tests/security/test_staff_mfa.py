"""Staff MFA as an attacker meets it: staff added in Wagtail's *Users → Add user* (which never
sets `is_staff`) sign in with a password alone and try every kind of staff-privileged page,
in the admin and outside it. Each is sent to set up an authenticator; with one set up and its
code typed at sign-in, the same pages open (so the list is of real pages, not 404s)."""

import pytest
from django.test import Client

from accounts import roles
from tests import people as via
from tests.factories import billing, courses
from tests.factories.accounts import PASSWORD

SETUP = "/accounts/2fa/totp/activate/"


@pytest.fixture
def staff(people):
    """Made by the superuser in Wagtail, before the gate is switched on for the attack."""
    admin = via.superuser_client(Client)
    return {
        "bookings": via.add_staff_in_wagtail(admin, "b.officer@example.gov.uk", roles.BOOKINGS),
        "finance": via.add_staff_in_wagtail(admin, "f.officer@example.gov.uk", roles.FINANCE),
        "facilitator": via.add_staff_in_wagtail(
            admin, "f.acilitator@example.gov.uk", roles.FACILITATORS
        ),
        "superuser": via.add_staff_in_wagtail(admin, "root.two@example.gov.uk", superuser=True),
    }


@pytest.fixture
def gate_on(settings):
    settings.ADMIN_MFA_REQUIRED = True


@pytest.fixture
def statement(people):
    """Oakfield's issued monthly statement, for a place on a run."""
    return billing.issued_statement(people["school_a"], booked_by=people["staff"])


def _pages(people, invoice):
    school = people["school_a"]
    run = invoice.lines.first().enrolment.run
    account = invoice.account
    return {
        # the admin
        "/admin/": "bookings",
        "/admin/enrolments/": "bookings",
        "/admin/schools/": "bookings",
        "/admin/runs/": "bookings",
        # staff powers outside the admin
        f"/account/school/{school.pk}/": "bookings",
        f"/school/{school.pk}/bookings/": "bookings",
        f"/school/{school.pk}/cpd/": "bookings",
        f"/school/{school.pk}/cpd.csv": "bookings",
        "/registers/": "bookings",
        f"/registers/{run.pk}/": "bookings",
        f"/billing/invoices/{invoice.pk}/pdf/": "finance",
        f"/billing/accounts/{account.pk}/statement.pdf": "finance",
        f"/billing/accounts/{account.pk}/statement.csv": "finance",
        f"/billing/invoices/{invoice.pk}/": "superuser",
    }


def _signed_in(user, password=via.PASSWORD):
    client = Client()
    via.first_sign_in(client, user.email, password)
    return client


@pytest.mark.parametrize("who", ["bookings", "finance", "facilitator", "superuser"])
def test_staff_without_an_authenticator_reach_no_staff_page(staff, people, statement, gate_on, who):
    client = _signed_in(staff[who])
    got = {url: client.get(url) for url in _pages(people, statement)}
    let_through = {
        url: r.status_code
        for url, r in got.items()
        if not (r.status_code == 302 and r["Location"].startswith(SETUP))
    }
    assert let_through == {}


def test_with_an_authenticator_the_same_pages_open_after_the_code(
    staff, people, statement, gate_on
):
    for who in ("bookings", "finance", "superuser"):
        client = _signed_in(staff[who])
        secret = via.set_up_authenticator(client)
        client.logout()
        response = via.sign_in(client, staff[who].email)
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        assert "_auth_user_id" not in client.session, "a password alone must not sign staff in"
        client.post("/accounts/2fa/authenticate/", {"code": via.totp_code(secret)})
        for url, role in _pages(people, statement).items():
            if role == who:
                assert client.get(url).status_code == 200, (who, url)


def test_the_gate_holds_for_a_view_that_reads_the_user_late(staff, people, gate_on):
    """A page that answers some requests before asking who you are (booking a run) still
    refuses to act on staff powers without the authenticator."""
    run = courses.run()
    client = _signed_in(staff["bookings"])
    response = client.get(f"/book/{run.pk}/?school={people['school_a'].pk}")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_teachers_and_leads_are_not_asked(people, gate_on):
    for who in ("teacher_a", "lead_a", "finance_a"):
        client = _signed_in(people[who], PASSWORD)
        assert client.get("/account/").status_code == 200
        assert client.get(f"/account/school/{people['school_a'].pk}/").status_code in {200, 404}


def test_a_teacher_who_is_given_a_staff_group_is_gated_from_then_on(people, gate_on, settings):
    client = _signed_in(people["teacher_a"], PASSWORD)
    assert client.get("/account/").status_code == 200
    settings.ADMIN_MFA_REQUIRED = False
    admin = via.superuser_client(Client)
    from django.contrib.auth.models import Group

    response = admin.post(
        f"/admin/users/edit/{people['teacher_a'].pk}/",
        {
            "email": people["teacher_a"].email,
            "first_name": "Tess",
            "last_name": "Teacher",
            "is_active": "on",
            "groups": [Group.objects.get(name=roles.BOOKINGS).pk],
        },
    )
    assert response.status_code == 302
    settings.ADMIN_MFA_REQUIRED = True
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_a_facilitator_added_in_wagtail_can_be_given_their_registers(staff):
    """The facilitator snippet's "staff login" offers people in the Facilitators group (Wagtail's
    Add user never sets is_staff, which it used to ask for)."""
    from django.forms import modelform_factory

    from courses.models import Facilitator

    offered = modelform_factory(Facilitator, fields=["user"])().fields["user"].queryset
    assert staff["facilitator"] in offered
    assert staff["bookings"] not in offered


def test_the_deploy_check_refuses_staff_mfa_switched_off(settings):
    from core.checks import check_staff_mfa

    settings.ADMIN_MFA_REQUIRED = False
    assert [p.id for p in check_staff_mfa(None)] == ["project.W004"]
    settings.ADMIN_MFA_REQUIRED = True
    assert check_staff_mfa(None) == []


def test_staff_powers_are_read_with_the_user_in_one_query(people, gate_on):
    """Issue 17: the gate's question (does this person hold staff powers?) is answered by the
    query that loads the signed-in user, on every request, fresh: not a second query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _signed_in(people["teacher_a"], PASSWORD)
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/account/").status_code == 200
    about_the_user = [
        q["sql"] for q in seen.captured_queries if '"accounts_user_groups"' in q["sql"]
    ]
    assert len(about_the_user) == 1
    assert about_the_user[0].startswith('SELECT "accounts_user"."id"')  # the load itself
