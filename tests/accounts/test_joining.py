"""Finding a school and joining it: at once by email domain, or by a CPD lead's approval."""

import pytest
from django.core import mail

from accounts import services
from accounts.models import JoinRequest, Membership, School


@pytest.fixture
def oakfield(people):
    return people["school_a"]


@pytest.mark.parametrize("query", ["Oakfield", "oakfield primary", "990001", "HV3 1AA", "hv31aa"])
def test_find_schools_by_name_urn_or_postcode(oakfield, query):
    assert oakfield in services.find_schools(query)


def test_find_schools_ignores_closed_schools_and_tiny_queries(oakfield):
    assert list(services.find_schools("O")) == []
    oakfield.status = School.Status.CLOSED
    oakfield.save()
    assert oakfield not in services.find_schools("Oakfield")


def test_a_teacher_on_the_school_domain_joins_at_once(oakfield, make_user):
    user = make_user("new.teacher@oakfield.sch.uk")
    outcome = services.request_to_join(user, oakfield)
    assert outcome.joined
    assert Membership.objects.get(user=user, school=oakfield).roles == [Membership.Role.TEACHER]
    assert not JoinRequest.objects.filter(user=user).exists()
    assert mail.outbox == []


def test_an_unverified_email_on_the_domain_must_still_be_approved(oakfield, make_user):
    user = make_user("sneaky@oakfield.sch.uk", verified=False)
    outcome = services.request_to_join(user, oakfield)
    assert not outcome.joined
    assert not Membership.objects.filter(user=user).exists()


def test_another_domain_asks_the_cpd_lead_who_is_emailed_once(
    oakfield, make_user, people, django_capture_on_commit_callbacks
):
    user = make_user("supply.teacher@gmail.com")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.request_to_join(user, oakfield)
        again = services.request_to_join(user, oakfield)
    assert not outcome.joined and again.request == outcome.request
    assert JoinRequest.objects.filter(user=user, status="pending").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [people["lead_a"].email]
    assert "supply.teacher@gmail.com" in message.body
    assert f"/account/school/{oakfield.pk}/" in message.body
    assert message.alternatives and "Approve or decline" in message.alternatives[0][0]
    from accounts.emails import send_join_request_to_leads

    assert send_join_request_to_leads(outcome.request.pk) is False  # a re-run sends nothing
    assert len(mail.outbox) == 1


def test_a_school_without_a_cpd_lead_sends_the_request_to_the_services_contact_address(
    make_user, people, django_capture_on_commit_callbacks
):
    from wagtail.models import Site

    from home.models import SiteSettings

    riverside = people["school_b"]  # its only member is a teacher
    assert not Membership.objects.filter(school=riverside, is_cpd_lead=True).exists()
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.contact_email = "bookings.team@example.gov.uk"  # as editors set it
    site_settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_to_join(make_user("supply.teacher@gmail.com"), riverside)
    assert [m.to for m in mail.outbox] == [["bookings.team@example.gov.uk"]]


def test_with_no_site_settings_saved_the_request_goes_to_the_sending_address(
    make_user, people, settings, django_capture_on_commit_callbacks
):
    from home.models import SiteSettings

    SiteSettings.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_to_join(make_user("supply.teacher@gmail.com"), people["school_b"])
    assert [m.to for m in mail.outbox] == [[settings.DEFAULT_FROM_EMAIL]]


def test_joining_a_closed_school_is_refused(oakfield, make_user):
    oakfield.status = School.Status.CLOSED
    oakfield.save()
    with pytest.raises(services.AccountsError, match="is closed"):
        services.request_to_join(make_user("x@oakfield.sch.uk"), oakfield)
    assert not Membership.objects.filter(user__email="x@oakfield.sch.uk").exists()


def test_joining_twice_is_refused(oakfield, people):
    with pytest.raises(services.AccountsError, match="already a member"):
        services.request_to_join(people["teacher_a"], oakfield)


def test_the_cpd_lead_approves_and_the_requester_is_told(
    oakfield, make_user, people, django_capture_on_commit_callbacks
):
    user = make_user("agency@teachers.example")
    join_request = services.request_to_join(user, oakfield).request
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_join_request(join_request.pk, by=people["lead_a"], approve=True)
    assert Membership.objects.get(user=user, school=oakfield).is_teacher
    join_request.refresh_from_db()
    assert join_request.status == "approved" and join_request.decided_by == people["lead_a"]
    assert [m.to for m in mail.outbox] == [["agency@teachers.example"]]
    assert "You are now a member" in mail.outbox[0].body


