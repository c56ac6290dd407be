"""Trust and consortium people: adding, roles and removal through the trust's and consortium's
pages, what an attacker holding a trust role cannot do, and bad input (accounts.groups)."""

import pytest
from django.core import mail

from accounts.models import ConsortiumMembership, JoinRequest, Membership, TrustMembership, User
from tests import people as how
from tests.forms import assert_errors_are_clear


@pytest.fixture
def lead_client(client, group_people):
    client.force_login(group_people["trust_lead"])
    return client


def _trust_people(trust):
    return sorted(
        (m.user.email, tuple(m.roles)) for m in TrustMembership.objects.filter(trust=trust)
    )


# The attacker holds a trust role and reaches for more.


@pytest.mark.parametrize(
    "url", ["/account/school/{b}/", "/school/{b}/bookings/", "/school/{b}/cpd/", "/billing/"]
)
def test_a_trust_lead_cannot_see_a_school_outside_the_trust(lead_client, people, group_people, url):
    response = lead_client.get(url.format(b=people["school_b"].pk))
    if url == "/billing/":  # a CPD lead holds no finance role: no account is listed
        assert "Riverside" not in response.content.decode()
    else:
        assert response.status_code == 404


def test_a_trust_lead_cannot_give_themselves_a_role(lead_client, group_people):
    trust, lead = group_people["trust"], group_people["trust_lead"]
    before = _trust_people(trust)
    mine = TrustMembership.objects.get(user=lead)
    response = how.set_trust_roles(lead_client, mine, "cpd_lead", "finance")
    assert response.status_code == 302
    follow = lead_client.get(response["Location"]).content.decode()
    assert "You cannot give yourself a role" in follow
    response = how.add_to_trust(lead_client, trust, lead.email.upper(), "finance")
    assert "You cannot give yourself a role" in response.content.decode()
    assert _trust_people(trust) == before


def test_a_trust_finance_contact_cannot_make_themselves_cpd_lead(client, group_people):
    trust = group_people["trust"]
    before = _trust_people(trust)
    client.force_login(group_people["trust_finance"])
    mine = group_people["trust_finance_membership"]
    assert how.set_trust_roles(client, mine, "cpd_lead", "finance").status_code == 404
    assert how.add_to_trust(client, trust, "friend@x.example", "cpd_lead").status_code == 404
    assert _trust_people(trust) == before


def test_a_trust_lead_cannot_approve_their_own_request_to_join_a_member_school(
    lead_client, people, group_people
):
    oakfield = people["school_a"]
    how.join_school(lead_client, oakfield)  # not on Oakfield's domain: a request
    request_ = JoinRequest.objects.get(user=group_people["trust_lead"])
    how.decide_join_request(lead_client, oakfield, request_)
    request_.refresh_from_db()
    assert request_.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=group_people["trust_lead"]).exists()


def test_a_trust_lead_cannot_use_the_admin_to_add_trust_people(lead_client, group_people):
    before = _trust_people(group_people["other_trust"])
    data = {
        "user": group_people["trust_lead"].pk,
        "trust": group_people["other_trust"].pk,
        "is_cpd_lead": "on",
    }
    response = lead_client.post("/admin/trust-memberships/new/", data)
    assert response.status_code in (302, 403)
    assert _trust_people(group_people["other_trust"]) == before


def test_staff_cannot_make_themselves_a_trust_lead_in_the_admin(people, group_people):
    from django.test import Client

    admin = how.superuser_client(Client)
    data = {"user": people["staff"].pk, "trust": group_people["trust"].pk, "is_cpd_lead": "on"}
    response = admin.post("/admin/trust-memberships/new/", data)
    assert response.status_code == 200
    assert "You cannot give yourself a role" in response.content.decode()
    assert not TrustMembership.objects.filter(user=people["staff"]).exists()


def test_the_admin_refuses_a_trust_person_with_no_role(people, group_people):
    from django.test import Client

    admin = how.superuser_client(Client)
    data = {"user": people["teacher_a"].pk, "trust": group_people["trust"].pk}
    response = admin.post("/admin/trust-memberships/new/", data)
    assert response.status_code == 200
    assert "Give the person at least one role at the trust." in response.content.decode()
    assert not TrustMembership.objects.filter(user=people["teacher_a"]).exists()


def test_a_consortium_lead_cannot_take_themselves_off(client, group_people):
    lead = group_people["consortium_lead"]
    client.force_login(lead)
    mine = ConsortiumMembership.objects.get(user=lead)
    client.post(f"/account/consortium/{mine.consortium_id}/leads/{mine.pk}/remove/")
    assert ConsortiumMembership.objects.filter(pk=mine.pk).exists()


# Adding, changing and removing through the pages.


def test_a_trust_lead_adds_an_existing_person_who_is_told(
    lead_client, people, group_people, django_capture_on_commit_callbacks
):
    trust, teacher = group_people["trust"], people["teacher_a"]
    with django_capture_on_commit_callbacks(execute=True):
        response = how.add_to_trust(lead_client, trust, teacher.email, "cpd_lead")
    assert response.status_code == 302
    assert TrustMembership.objects.get(user=teacher, trust=trust).roles == ["cpd_lead"]
    (message,) = [m for m in mail.outbox if teacher.email in m.to]
    assert "Haverleigh Learning Trust" in message.subject
    assert f"/account/trust/{trust.pk}/" in message.body and "Set a password" not in message.body


