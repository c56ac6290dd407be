"""A teacher's booking pages never read the permission tables. Whether someone is service staff
is asked on every page; for a person with no staff powers (no group, no admin access) the
answer comes from the one remembered staff-powers check, not from loading every permission."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.permissions import can_manage_bookings, is_service_staff
from bookings.models import Enrolment


def test_booking_as_a_teacher_reads_no_permissions(client, open_run, people):
    school, teacher = people["school_a"], people["teacher_a"]
    school.bookings_need_approval = False
    school.save()
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as seen:
        start = client.get(f"/book/{open_run.pk}/")
        assert start.status_code == 302
        form = client.get(start["Location"])
        assert form.status_code == 200
        done = client.post(
            start["Location"],
            {"school": school.pk, "delegate": teacher.pk, "terms": "on"},
        )
        assert done.status_code == 302, done.content[:500]
        assert client.get(done["Location"]).status_code == 200
    assert Enrolment.objects.get(run=open_run, delegate=teacher).status == "confirmed"
    # Loading a user's permissions (Django's ModelBackend) reads FROM auth_permission; the
    # staff-powers check starts from the user and only joins it.
    loads = [q["sql"] for q in seen.captured_queries if 'FROM "auth_permission"' in q["sql"]]
    assert loads == []


def test_staff_are_still_told_apart_by_their_permissions(client, people):
    """The check the teacher skips still runs for staff, and still answers no for a teacher."""
    assert is_service_staff(people["staff"])
    assert not is_service_staff(people["teacher_a"])
    assert not can_manage_bookings(people["teacher_a"])


def test_the_book_button_sends_a_teacher_on_before_reading_the_run(client, open_run, people):
    """A teacher booking themself is sent to the form without the run's dates and places
    being read here (the form reads them); a date that does not exist is still a 404."""
    client.force_login(people["teacher_a"])
    with CaptureQueriesContext(connection) as seen:
        start = client.get(f"/book/{open_run.pk}/")
    assert start.status_code == 302
    assert f"/book/{open_run.pk}/details/" in start["Location"]
    assert not [q for q in seen.captured_queries if '"courses_session"' in q["sql"]]
    assert client.get("/book/987654321/").status_code == 404
    open_run.course.unpublish()
    assert client.get(f"/book/{open_run.pk}/").status_code == 404
