"""A bouncing address is marked on its person (accounts.bounces): newer events win, a delivery
or a changed address clears it, and staff and the school's CPD lead see it where they look at
people."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts import roles
from accounts.bounces import record_email_event
from accounts.models import EmailBounce
from tests.factories import accounts

DEC_3 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def school(db):
    return accounts.school("Oakfield Primary School", domain="oakfield.sch.uk")


@pytest.fixture
def teacher(school):
    return accounts.member(school, email="ann@oakfield.sch.uk", first_name="Ann", last_name="Lee")


def bounce(address="ann@oakfield.sch.uk", event_type="bounced", at=DEC_3, reason="550 no user"):
    return record_email_event(
        address=address, event_type=event_type, occurred_at=at, reason=reason, provider="Postmark"
    )


def test_a_bounce_marks_the_person_whose_address_it_is_whatever_its_case(teacher):
    marked = bounce("Ann@Oakfield.SCH.uk")
    assert marked.user == teacher
    assert teacher.bouncing_email == marked
    assert marked.reason == "550 no user"


def test_an_address_nobody_has_and_events_that_say_nothing_of_delivery_record_nothing(teacher):
    assert bounce("nobody@oakfield.sch.uk") is None
    for event_type in ("opened", "clicked", "deferred", "queued", "unknown"):
        assert bounce(event_type=event_type) is None
    assert not EmailBounce.objects.exists()


def test_a_complaint_replaces_an_older_bounce_but_an_older_event_changes_nothing(teacher):
    bounce()
    bounce(event_type="complained", at=DEC_3 + dt.timedelta(hours=1), reason="")
    bounce(event_type="rejected", at=DEC_3 - dt.timedelta(days=1))
    bounce(event_type="delivered", at=DEC_3)  # before the complaint

    kept = EmailBounce.objects.get(user=teacher)
    assert kept.kind == EmailBounce.Kind.COMPLAINED
    assert kept.occurred_at == DEC_3 + dt.timedelta(hours=1)


def test_a_later_delivery_clears_the_mark(teacher):
    bounce()
    assert bounce(event_type="delivered", at=DEC_3 + dt.timedelta(minutes=1)) is None
    assert not EmailBounce.objects.exists()


def test_changing_the_address_clears_the_mark_and_saving_anything_else_keeps_it(teacher):
    bounce()
    teacher.refresh_from_db()
    teacher.job_title = "Year 3 teacher"
    teacher.save()
    assert EmailBounce.objects.filter(user=teacher).exists()

    teacher.email = "ann.lee@oakfield.sch.uk"
    teacher.save()

    assert not EmailBounce.objects.exists()
    assert teacher.bouncing_email is None


def test_the_schools_cpd_lead_sees_a_colleague_whose_email_bounces(client, school, teacher):
    lead = accounts.member(school, "cpd_lead")
    bounce()
    client.force_login(lead)

    page = client.get(reverse("accounts:school_dashboard", args=[school.pk])).content.decode()

    ann = page.split("ann@oakfield.sch.uk", 1)[1].split("</th>", 1)[0]
    assert "Email to this address bounces." in ann
    assert page.count("Email to this address bounces.") == 1


def test_bookings_staff_see_it_in_people_at_schools(client, teacher):
    bounce()
    client.force_login(accounts.staff(None, roles.BOOKINGS))

    page = client.get("/admin/memberships/").content.decode()

    assert "Email bounces" in page
    assert "Bounced 3 Dec 2026" in page


def test_a_bounce_is_in_the_persons_data_and_goes_when_they_close_their_account(teacher):
    from accounts import services

    bounce()
    exported = services.export_personal_data(teacher)["email_bounces"]
    assert exported == [
        {
            "address": "ann@oakfield.sch.uk",
            "kind": "bounced",
            "reason": "550 no user",
            "occurred_at": DEC_3.isoformat(),
        }
    ]

    services.close_account(teacher)

    assert not EmailBounce.objects.exists()