def test_a_trust_lead_invites_a_new_person_to_set_a_password(
    lead_client, group_people, django_capture_on_commit_callbacks
):
    trust = group_people["trust"]
    with django_capture_on_commit_callbacks(execute=True):
        how.add_to_trust(
            lead_client,
            trust,
            "Nia.New@Trust.example",
            "finance",
            first_name="Nia",
            last_name="New",
        )
    person = User.objects.get(email="nia.new@trust.example")
    assert TrustMembership.objects.get(user=person).roles == ["finance"]
    (message,) = [m for m in mail.outbox if person.email in m.to]
    assert "Set a password" in message.body and "/accounts/password/reset/key/" in message.body


def test_a_trust_lead_changes_roles_and_removes_people(lead_client, group_people):
    finance = group_people["trust_finance_membership"]
    how.set_trust_roles(lead_client, finance, "cpd_lead", "finance")
    finance.refresh_from_db()
    assert finance.roles == ["cpd_lead", "finance"]
    response = lead_client.post(f"/account/trust/{finance.trust_id}/people/{finance.pk}/remove/")
    assert response.status_code == 302
    assert not TrustMembership.objects.filter(pk=finance.pk).exists()


def test_a_trust_keeps_a_cpd_lead(people, group_people):
    from django.test import Client

    admin = how.superuser_client(Client)
    lead = TrustMembership.objects.get(user=group_people["trust_lead"])
    how.set_trust_roles(admin, lead, "finance")
    admin.post(f"/account/trust/{lead.trust_id}/people/{lead.pk}/remove/")
    lead.refresh_from_db()
    assert lead.roles == ["cpd_lead"]
    page = admin.get(f"/account/trust/{lead.trust_id}/").content.decode()
    assert "needs a CPD lead" in page


def test_account_home_links_to_the_trust_and_consortium_pages(client, group_people):
    client.force_login(group_people["trust_lead"])
    assert f"/account/trust/{group_people['trust'].pk}/" in client.get("/account/").content.decode()
    client.force_login(group_people["consortium_lead"])
    html = client.get("/account/").content.decode()
    assert f"/account/consortium/{group_people['consortium'].pk}/" in html


def test_a_trust_finance_contact_reaches_spending_waiting_for_them(client, group_people):
    """A finance contact for the trust alone (no school membership) finds the spending that
    waits for their approval from their account page, and the page opens."""
    client.force_login(group_people["trust_finance"])
    assert "/bookings/finance-approvals/" in client.get("/account/").content.decode()
    assert client.get("/bookings/finance-approvals/").status_code == 200


def test_the_trust_page_links_each_schools_bookings_and_cpd(lead_client, people, group_people):
    html = lead_client.get(f"/account/trust/{group_people['trust'].pk}/").content.decode()
    a = people["school_a"].pk
    assert f"/school/{a}/bookings/" in html and f"/school/{a}/cpd/" in html
    assert "Riverside" not in html


# Bad input: a clear message, nothing written.


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "roles": ["finance"]}, "Enter a valid email address."),
        ({"email": "", "roles": ["finance"]}, "This field is required."),
        ({"email": "a@new.example"}, "Choose at least one role."),
        ({"email": "a@new.example", "roles": ["headteacher"]}, "Select a valid choice."),
        ({"email": "a@new.example", "roles": ["finance"]}, "enter their first and last name"),
        (
            {"email": "finance@haverleigh-trust.org.uk", "roles": ["finance"]},
            "already acts for Haverleigh Learning Trust",
        ),
        ({"email": "a@new.example", "roles": ["finance"], "first_name": "x" * 151}, "at most 150"),
    ],
)
def test_bad_trust_additions_are_refused_with_nothing_written(
    lead_client, group_people, data, message
):
    trust = group_people["trust"]
    before, users = _trust_people(trust), User.objects.count()
    response = lead_client.post(f"/account/trust/{trust.pk}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert_errors_are_clear(html)
    assert _trust_people(trust) == before and User.objects.count() == users


@pytest.mark.parametrize(
    ("roles", "message"),
    [([], "Choose at least one role."), (["bogus"], "Select a valid choice.")],
)
def test_bad_trust_roles_are_refused_with_nothing_changed(
    lead_client, group_people, roles, message
):
    finance = group_people["trust_finance_membership"]
    response = how.set_trust_roles(lead_client, finance, *roles)
    assert message in lead_client.get(response["Location"]).content.decode()
    finance.refresh_from_db()
    assert finance.roles == ["finance"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nope"}, "Enter a valid email address."),
        ({"email": "b@new.example"}, "enter their first and last name"),
        ({"email": "lead@haverleigh-consortium.org.uk"}, "You cannot give yourself a role"),
    ],
)
def test_bad_consortium_additions_are_refused_with_nothing_written(
    client, group_people, data, message
):
    client.force_login(group_people["consortium_lead"])
    consortium = group_people["consortium"]
    users = User.objects.count()
    response = client.post(f"/account/consortium/{consortium.pk}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert_errors_are_clear(html)
    assert consortium.leads.count() == 1 and User.objects.count() == users
