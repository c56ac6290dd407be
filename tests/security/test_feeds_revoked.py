"""A calendar address lives only as long as the right that gave it: a school's calendar
(which names the staff going) stops answering once its holder is no longer a CPD lead or
headteacher there, however that happened, and every feed of a closed account stops."""

import re

import pytest
from django.test import Client

from tests import people as via

from .booked import book, open_run, signed_in


def _school_feed_path(client, school):
    html = client.get(f"/account/school/{school.pk}/").content.decode()
    return re.search(r"/calendar/school/[^\s\"'<>]+\.ics", html).group(0)


def _personal_feed_path(client):
    html = client.get("/account/").content.decode()
    return re.search(r"/calendar/u/[^\s\"'<>]+\.ics", html).group(0)


@pytest.fixture
def new_lead(people):
    """Someone signs up on the school's domain, joins, and the CPD lead makes them a lead
    too; the school has a booking, so its calendar names staff."""
    school = people["school_a"]
    client = Client()
    user = via.sign_up(client, "new.lead@oakfield.sch.uk")
    assert via.join_school(client, school).status_code == 302
    lead = signed_in("cpdlead@oakfield.sch.uk")
    membership = via.membership(user, school)
    assert via.set_roles(lead, membership, "teacher", "cpd_lead").status_code == 302
    book(lead, open_run(), school, people["teacher_a"])
    feed = _school_feed_path(client, school)
    response = Client().get(feed)
    assert response.status_code == 200 and b"Tom Teacher" in response.content.replace(b"\r\n ", b"")
    return client, lead, membership, feed


def test_a_lead_removed_from_the_school_loses_its_calendar(new_lead):
    _, lead, membership, feed = new_lead
    response = lead.post(f"/account/school/{membership.school_id}/staff/{membership.pk}/remove/")
    assert response.status_code == 302
    assert Client().get(feed).status_code == 404


def test_a_lead_made_a_teacher_loses_its_calendar_for_good(new_lead):
    client, lead, membership, feed = new_lead
    assert via.set_roles(lead, membership, "teacher").status_code == 302
    assert Client().get(feed).status_code == 404
    # Made lead again, they get a new address: the old one never comes back.
    assert via.set_roles(lead, membership, "teacher", "cpd_lead").status_code == 302
    assert Client().get(feed).status_code == 404
    again = _school_feed_path(client, membership.school)
    assert again != feed and Client().get(again).status_code == 200


def test_closing_the_account_ends_its_school_and_personal_calendars(new_lead):
    client, _, membership, feed = new_lead
    personal = _personal_feed_path(client)
    assert Client().get(personal).status_code == 200
    response = client.post("/account/close/", {"email": "new.lead@oakfield.sch.uk"})
    assert response.status_code == 302
    assert Client().get(feed).status_code == 404
    assert Client().get(personal).status_code == 404


def test_the_other_managers_calendars_carry_on(new_lead, people):
    _, lead, membership, _ = new_lead
    lead_feed = _school_feed_path(lead, membership.school)
    head_feed = _school_feed_path(signed_in("head@oakfield.sch.uk"), membership.school)
    lead.post(f"/account/school/{membership.school_id}/staff/{membership.pk}/remove/")
    assert Client().get(lead_feed).status_code == 200
    assert Client().get(head_feed).status_code == 200


def test_a_teacher_cannot_open_the_school_calendar_page(people):
    teacher = signed_in("teacher@oakfield.sch.uk")
    assert teacher.get(f"/account/school/{people['school_a'].pk}/").status_code == 404
