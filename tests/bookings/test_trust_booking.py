"""A trust's CPD lead acts for the trust's schools through the real pages: books a member
school's teacher, and approves a teacher's own request. Not a school outside the trust."""

from bookings.models import Booking, Enrolment


def test_a_trust_cpd_lead_books_a_member_schools_teacher(client, open_run, people, group_people):
    oakfield, teacher = people["school_a"], people["teacher_a"]
    client.force_login(group_people["trust_lead"])
    html = client.get(f"/book/{open_run.pk}/").content.decode()
    assert "Choose staff from Oakfield Primary School" in html and "Tom Teacher" in html
    data = {"school": oakfield.pk, "delegate": teacher.pk, "terms": "on"}
    response = client.post(f"/book/{open_run.pk}/details/", data, follow=True)
    booking = Booking.objects.get(run=open_run)
    assert response.redirect_chain[-1][0] == f"/bookings/{booking.reference}/"
    assert f"Booked. Your reference is {booking.reference}" in response.content.decode()
    # A trust lead's booking is a manager's: it waits for nobody's approval.
    place = booking.enrolments.get()
    assert place.delegate == teacher and place.status == Enrolment.Status.CONFIRMED
    assert booking.school == oakfield and booking.booked_by == group_people["trust_lead"]


def test_a_trust_cpd_lead_approves_a_member_schools_request(client, open_run, people, group_people):
    oakfield, teacher = people["school_a"], people["teacher_a"]
    assert oakfield.bookings_need_approval
    client.force_login(teacher)
    data = {"school": oakfield.pk, "delegate": teacher.pk, "terms": "on"}
    client.post(f"/book/{open_run.pk}/details/", data)
    place = Enrolment.objects.get(run=open_run, delegate=teacher)
    assert place.status == Enrolment.Status.PENDING_APPROVAL

    client.force_login(group_people["trust_lead"])
    page = client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    assert "Waiting for approval (1)" in page and f"/bookings/place/{place.pk}/decide/" in page
    response = client.post(f"/bookings/place/{place.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.status == Enrolment.Status.CONFIRMED


def test_a_trust_cpd_lead_cannot_book_outside_the_trust(client, open_run, people, group_people):
    riverside, teacher_b = people["school_b"], people["teacher_b"]
    client.force_login(group_people["trust_lead"])
    data = {"school": riverside.pk, "delegate": teacher_b.pk, "terms": "on"}
    client.post(f"/book/{open_run.pk}/details/", data)
    client.post(
        f"/book/{open_run.pk}/add-colleague/",
        {"school": riverside.pk, "first_name": "Eve", "last_name": "Il", "email": "e@x.example"},
    )
    assert not Booking.objects.filter(run=open_run).exists()
    assert not riverside.memberships.filter(user__email="e@x.example").exists()


def test_a_consortium_lead_sees_bookings_but_decides_nothing(
    client, open_run, people, group_people
):
    oakfield, teacher = people["school_a"], people["teacher_a"]
    client.force_login(teacher)
    client.post(
        f"/book/{open_run.pk}/details/",
        {"school": oakfield.pk, "delegate": teacher.pk, "terms": "on"},
    )
    place = Enrolment.objects.get(run=open_run, delegate=teacher)
    client.force_login(group_people["consortium_lead"])
    page = client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    assert open_run.course.title in page and "/decide/" not in page
    assert client.post(f"/bookings/place/{place.pk}/decide/", {"decision": "approve"}).status_code
    place.refresh_from_db()
    assert place.status == Enrolment.Status.PENDING_APPROVAL
    assert client.get(f"/bookings/{place.booking.reference}/").status_code == 404


def test_a_request_at_a_school_without_its_own_cpd_lead_goes_to_the_trust_lead(
    client, open_run, people, group_people, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.factories import accounts

    school = accounts.school("Elm Academy", bookings_need_approval=True)
    school.trust = group_people["trust"]
    school.save(update_fields=["trust"])
    teacher = accounts.member(school)
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/book/{open_run.pk}/details/",
            {"school": school.pk, "delegate": teacher.pk, "terms": "on"},
        )
    place = Enrolment.objects.get(run=open_run, delegate=teacher)
    assert place.status == Enrolment.Status.PENDING_APPROVAL
    (request_,) = [m for m in mail.outbox if "Please approve" in m.subject]
    assert request_.to == [group_people["trust_lead"].email]


def test_a_trust_cpd_lead_has_a_member_schools_calendar_until_they_leave_the_trust(
    client, people, group_people
):
    from accounts.models import TrustMembership
    from bookings import calendar as feeds

    lead = group_people["trust_lead"]
    feed = feeds.feed_for(lead, people["school_a"])
    assert client.get(f"/calendar/school/{feed.token}.ics").status_code == 200
    TrustMembership.objects.filter(user=lead).update(is_cpd_lead=False, is_finance=True)
    assert client.get(f"/calendar/school/{feed.token}.ics").status_code == 404
