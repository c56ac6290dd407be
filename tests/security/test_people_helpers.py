"""The people factories in tests/people.py drive the real flows (a smoke test of the helpers
the attacker tests build on)."""

from django.test import Client

from tests import people as via


def test_staff_added_in_wagtail_hold_the_group_and_no_is_staff_flag(people):
    admin = via.superuser_client(Client)
    user = via.add_staff_in_wagtail(admin, "new.officer@example.gov.uk", "Bookings officers")
    assert list(user.groups.values_list("name", flat=True)) == ["Bookings officers"]
    assert user.has_perm("wagtailadmin.access_admin")


def test_a_teacher_signs_up_and_joins_on_the_school_domain(people):
    client = Client()
    user = via.sign_up(client, "New.Person@oakfield.sch.uk")
    assert via.join_school(client, people["school_a"]).status_code == 302
    assert via.membership(user, people["school_a"]).is_teacher
