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
        form = client.get(f"/book/{open_run.pk}/")
        assert form.status_code == 200
        done = client.post(
            f"/book/{open_run.pk}/details/",
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


def test_the_book_button_draws_a_teachers_form_in_one_request(client, open_run, people):
    """A teacher booking themself gets the details form from the Book button itself (no
    redirect to follow), reading the run and its dates once; a date that does not exist, or
    whose course is unpublished, is a 404."""
    client.force_login(people["teacher_a"])
    with CaptureQueriesContext(connection) as seen:
        page = client.get(f"/book/{open_run.pk}/")
    assert page.status_code == 200 and "Check and confirm" in page.content.decode()
    assert len([q for q in seen.captured_queries if 'FROM "courses_session"' in q["sql"]]) == 1
    assert client.get("/book/987654321/").status_code == 404
    open_run.course.unpublish()
    assert client.get(f"/book/{open_run.pk}/").status_code == 404