def test_a_declined_request_adds_no_one(oakfield, make_user, people):
    user = make_user("unknown@elsewhere.example")
    join_request = services.request_to_join(user, oakfield).request
    services.decide_join_request(join_request.pk, by=people["head_a"], approve=False)
    assert not Membership.objects.filter(user=user).exists()
    with pytest.raises(services.AccountsError, match="already been decided"):
        services.decide_join_request(join_request.pk, by=people["lead_a"], approve=True)


@pytest.mark.parametrize("who", ["teacher_a", "finance_a", "teacher_b"])
def test_only_the_schools_managers_may_decide(oakfield, make_user, people, who):
    join_request = services.request_to_join(make_user("a@b.example"), oakfield).request
    with pytest.raises(services.AccountsError, match="not found"):
        services.decide_join_request(join_request.pk, by=people[who], approve=True)
    join_request.refresh_from_db()
    assert join_request.status == "pending"


def test_roles_can_change_but_a_school_keeps_a_cpd_lead(people):
    lead = Membership.objects.get(user=people["lead_a"])
    teacher = Membership.objects.get(user=people["teacher_a"])
    with pytest.raises(services.AccountsError, match="needs a CPD lead"):
        services.set_roles(lead.pk, by=people["lead_a"], roles=["teacher"])
    services.set_roles(teacher.pk, by=people["lead_a"], roles=["teacher", "cpd_lead"])
    services.set_roles(lead.pk, by=people["lead_a"], roles=["teacher"])
    lead.refresh_from_db()
    assert lead.roles == [Membership.Role.TEACHER]


def test_bad_roles_are_refused_whole(people):
    teacher = Membership.objects.get(user=people["teacher_a"])
    for roles, message in [([], "at least one role"), (["teacher", "wizard"], "Unknown role")]:
        with pytest.raises(services.AccountsError, match=message):
            services.set_roles(teacher.pk, by=people["lead_a"], roles=roles)
    teacher.refresh_from_db()
    assert teacher.roles == [Membership.Role.TEACHER]


def test_the_last_cpd_lead_cannot_be_removed(people):
    lead = Membership.objects.get(user=people["lead_a"])
    with pytest.raises(services.AccountsError, match="needs a CPD lead"):
        services.remove_member(lead.pk, by=people["head_a"])
    services.remove_member(Membership.objects.get(user=people["teacher_a"]).pk, by=people["head_a"])
    assert not Membership.objects.filter(user=people["teacher_a"]).exists()


# --- through the pages -------------------------------------------------------------------------


def test_find_school_page_lists_matches_and_a_fragment_for_the_typeahead(client, people):
    client.force_login(people["teacher_b"])
    page = client.get("/account/school/find/", {"q": "oakf"})
    assert b"Oakfield Primary School" in page.content and b"<html" in page.content
    fragment = client.get("/account/school/find/", {"q": "oakf", "partial": "1"})
    assert b"Oakfield Primary School" in fragment.content and b"<html" not in fragment.content
    nothing = client.get("/account/school/find/", {"q": "zzzz"})
    assert b"No open school matches" in nothing.content


def test_joining_through_the_page_then_approval_on_the_dashboard(client, people, make_user):
    oakfield = people["school_a"]
    user = make_user("newbie@outlook.example")
    client.force_login(user)
    response = client.post(f"/account/school/{oakfield.pk}/join/", follow=True)
    assert b"asked Oakfield Primary School" in response.content
    join_request = JoinRequest.objects.get(user=user)

    client.force_login(people["lead_a"])
    dashboard = client.get(f"/account/school/{oakfield.pk}/")
    assert b"newbie@outlook.example" in dashboard.content
    response = client.post(
        f"/account/school/{oakfield.pk}/requests/{join_request.pk}/",
        {"decision": "approve"},
        follow=True,
    )
    assert b"approved" in response.content
    client.force_login(user)
    assert b"Oakfield Primary School" in client.get("/account/").content


def test_joining_a_closed_school_through_the_page_says_why(client, people, make_user):
    oakfield = people["school_a"]
    oakfield.status = School.Status.CLOSED
    oakfield.save()
    client.force_login(make_user("late@oakfield.sch.uk"))
    response = client.post(f"/account/school/{oakfield.pk}/join/", follow=True)
    assert b"is closed, so it cannot take new members" in response.content


def test_a_garbage_decision_changes_nothing(client, people, make_user):
    oakfield = people["school_a"]
    join_request = services.request_to_join(make_user("z@z.example"), oakfield).request
    client.force_login(people["lead_a"])
    response = client.post(
        f"/account/school/{oakfield.pk}/requests/{join_request.pk}/",
        {"decision": "maybe"},
        follow=True,
    )
    assert b"Choose approve or decline" in response.content
    join_request.refresh_from_db()
    assert join_request.status == "pending"
